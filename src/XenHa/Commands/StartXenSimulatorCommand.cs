using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using System.Threading;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Starts the bundled XenAPI simulator (xensim) as a separate process: N simulated hosts, each with
/// its own endpoint on a loopback address, and returns their URLs and the credential they accept.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "XenSimulator", SupportsShouldProcess = true)]
[OutputType(typeof(SimulatorInstance))]
public sealed class StartXenSimulatorCommand : XenCmdlet
{
    /// <summary>Number of simulated hosts (xennode01, xennode02, ...).</summary>
    [Parameter(Position = 0)]
    [Alias("Hosts")]
    [ValidateRange(1, 64)]
    public int HostCount { get; set; } = 3;

    /// <summary>
    /// Farm preset: none (fresh standalone hosts, as after installation), pooled (one pool),
    /// pooled-with-vms (one pool with guest VMs).
    /// </summary>
    [Parameter]
    [ValidateSet("none", "pooled", "pooled-with-vms")]
    public string Preset { get; set; } = "none";

    /// <summary>Serve HTTPS with a self-signed certificate.</summary>
    [Parameter]
    public SwitchParameter Tls { get; set; }

    /// <summary>The port every host listens on; 0 (default) picks a free one.</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    /// <summary>The XenAPI version to emulate, e.g. 2.21 (XenServer 8), 2.15 (8.2), 1.7 (5.6).</summary>
    [Parameter]
    [ValidateSet("1.7", "2.15", "2.21")]
    public string? ApiVersion { get; set; }

    /// <summary>Memory of each simulated host in GiB.</summary>
    [Parameter]
    [ValidateRange(8, 65536)]
    public int MemoryGB { get; set; }

    /// <summary>Simulated clock speed: 10 makes a 60 s timeout take 6 s.</summary>
    [Parameter]
    [ValidateRange(0.001, 100000.0)]
    public double Speed { get; set; }

    /// <summary>The credential the hosts accept; root with a random password when omitted.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>
    /// More XenAPI users, by RBAC role: @{ 'read-only' = $auditor; 'vm-operator' = $op1, $op2 }. Roles:
    /// pool-admin, pool-operator, vm-power-admin, vm-admin, vm-operator, read-only.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? User { get; set; }

    /// <summary>Seconds to wait for the simulator to report that it is ready.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Path of xensim.dll; the copy inside the module by default.</summary>
    [Parameter]
    public string? SimulatorPath { get; set; }

    /// <summary>
    /// A file that keeps the simulated inventory (xensim --state): every change is written before it is
    /// answered, and a simulator started again with the same file gets the same farm back.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StatePath { get; set; }

    /// <summary>Further xensim options, passed as they are.</summary>
    [Parameter]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    private const string ReadyPrefix = "XENHA_SIM_READY ";

    /// <summary>
    /// The arguments as the verbose stream may show them: the value of --password and the password
    /// part of --cifs USER:PASSWORD and --iscsi ...,CHAPUSER:CHAPPASSWORD replaced by ***.
    /// </summary>
    internal static IEnumerable<string> RedactSecrets(IReadOnlyList<string> arguments)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            var previous = i > 0 ? arguments[i - 1] : "";
            var argument = arguments[i];
            if (previous == "--password")
            {
                yield return "***";
            }
            else if ((previous == "--cifs" || previous == "--iscsi") && argument.LastIndexOf(',') is var comma && comma >= 0
                && argument.IndexOf(':', comma) is var colon && colon > comma)
            {
                yield return argument.Substring(0, colon + 1) + "***";
            }
            else
            {
                yield return argument;
            }
        }
    }

    protected override void EndProcessing()
    {
        var simulator = SimulatorPath ?? Path.Combine(
            Path.GetDirectoryName(typeof(StartXenSimulatorCommand).Assembly.Location) ?? ".", "simulator", "xensim.dll");
        if (!File.Exists(simulator))
        {
            ThrowTerminatingError(new ErrorRecord(
                new FileNotFoundException($"The simulator was not found at {simulator}.", simulator),
                "XenHaSimulatorNotFound", ErrorCategory.ObjectNotFound, simulator));
        }
        var users = ReadUsers();
        if (!ShouldProcess($"{HostCount} simulated host(s), preset {Preset}", "Start XenAPI simulator"))
        {
            return;
        }

        var credential = Credential ?? new PSCredential("root", RandomPassword());
        var arguments = new List<string> { simulator, "--hosts", HostCount.ToString(CultureInfo.InvariantCulture),
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--preset", Preset,
            "--user", credential.UserName,
            "--parent-pid", Process.GetCurrentProcess().Id.ToString(CultureInfo.InvariantCulture) };
        foreach (var (role, user) in users)
        {
            arguments.AddRange(new[] { "--user-role", user.UserName + ":" + role });
        }
        if (Tls) { arguments.Add("--tls"); }
        if (ApiVersion != null) { arguments.AddRange(new[] { "--api-version", ApiVersion }); }
        if (MemoryGB > 0) { arguments.AddRange(new[] { "--memory-gb", MemoryGB.ToString(CultureInfo.InvariantCulture) }); }
        if (Speed > 0) { arguments.AddRange(new[] { "--speed", Speed.ToString("R", CultureInfo.InvariantCulture) }); }
        if (StatePath != null) { arguments.AddRange(new[] { "--state", GetUnresolvedProviderPathFromPSPath(StatePath) }); }
        arguments.AddRange(ArgumentList);

        var startInfo = new ProcessStartInfo(DotnetHost(), string.Join(" ", arguments.Select(Quote)))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        // The password goes through the environment, never the command line others can read.
        startInfo.Environment["XENHA_SIM_PASSWORD"] = credential.GetNetworkCredential().Password;
        foreach (var (_, user) in users)
        {
            startInfo.Environment[PasswordVariable(user.UserName)] = user.GetNetworkCredential().Password;
        }
        // The control-plane token too: only this session can pull the power on its simulated hosts.
        var controlToken = RandomHex(32);
        startInfo.Environment["XENHA_SIM_CONTROL_TOKEN"] = controlToken;

        WriteVerbose($"Starting {startInfo.FileName} {string.Join(" ", RedactSecrets(arguments).Select(Quote))}");
        var process = Process.Start(startInfo)!;
        var errors = new List<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) { return; }
            lock (errors)
            {
                errors.Add(e.Data);
                if (errors.Count > 200) { errors.RemoveAt(0); }
            }
        };
        process.BeginErrorReadLine();

        var ready = WaitForReadyLine(process, errors);
        var fields = ParseReadyLine(ready);
        fields.TryGetValue("hosts", out var hosts);
        fields.TryGetValue("thumbprint", out var thumbprint);
        fields.TryGetValue("control", out var controlUrl);
        // A token on the ready line means the simulator generated its own (it ignored ours).
        if (fields.TryGetValue("token", out var announcedToken) && announcedToken.Length > 0)
        {
            controlToken = announcedToken;
        }
        var instance = new SimulatorInstance(process, fields["url"],
            (hosts ?? fields["url"]).Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries),
            thumbprint ?? "", credential, HostCount, Preset, controlUrl ?? "", controlToken);
        // Keep draining stdout so the child never blocks on a full pipe.
        _ = DrainAsync(process.StandardOutput);
        SimulatorProcesses.Add(instance);
        WriteObject(instance);
    }

    private static readonly string[] Roles = { "pool-admin", "pool-operator", "vm-power-admin", "vm-admin", "vm-operator", "read-only" };

    /// <summary>-User as (role, credential) pairs; a bad role, value or user name stops the cmdlet before anything starts.</summary>
    private List<(string Role, PSCredential User)> ReadUsers()
    {
        var users = new List<(string, PSCredential)>();
        if (User == null)
        {
            return users;
        }
        foreach (DictionaryEntry entry in User)
        {
            var role = Roles.FirstOrDefault(r => string.Equals(r, entry.Key?.ToString(), StringComparison.OrdinalIgnoreCase));
            if (role == null)
            {
                InvalidUser($"'{entry.Key}' is not a XenAPI role; use one of {string.Join(", ", Roles)}.", entry.Key);
            }
            var values = LanguagePrimitives.GetEnumerable(entry.Value)?.Cast<object>() ?? new[] { entry.Value };
            foreach (var value in values)
            {
                var user = value as PSCredential ?? (value as PSObject)?.BaseObject as PSCredential;
                if (user == null)
                {
                    InvalidUser($"The users of role {role} must be PSCredential objects.", entry.Key);
                }
                if (!System.Text.RegularExpressions.Regex.IsMatch(user!.UserName, "^[A-Za-z0-9_.@-]+$")
                    || string.Equals(user.UserName, (Credential?.UserName ?? "root"), StringComparison.Ordinal)
                    || users.Any(u => u.Item2.UserName == user.UserName))
                {
                    InvalidUser($"'{user.UserName}' cannot be a simulator user: names are letters, digits and _.@-, each given once, and not the root user's.", user.UserName);
                }
                users.Add((role!, user));
            }
        }
        return users;
    }

    private void InvalidUser(string message, object? target) =>
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), "XenHaInvalidSimulatorUser", ErrorCategory.InvalidArgument, target));

    /// <summary>Where xensim reads the password of --user-role NAME: $XENHA_SIM_PASSWORD_NAME (upper case, others as _).</summary>
    private static string PasswordVariable(string name) =>
        "XENHA_SIM_PASSWORD_" + new string(name.ToUpperInvariant().Select(c => (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_').ToArray());

    /// <summary>Reads stdout until the ready line, with a bounded, cancellable wait.</summary>
    private string WaitForReadyLine(Process process, List<string> errors)
    {
        var pending = process.StandardOutput.ReadLineAsync();
        var deadline = DateTime.UtcNow.AddSeconds(TimeoutSeconds);
        var progress = new ProgressRecord(1, "Start-XenSimulator", "Waiting for the simulator to be ready");
        var shown = false;
        try
        {
            for (var tick = 0; ; tick++)
            {
                if (pending.Wait(100))
                {
                    var line = pending.Result;
                    if (line == null)
                    {
                        Fail(process, errors, "The simulator exited before it was ready");
                    }
                    if (line!.StartsWith(ReadyPrefix, StringComparison.Ordinal))
                    {
                        return line;
                    }
                    pending = process.StandardOutput.ReadLineAsync();
                    continue;
                }
                if (Cancellation.IsCancellationRequested)
                {
                    Kill(process);
                    throw new PipelineStoppedException();
                }
                if (DateTime.UtcNow > deadline)
                {
                    Fail(process, errors, $"The simulator was not ready within {TimeoutSeconds} s");
                }
                if (tick == 10)
                {
                    shown = true;
                }
                if (shown)
                {
                    WriteProgress(progress);
                }
            }
        }
        finally
        {
            if (shown)
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }
    }

    private void Fail(Process process, List<string> errors, string reason)
    {
        Kill(process);
        string tail;
        lock (errors)
        {
            // xensim's own complaints ("xensim: ...") come first, then the last lines (usage, traces).
            var own = errors.Where(e => e.StartsWith("xensim:", StringComparison.Ordinal)).Take(5);
            var last = errors.Skip(Math.Max(0, errors.Count - 20)).Where(e => !e.StartsWith("xensim:", StringComparison.Ordinal));
            tail = string.Join(Environment.NewLine, own.Concat(last));
        }
        var exitCode = process.HasExited ? " (exit code " + process.ExitCode + ")" : "";
        ThrowTerminatingError(new ErrorRecord(
            new InvalidOperationException($"{reason}{exitCode}.{(tail.Length > 0 ? " Its error output:" + Environment.NewLine + tail : "")}"),
            "XenHaSimulatorStartFailed", ErrorCategory.OpenError, null));
    }

    private static async System.Threading.Tasks.Task DrainAsync(StreamReader output)
    {
        try
        {
            while (await output.ReadLineAsync().ConfigureAwait(false) != null)
            {
            }
        }
        catch (IOException)
        {
            // The process went away.
        }
        catch (ObjectDisposedException)
        {
            // The process object was disposed.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    /// <summary>Parses "XENHA_SIM_READY url=... hosts=a,b pid=1 [thumbprint=...] [control=...] [token=...]".</summary>
    internal static Dictionary<string, string> ParseReadyLine(string line)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in line.Substring(ReadyPrefix.Length).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            if (equals > 0)
            {
                fields[part.Substring(0, equals)] = part.Substring(equals + 1);
            }
        }
        if (!fields.ContainsKey("url"))
        {
            throw new FormatException("The simulator's ready line has no url: " + line);
        }
        return fields;
    }

    /// <summary>The dotnet host running this process when it is dotnet, else dotnet from PATH.</summary>
    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host!;
        }
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root))
        {
            foreach (var name in new[] { "dotnet", "dotnet.exe" })
            {
                var candidate = Path.Combine(root!, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return "dotnet";
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '"', '\t' }) < 0
            ? argument
            : "\"" + argument.Replace("\"", "\\\"") + "\"";

    private static string RandomHex(int bytes)
    {
        var buffer = new byte[bytes];
        using (var rng = RandomNumberGenerator.Create())
        {
            rng.GetBytes(buffer);
        }
        return string.Concat(buffer.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    private static SecureString RandomPassword()
    {
        var bytes = new byte[18];
        using (var rng = RandomNumberGenerator.Create())
        {
            rng.GetBytes(bytes);
        }
        var password = new SecureString();
        foreach (var c in Convert.ToBase64String(bytes))
        {
            password.AppendChar(c);
        }
        password.MakeReadOnly();
        return password;
    }
}
