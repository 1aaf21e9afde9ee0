using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Handlers;

namespace XenHa.Simulator;

/// <summary>The xensim command line.</summary>
internal static class Program
{
    private const string Usage = """
usage: xensim [options]
  --hosts N            number of hosts xennode01..xennodeNN (default 3)
  --port P             port shared by every host endpoint (default 0 = any free port)
  --bind-base IP       address of xennode01; host k binds IP + k - 1 (default 127.0.0.1)
  --user U             login user (default root)
  --password P         login password (default: $XENHA_SIM_PASSWORD, else xenroot)
  --user-role NAME:ROLE
                       another XenAPI user with an RBAC role (repeatable): pool-admin, pool-operator,
                       vm-power-admin, vm-admin, vm-operator or read-only; its password is read from
                       $XENHA_SIM_PASSWORD_<NAME> (NAME upper-cased, other characters than A-Z0-9 as _)
  --tls                serve HTTPS with a self-signed certificate
  --preset NAME        none | pooled | pooled-with-vms (default none: standalone hosts)
  --vms N              guest VMs in the pooled-with-vms preset, spread evenly over the hosts
                       (default 2 per host; e.g. --hosts 64 --preset pooled-with-vms --vms 10000 for scale tests)
  --api-version V      1.7 | 2.15 | 2.21 (default 2.21)
  --memory-gb N        memory per host in GiB (default 256)
  --cpus N             CPUs per host (default 16)
  --disk-content-mb N  MiB of deterministic data at the start of each simulated disk, carried by
                       VM exports (/export, /import); the rest of a disk reads as zeros (default 4)
  --speed F            simulated clock speed factor (default 1)
  --nfs SERVER:/PATH[,SIZE-GB]
                       an NFS export (repeatable; replaces the default exports; default size 2048)
  --iscsi ADDR[:PORT],IQN,SIZE-GB[+SIZE-GB...][,CHAPUSER:CHAPPASSWORD]
                       an iSCSI target with one LUN per size (repeatable; replaces the default target)
  --cifs //SERVER/SHARE[,USER:PASSWORD]
                       an SMB share for ISO libraries (repeatable; replaces the default share)
  --no-default-storage seed no storage except what --nfs/--iscsi/--cifs give
  --free-edition       unlicensed hosts: pools limited to 3 hosts (LICENCE_RESTRICTION on join and enable_ha)
  --liveness-timeout S without HA, a silent host is marked not live after S simulated seconds (default 600)
  --manual-clock       simulated time only moves with POST /clock/advance on the control plane
  --faults FILE        JSON array of fault rules installed at start (same shape as POST /faults)
  --state FILE         keep the inventory in FILE: every change (records, storage back-ends, HA, pool) is
                       written (temp file, fsync, rename) before it is answered; started again with an
                       existing FILE, the farm is restored instead of built (same hosts, names, uuids and
                       bind base; give the same --port to get the same URLs). Sessions and tasks are not
                       kept (as in xapi), nor host power and fault rules; the file is readable by its owner only
Control plane: http://127.0.0.1:<port>/ (never a XenAPI endpoint), header "Authorization: Bearer <token>";
  token from $XENHA_SIM_CONTROL_TOKEN, else generated and printed on the ready line.
  GET /state; POST /hosts/{name}/power-off|power-on|storage-loss|storage-restore; POST /partition {"hosts":[..]};
  POST /heal; GET|POST /faults, DELETE /faults/{id}; POST /clock/advance {"seconds":N} (manual clock only)
Default storage (addresses from 192.0.2.0/24, never contacted; nas01, san01, fs01 resolve to them):
  NFS   nas01 = 192.0.2.10: /export/xen 2 TiB, /export/iso 500 GiB (ISO files), /export/empty 100 GiB
  iSCSI san01 = 192.0.2.20:3260 iqn.2026-11.local.lab:storage.target01, LUN 0 500 GiB, 1 1 TiB, 2 100 GiB, no CHAP
  SMB   fs01 = 192.0.2.30: //192.0.2.30/isos user isouser password isopass (ISO files)
  --parent-pid PID     exit when that process ends (so a crashed test run leaves no simulator)
  --list-methods       print the implemented XenAPI methods and exit
  --help               this text
Prints one line to stdout when ready:
  XENHA_SIM_READY url=<coordinator url> hosts=<url1>,<url2>,... pid=<pid>[ thumbprint=<sha256 hex>] control=http://127.0.0.1:<port>/[ token=<hex>]
""";

    public static async Task<int> Main(string[] args)
    {
        SimulatorOptions options;
        bool listMethods;
        try
        {
            (options, listMethods) = Parse(args);
        }
        catch (HelpRequested)
        {
            Console.Out.Write(Usage);
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine("xensim: " + e.Message);
            Console.Error.Write(Usage);
            return 2;
        }

        if (listMethods)
        {
            var table = MethodTable.Build();
            foreach (var n in table.Names) Console.Out.WriteLine(n);
            Console.Out.WriteLine("system.isAlive");
            Console.Out.WriteLine("system.listMethods");
            return 0;
        }

        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            stop.Cancel();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigquit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);

        SimulatorHost host;
        try
        {
            host = await SimulatorHost.StartAsync(options, stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
        {
            Console.Error.WriteLine("xensim: " + e.Message);
            return 1;
        }

        await using (host.ConfigureAwait(false))
        {
            var line = $"XENHA_SIM_READY url={host.CoordinatorUrl} hosts={string.Join(",", host.HostUrls)} pid={Environment.ProcessId}"
                       + (host.Thumbprint is null ? "" : " thumbprint=" + host.Thumbprint)
                       + " control=" + host.ControlUrl
                       + (host.ControlTokenGenerated ? " token=" + host.ControlToken : "");
            Console.Out.WriteLine(line);
            Console.Out.Flush();
            if (options.ParentPid > 0)
            {
                _ = WatchParentAsync(options.ParentPid, stop);
            }
            Console.Error.WriteLine($"xensim: {options.Farm.Hosts} host(s), preset {options.Farm.Preset}, API {options.Farm.ApiVersion}, user {options.Farm.User}");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            Console.Error.WriteLine("xensim: stopping");
        }

        return 0;
    }

    /// <summary>Stops the simulator when the process that started it is gone.</summary>
    private static async Task WatchParentAsync(int parentPid, CancellationTokenSource stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var parent = System.Diagnostics.Process.GetProcessById(parentPid);
                if (parent.HasExited)
                {
                    break;
                }
            }
            catch (ArgumentException)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        Console.Error.WriteLine($"xensim: parent process {parentPid} is gone");
        stop.Cancel();
    }

    private sealed class HelpRequested : Exception
    {
    }

    /// <summary>The environment variable holding the password of --user-role NAME.</summary>
    internal static string PasswordVariable(string name) =>
        "XENHA_SIM_PASSWORD_" + new string(name.ToUpperInvariant().Select(c => c is >= 'A' and <= 'Z' or >= '0' and <= '9' ? c : '_').ToArray());

    /// <summary>NAME:ROLE, the password from the environment (never the command line).</summary>
    private static SimUser ParseUserRole(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1) throw new ArgumentException("--user-role needs NAME:ROLE, e.g. auditor:read-only");
        var name = value.Substring(0, colon);
        var role = Handlers.Rbac.Normalize(value.Substring(colon + 1))
                   ?? throw new ArgumentException($"--user-role {value}: unknown role (roles: {string.Join(", ", Handlers.Rbac.Roles)})");
        var variable = PasswordVariable(name);
        var password = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(password)) throw new ArgumentException($"--user-role {value}: set the password in ${variable}");
        return new SimUser(name, password, role);
    }

    internal static (SimulatorOptions Options, bool ListMethods) Parse(string[] args)
    {
        var o = new SimulatorOptions();
        // A password in the environment keeps it off the command line other users can read.
        var fromEnvironment = Environment.GetEnvironmentVariable("XENHA_SIM_PASSWORD");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            o.Farm.Password = fromEnvironment;
        }
        var token = Environment.GetEnvironmentVariable("XENHA_SIM_CONTROL_TOKEN");
        if (!string.IsNullOrEmpty(token)) o.ControlToken = token;
        var list = false;
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            switch (a)
            {
                case "--hosts": o.Farm.Hosts = NextInt(); break;
                case "--port":
                    o.Port = NextInt();
                    if (o.Port is < 0 or > 65535) throw new ArgumentException("--port must be 0..65535");
                    break;
                case "--bind-base":
                    o.BindBase = Next();
                    if (!System.Net.IPAddress.TryParse(o.BindBase, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
                        throw new ArgumentException("--bind-base must be an IPv4 address");
                    break;
                case "--user": o.Farm.User = Next(); break;
                case "--password": o.Farm.Password = Next(); break;
                case "--user-role": o.Farm.Users.Add(ParseUserRole(Next())); break;
                case "--tls": o.Tls = true; break;
                case "--preset": o.Farm.Preset = Next(); break;
                case "--api-version": o.Farm.ApiVersion = Next(); break;
                case "--vms": o.Farm.Vms = NextInt(); break;
                case "--memory-gb": o.Farm.MemoryGb = NextInt(); break;
                case "--cpus": o.Farm.Cpus = NextInt(); break;
                case "--disk-content-mb": o.Farm.DiskContentMb = NextInt(); break;
                case "--speed":
                    o.Speed = double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture);
                    if (!(o.Speed > 0)) throw new ArgumentException("--speed must be > 0");
                    break;
                case "--parent-pid": o.ParentPid = NextInt(); break;
                case "--nfs": o.Farm.Nfs.Add(Next()); break;
                case "--iscsi": o.Farm.Iscsi.Add(Next()); break;
                case "--cifs": o.Farm.Cifs.Add(Next()); break;
                case "--no-default-storage": o.Farm.NoDefaultStorage = true; break;
                case "--free-edition": o.Farm.FreeEdition = true; break;
                case "--liveness-timeout":
                    o.Farm.LivenessTimeoutSeconds = double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture);
                    break;
                case "--manual-clock": o.Clock = new Tasks.ManualClock(DateTime.UtcNow); break;
                case "--faults":
                {
                    var file = Next();
                    try
                    {
                        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
                        if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Array) throw new ArgumentException("the file must hold a JSON array");
                        foreach (var e in doc.RootElement.EnumerateArray()) o.Faults.Add(Faults.ControlPlane.ParseRule(e));
                    }
                    catch (Exception e)
                    {
                        throw new ArgumentException("--faults " + file + ": " + e.Message);
                    }

                    break;
                }
                case "--state": o.StatePath = Next(); break;
                case "--list-methods": list = true; break;
                case "--help":
                case "-h": throw new HelpRequested();
                default: throw new ArgumentException("unknown option " + a);
            }
        }

        o.Farm.Validate();
        return (o, list);
    }
}
