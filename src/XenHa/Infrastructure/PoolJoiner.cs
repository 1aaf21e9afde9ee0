using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Commands;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Pool assembly as XenCenter does it, shared by New-XenPool and Add-XenPoolMember: log into each
/// host, check what pool.join would refuse (before anything changes), then call Async.pool.join on
/// the JOINING host with the coordinator's address and credentials, wait for the task and for the
/// new member to be enabled and live on the coordinator.
/// </summary>
internal sealed class PoolJoiner : IDisposable
{
    private readonly XenCmdlet _cmdlet;
    private readonly PSCredential _credential;
    private readonly int _port;
    private readonly XenSessionOptions _options;
    private readonly List<XenSession> _sessions = new List<XenSession>();

    public PoolJoiner(XenCmdlet cmdlet, PSCredential credential, int port, bool skipCertificateCheck, int timeoutSeconds)
    {
        _cmdlet = cmdlet;
        _credential = credential;
        _port = port;
        _options = CertificateSettings.NewOptions(skipCertificateCheck, TimeSpan.FromSeconds(60));
        // A joiner legitimately becomes a member of another pool: its session must not go
        // looking for "its" coordinator afterwards (XenCenter simply drops that connection).
        _options.FailoverTimeout = TimeSpan.Zero;
        JoinTimeout = TimeSpan.FromSeconds(timeoutSeconds);
    }

    /// <summary>How long each join (task plus "enabled and live") may take.</summary>
    public TimeSpan JoinTimeout { get; }

    /// <summary>Problems found by the checks; nothing is changed while this is not empty.</summary>
    public List<ErrorRecord> Problems { get; } = new List<ErrorRecord>();

    public XenSessionOptions Options => _options;

    /// <summary>Logs in (a member redirects to its coordinator); null and a problem on failure.</summary>
    public XenSession? Login(string server)
    {
        var address = ConnectXenPoolCommand.WithPort(server.Trim(), _port);
        try
        {
            var session = _cmdlet.AwaitCall(XenSession.LoginAsync(address, _credential.UserName,
                _credential.GetNetworkCredential().Password, _options, _cmdlet.StopToken));
            _sessions.Add(session);
            return session;
        }
        catch (XenApiException e)
        {
            Problems.Add(ErrorRecords.From(e, server));
            return null;
        }
    }

    /// <summary>Reads what the checks need from a logged-in session.</summary>
    public PoolState Read(XenSession session, string server)
    {
        var pool = _cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Pool>(_cmdlet.StopToken)).Single();
        var hosts = _cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Host>(_cmdlet.StopToken));
        var redirected = !string.Equals(session.Uri.Host, HostPart(ConnectXenPoolCommand.WithPort(server.Trim(), _port)),
            StringComparison.OrdinalIgnoreCase);
        Api.Host? self;
        if (redirected)
        {
            var wanted = HostPart(ConnectXenPoolCommand.WithPort(server.Trim(), _port));
            self = hosts.FirstOrDefault(h => string.Equals(h.Address, wanted, StringComparison.OrdinalIgnoreCase)
                || string.Equals(h.Hostname, wanted, StringComparison.OrdinalIgnoreCase)
                || string.Equals(h.NameLabel, wanted, StringComparison.OrdinalIgnoreCase));
        }
        else
        {
            self = hosts.FirstOrDefault(h => h.OpaqueRef == pool.Master.OpaqueRef);
        }
        var coordinator = hosts.FirstOrDefault(h => h.OpaqueRef == pool.Master.OpaqueRef);
        return new PoolState(server, session, pool, hosts, self, coordinator, redirected);
    }

    /// <summary>
    /// The pre-join checks of xapi (reference §4.1) that a client can see, on a standalone host
    /// about to join <paramref name="target"/>. Adds a problem per failed check.
    /// </summary>
    public void CheckJoiner(PoolState joiner, PoolState target)
    {
        var name = joiner.Self?.NameLabel ?? joiner.Server;
        if (joiner.Pool.HaEnabled)
        {
            Problems.Add(Problem("HA_IS_ENABLED", ErrorCategory.InvalidOperation,
                $"High availability is enabled on {name}; disable it before the host joins a pool.", joiner.Server));
        }
        var session = joiner.Session;
        var running = _cmdlet.AwaitCall(session.GetAllRecordsWhereAsync<Api.Vm>(
            "field \"is_control_domain\"=\"false\" and field \"is_a_template\"=\"false\" and (field \"power_state\"=\"Running\" or field \"power_state\"=\"Paused\")",
            _cmdlet.StopToken));
        if (running.Count > 0)
        {
            Problems.Add(Problem("JOINING_HOST_CANNOT_HAVE_RUNNING_VMS", ErrorCategory.InvalidOperation,
                $"{name} has running VMs ({string.Join(", ", running.Select(v => v.NameLabel).OrderBy(n => n))}); shut them down before it joins a pool (halted VMs are not carried over).",
                joiner.Server));
        }
        var shared = _cmdlet.AwaitCall(session.GetAllRecordsWhereAsync<Api.Sr>("field \"shared\"=\"true\"", _cmdlet.StopToken))
            .Where(sr => !sr.IsToolsSr && sr.Type != "udev" && sr.PBDs.Count > 0).ToList();
        if (shared.Count > 0)
        {
            Problems.Add(Problem("JOINING_HOST_CANNOT_CONTAIN_SHARED_SRS", ErrorCategory.InvalidOperation,
                $"{name} has shared storage attached ({string.Join(", ", shared.Select(s => s.NameLabel))}); detach it (Remove-XenRepository -Forget) before the host joins a pool.",
                joiner.Server));
        }
        if (joiner.Self != null && target.Coordinator != null
            && (joiner.Self.APIVersionMajor != target.Coordinator.APIVersionMajor || joiner.Self.APIVersionMinor != target.Coordinator.APIVersionMinor))
        {
            var mine = joiner.Self.APIVersionMajor + "." + joiner.Self.APIVersionMinor;
            var theirs = target.Coordinator.APIVersionMajor + "." + target.Coordinator.APIVersionMinor;
            Problems.Add(Problem("POOL_JOINING_HOST_MUST_HAVE_SAME_API_VERSION", ErrorCategory.InvalidOperation,
                $"{name} has API version {mine} but the pool coordinator has {theirs}; update the hosts to the same version first.", joiner.Server));
        }
    }

    /// <summary>
    /// Async.pool.join on the joiner's session, waited for; then waits until the coordinator shows
    /// the host enabled and live. Throws on failure.
    /// </summary>
    public void Join(PoolState joiner, Connection coordinator, string coordinatorAddress, int index, int count)
    {
        var name = joiner.Self?.NameLabel ?? joiner.Server;
        var uuid = joiner.Self?.Uuid ?? "";
        var joinerConnection = new Connection(0, joiner.Session, joiner.Pool.NameLabel, name);
        var task = _cmdlet.AwaitCall(joiner.Session.CallAsync<XenRef<XenTask>>("Async.pool.join", _cmdlet.StopToken,
            coordinatorAddress, _credential.UserName, _credential.GetNetworkCredential().Password));
        try
        {
            new TaskWaiter(_cmdlet, joinerConnection)
            {
                Activity = $"Joining {name} to the pool ({index} of {count})",
                Timeout = JoinTimeout,
                CancelOnStop = false,
            }.Wait(task, "pool.join");
        }
        catch (XenApiException e) when (e.Method == "task.get_record"
            && (e.Code == "HOST_IS_SLAVE" || e.Code == "SESSION_INVALID" || e.Code == "HANDLE_INVALID" || e is XenConnectionException))
        {
            // xapi finishes the task and then restarts the joiner as a supporter; a poll that lands
            // after the restart sees the old session gone. The coordinator's view decides below.
            _cmdlet.WriteVerbose($"{name} restarted as a pool member before its join task could be read ({e.Code}).");
        }
        WaitUntilLive(coordinator, uuid, name);
    }

    private void WaitUntilLive(Connection coordinator, string uuid, string name)
    {
        var session = coordinator.Session;
        var deadline = DateTime.UtcNow + JoinTimeout;
        var progress = new ProgressRecord(4, $"Waiting for {name} to come up as a pool member", "Waiting for the host to be enabled and live");
        var shown = false;
        try
        {
            while (true)
            {
                var hosts = _cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Host>(_cmdlet.StopToken));
                var host = hosts.FirstOrDefault(h => string.Equals(h.Uuid, uuid, StringComparison.OrdinalIgnoreCase));
                if (host != null)
                {
                    var metrics = host.Metrics.IsNull ? null
                        : _cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.HostMetrics>(_cmdlet.StopToken))
                            .FirstOrDefault(m => m.OpaqueRef == host.Metrics.OpaqueRef);
                    if (host.Enabled && metrics != null && metrics.Live)
                    {
                        return;
                    }
                    progress.StatusDescription = host.Enabled ? "Enabled; waiting for it to be live" : "In the pool; waiting for it to be enabled";
                }
                _cmdlet.WriteProgress(progress);
                shown = true;
                if (DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException(
                        $"{name} did not become an enabled, live member of the pool within {JoinTimeout.TotalSeconds:0} s; check it with Get-XenHost.");
                }
                if (_cmdlet.StopToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250)))
                {
                    throw new PipelineStoppedException();
                }
            }
        }
        finally
        {
            if (shown && !_cmdlet.StopToken.IsCancellationRequested)
            {
                progress.RecordType = ProgressRecordType.Completed;
                _cmdlet.WriteProgress(progress);
            }
        }
    }

    /// <summary>After joins, clear the default SR when it is not shared (XenCenter's last "New Pool" step).</summary>
    /// <summary>Writes every problem found by the checks, then stops the cmdlet: nothing has been changed.</summary>
    public void StopWithProblems(string whatIsPrevented, object? target)
    {
        foreach (var problem in Problems)
        {
            _cmdlet.WriteError(problem);
        }
        _cmdlet.ThrowTerminatingError(Problem("XenHaPoolPreconditionFailed", ErrorCategory.InvalidOperation,
            $"{Problems.Count} problem(s) prevent {whatIsPrevented} (see the errors above). Nothing was changed.", target));
    }

    /// <summary>
    /// Joins the checked members one by one (ShouldProcess per member); the first failure stops the
    /// cmdlet. Returns the members that joined.
    /// </summary>
    public List<PoolState> JoinAll(IReadOnlyList<PoolState> pending, Connection coordinator, string coordinatorAddress,
        string poolName, string coordinatorName)
    {
        var joined = new List<PoolState>();
        for (var i = 0; i < pending.Count; i++)
        {
            var member = pending[i];
            var name = member.Self?.NameLabel ?? member.Server;
            if (!_cmdlet.ShouldProcess(name, $"Join pool '{poolName}' (coordinator {coordinatorName} at {coordinatorAddress})"))
            {
                continue;
            }
            try
            {
                Join(member, coordinator, coordinatorAddress, i + 1, pending.Count);
            }
            catch (Exception e) when (e is XenApiException || e is TimeoutException)
            {
                _cmdlet.ThrowTerminatingError(ErrorRecords.From(e, member.Server));
            }
            _cmdlet.WriteVerbose($"{name} joined pool '{poolName}'.");
            joined.Add(member);
        }
        return joined;
    }

    public void ClearUnsharedDefaultSr(Connection coordinator)
    {
        var session = coordinator.Session;
        var pool = _cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Pool>(_cmdlet.StopToken)).Single();
        if (pool.DefaultSR.IsNull)
        {
            return;
        }
        Api.Sr sr;
        try
        {
            sr = _cmdlet.AwaitCall(session.GetRecordAsync(pool.DefaultSR, _cmdlet.StopToken));
        }
        catch (XenApiException e) when (e.Code == "HANDLE_INVALID")
        {
            return;
        }
        if (sr.Shared)
        {
            return;
        }
        var poolRef = new XenRef<Api.Pool>(pool.OpaqueRef);
        _cmdlet.AwaitCall(session.CallAsync<object?>("pool.set_default_SR", _cmdlet.StopToken, poolRef, XenRef<Api.Sr>.Null));
        _cmdlet.AwaitCall(session.CallAsync<object?>("pool.set_suspend_image_SR", _cmdlet.StopToken, poolRef, XenRef<Api.Sr>.Null));
        _cmdlet.AwaitCall(session.CallAsync<object?>("pool.set_crash_dump_SR", _cmdlet.StopToken, poolRef, XenRef<Api.Sr>.Null));
        _cmdlet.WriteVerbose($"Cleared the default storage repository '{sr.NameLabel}': it is local to one host.");
    }

    /// <summary>The address other hosts reach the coordinator at: its management address.</summary>
    public static string AddressOf(PoolState coordinator) =>
        coordinator.Coordinator != null && coordinator.Coordinator.Address.Length > 0
            ? coordinator.Coordinator.Address
            : coordinator.Session.Uri.Host.Trim('[', ']');

    public static ErrorRecord Problem(string errorId, ErrorCategory category, string message, object? target) =>
        new ErrorRecord(new InvalidOperationException(message), errorId, category, target);

    private static string HostPart(string address) =>
        Uri.TryCreate(address.Contains("://") ? address : "https://" + address, UriKind.Absolute, out var uri)
            ? uri.Host.Trim('[', ']')
            : address;

    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }
        _sessions.Clear();
    }

    /// <summary>Forget a session without logging it out (it was handed to a Connection).</summary>
    public void Keep(XenSession session) => _sessions.Remove(session);
}

/// <summary>What one login saw: the pool it landed in and which host the given server is.</summary>
internal sealed class PoolState
{
    public PoolState(string server, XenSession session, Api.Pool pool, IReadOnlyList<Api.Host> hosts, Api.Host? self,
        Api.Host? coordinator, bool redirected)
    {
        Server = server;
        Session = session;
        Pool = pool;
        Hosts = hosts;
        Self = self;
        Coordinator = coordinator;
        Redirected = redirected;
    }

    public string Server { get; }
    public XenSession Session { get; }
    public Api.Pool Pool { get; }
    public IReadOnlyList<Api.Host> Hosts { get; }
    /// <summary>The host the server names (null if it could not be told apart after a redirect).</summary>
    public Api.Host? Self { get; }
    public Api.Host? Coordinator { get; }
    /// <summary>True when the login was redirected: the server is a supporter in some pool.</summary>
    public bool Redirected { get; }
    public bool IsStandalone => !Redirected && Hosts.Count == 1;
}
