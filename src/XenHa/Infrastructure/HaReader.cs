using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>How HA treats a VM (reference §8.2).</summary>
internal enum HaClass
{
    Unprotected,
    BestEffort,
    Protected,
}

/// <summary>
/// Restart priorities across versions: XenServer 6.0 (API 1.9) and later use "restart",
/// "best-effort" and ""; XenServer 5.x (API 1.3-1.8) protects with ha_always_run and the numeric
/// priorities "0".."3" (restart order, lowest first).
/// </summary>
internal static class HaPriority
{
    public const string Restart = "restart";
    public const string BestEffort = "best-effort";

    /// <summary>True for pools older than XenServer 6.0 (API &lt; 1.9): numeric priorities and ha_always_run.</summary>
    public static bool IsLegacy(Connection connection) =>
        connection.Session.APIVersionMajor < 1 || (connection.Session.APIVersionMajor == 1 && connection.Session.APIVersionMinor < 9);

    /// <summary>True where host.declare_dead exists (XenServer 6.2, API 2.0).</summary>
    public static bool HasDeclareDead(Connection connection) => connection.Session.APIVersionMajor >= 2;

    public static HaClass Classify(Api.Vm vm, bool legacy)
    {
        var priority = vm.HaRestartPriority ?? "";
        if (priority == BestEffort)
        {
            return HaClass.BestEffort;
        }
        if (legacy)
        {
            return vm.HaAlwaysRun && priority.Length > 0 ? HaClass.Protected : HaClass.Unprotected;
        }
        return priority == Restart ? HaClass.Protected : HaClass.Unprotected;
    }

    /// <summary>Restart, BestEffort or "" for display.</summary>
    public static string Display(Api.Vm vm, bool legacy)
    {
        switch (Classify(vm, legacy))
        {
            case HaClass.Protected: return "Restart";
            case HaClass.BestEffort: return "BestEffort";
            default: return "";
        }
    }

    /// <summary>The restart order: VM.order (negative = last), or the numeric priority on 5.x pools.</summary>
    public static long OrderOf(Api.Vm vm, bool legacy)
    {
        if (legacy)
        {
            return long.TryParse(vm.HaRestartPriority, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
        }
        return vm.Order < 0 ? long.MaxValue : vm.Order;
    }

    /// <summary>The 5.x numeric priority for a restart order: "1".."3" ("0" from 5.6 FP1, API 1.8).</summary>
    public static string LegacyPriority(Connection connection, int? order)
    {
        var lowest = connection.Session.APIVersionMajor == 1 && connection.Session.APIVersionMinor >= 8 ? 0 : 1;
        var value = Math.Max(lowest, Math.Min(3, order ?? 1));
        return value.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Reads what the HA cmdlets need, one get_all_records per class: the pool, hosts with their
/// liveness, guest VMs; and asks xapi's own checks (VM.assert_agile, the planner calls).
/// </summary>
internal sealed class HaSnapshot
{
    private HaSnapshot(Connection connection) => Connection = connection;

    public Connection Connection { get; }
    public Api.Pool Pool { get; private set; } = null!;
    public IReadOnlyList<Api.Host> Hosts { get; private set; } = Array.Empty<Api.Host>();
    public Dictionary<string, bool> LiveByHost { get; } = new Dictionary<string, bool>(StringComparer.Ordinal);
    /// <summary>Guest VMs: no templates, snapshots or control domains.</summary>
    public IReadOnlyList<Api.Vm> Vms { get; private set; } = Array.Empty<Api.Vm>();
    public bool Legacy { get; private set; }
    public RefNames Names { get; } = new RefNames();

    public static HaSnapshot Read(XenCmdlet cmdlet, Connection connection)
    {
        var ct = cmdlet.StopToken;
        var session = connection.Session;
        var snapshot = new HaSnapshot(connection) { Legacy = HaPriority.IsLegacy(connection) };
        var pools = cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Pool>(ct));
        if (pools.Count != 1)
        {
            throw new XenProtocolException($"Expected exactly one pool object, the server returned {pools.Count}.");
        }
        snapshot.Pool = pools[0];
        snapshot.Hosts = cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Host>(ct)).OrderBy(h => h.NameLabel, StringComparer.OrdinalIgnoreCase).ToList();
        var metrics = cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.HostMetrics>(ct)).ToDictionary(m => m.OpaqueRef);
        foreach (var host in snapshot.Hosts)
        {
            snapshot.LiveByHost[host.OpaqueRef] = metrics.TryGetValue(host.Metrics.OpaqueRef, out var m) && m.Live;
        }
        snapshot.Vms = cmdlet.AwaitCall(session.GetAllRecordsWhereAsync<Api.Vm>(
                "field \"is_a_template\"=\"false\" and field \"is_control_domain\"=\"false\" and field \"is_a_snapshot\"=\"false\"", ct))
            .OrderBy(v => v.NameLabel, StringComparer.OrdinalIgnoreCase).ToList();
        snapshot.Names.AddAll(snapshot.Hosts, h => h.NameLabel);
        snapshot.Names.AddAll(snapshot.Vms, v => v.NameLabel);
        snapshot.Names.AddAll(cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Sr>(ct)), s => s.NameLabel);
        snapshot.Names.AddAll(cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Network>(ct)), n => n.NameLabel);
        if (connection.PoolName.Length == 0 && snapshot.Pool.NameLabel.Length > 0)
        {
            connection.PoolName = snapshot.Pool.NameLabel;
        }
        return snapshot;
    }

    public bool IsLive(string hostRef) => LiveByHost.TryGetValue(hostRef, out var live) && live;

    public string HostName(string hostRef) => Hosts.FirstOrDefault(h => h.OpaqueRef == hostRef)?.NameLabel ?? "";

    public HaClass Classify(Api.Vm vm) => HaPriority.Classify(vm, Legacy);

    public IEnumerable<Api.Vm> Protected => Vms.Where(v => Classify(v) == HaClass.Protected);

    /// <summary>VM.assert_agile: null when the VM can be protected, else xapi's refusal.</summary>
    public XenApiException? AgilityProblem(XenCmdlet cmdlet, string vmRef)
    {
        try
        {
            cmdlet.AwaitCall(Connection.Session.CallAsync<object?>("VM.assert_agile", cmdlet.StopToken, new XenRef<Api.Vm>(vmRef)));
            return null;
        }
        catch (XenApiException e)
        {
            return e;
        }
    }

    /// <summary>A XenAPI error code and parameters as a sentence that names objects instead of references.</summary>
    public string Explain(string code, IReadOnlyList<string> parameters) =>
        Names.Rename(XenApiException.FriendlyMessage(code, parameters));

    public string Explain(XenApiException e) => Explain(e.Code, e.Parameters);

    /// <summary>pool.ha_compute_max_host_failures_to_tolerate (with HA on it also refreshes ha_plan_exists_for / ha_overcommitted).</summary>
    public long ComputeMax(XenCmdlet cmdlet) =>
        cmdlet.AwaitCall(Connection.Session.CallAsync<long>("pool.ha_compute_max_host_failures_to_tolerate", cmdlet.StopToken));

    /// <summary>pool.ha_compute_hypothetical_max_host_failures_to_tolerate for the given protected VMs.</summary>
    public long ComputeHypotheticalMax(XenCmdlet cmdlet, IEnumerable<Api.Vm> protectedVms)
    {
        var configuration = protectedVms.ToDictionary(v => v.OpaqueRef, v => Legacy ? v.HaRestartPriority : HaPriority.Restart, StringComparer.Ordinal);
        return cmdlet.AwaitCall(Connection.Session.CallAsync<long>(
            "pool.ha_compute_hypothetical_max_host_failures_to_tolerate", cmdlet.StopToken, configuration));
    }

    /// <summary>The SR names of the pool's HA statefiles (usually one), "" when none.</summary>
    public string HeartbeatRepositoryName(XenCmdlet cmdlet)
    {
        var names = new List<string>();
        foreach (var statefile in Pool.HaStatefiles.Where(s => s.StartsWith("OpaqueRef:", StringComparison.Ordinal)))
        {
            try
            {
                var vdi = cmdlet.AwaitCall(Connection.Session.GetRecordAsync(new XenRef<Api.Vdi>(statefile), cmdlet.StopToken));
                var name = Names.Name(vdi.SR.OpaqueRef);
                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }
            catch (XenApiException e) when (e.Code == "HANDLE_INVALID")
            {
                // A statefile VDI that is gone: nothing to name.
            }
        }
        return string.Join(", ", names);
    }

    /// <summary>The effective HA timeout: ha_configuration "timeout", else pool other_config default_ha_timeout, else 60.</summary>
    public int TimeoutSeconds()
    {
        foreach (var value in new[] { Get(Pool.HaConfiguration, "timeout"), Get(Pool.OtherConfig, "default_ha_timeout") })
        {
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                return seconds;
            }
        }
        return 60;
    }

    private static string? Get(Dictionary<string, string> map, string key) => map.TryGetValue(key, out var v) ? v : null;

    /// <summary>Get-XenHa's object: state, computed capacity, counts, liveness and drift findings.</summary>
    public HaStatus ToStatus(XenCmdlet cmdlet)
    {
        var max = ComputeMax(cmdlet);
        if (Pool.HaEnabled)
        {
            // The compute call refreshed ha_plan_exists_for / ha_overcommitted; show the fresh values.
            Pool = cmdlet.AwaitCall(Connection.Session.GetRecordAsync(new XenRef<Api.Pool>(Pool.OpaqueRef), cmdlet.StopToken));
        }
        var protectedVms = Protected.ToList();
        var drift = new List<string>();
        if (!Pool.HaEnabled && protectedVms.Count > 0)
        {
            drift.Add($"HA is off, but {protectedVms.Count} VM(s) are marked for restart ({string.Join(", ", protectedVms.Select(v => v.NameLabel))}); nothing restarts them if their host fails.");
        }
        foreach (var vm in protectedVms)
        {
            var problem = AgilityProblem(cmdlet, vm.OpaqueRef);
            if (problem != null)
            {
                drift.Add($"The protected VM '{vm.NameLabel}' is not agile, so HA cannot restart it on another host: {Explain(problem)}.");
            }
        }
        if (Pool.HaHostFailuresToTolerate > max)
        {
            drift.Add($"The pool is set to tolerate {Pool.HaHostFailuresToTolerate} host failure(s), but a restart plan exists only for {max}.");
        }
        if (Pool.HaEnabled && Pool.HaOvercommitted)
        {
            drift.Add($"The pool is overcommitted: if {Pool.HaHostFailuresToTolerate} host(s) failed, the survivors could not restart every protected VM (a plan exists for {Pool.HaPlanExistsFor}).");
        }
        if (Pool.HaEnabled && Pool.HaHostFailuresToTolerate == 0 && protectedVms.Count > 0)
        {
            drift.Add("HA is on but tolerates 0 host failures: protected VMs are restarted only if capacity happens to allow it.");
        }
        foreach (var host in Hosts.Where(h => !IsLive(h.OpaqueRef)))
        {
            drift.Add($"The host '{host.NameLabel}' is not live.");
        }
        var counts = Vms.GroupBy(Classify).ToDictionary(g => g.Key, g => g.Count());
        return new HaStatus
        {
            PoolName = Pool.NameLabel,
            Enabled = Pool.HaEnabled,
            HeartbeatRepository = Pool.HaEnabled ? HeartbeatRepositoryName(cmdlet) : "",
            TimeoutSeconds = Pool.HaEnabled ? TimeoutSeconds() : 0,
            HostFailuresToTolerate = Pool.HaHostFailuresToTolerate,
            MaxHostFailuresToTolerate = max,
            PlanExistsFor = Pool.HaPlanExistsFor,
            Overcommitted = Pool.HaEnabled && Pool.HaOvercommitted,
            AllowOvercommit = Pool.HaAllowOvercommit,
            ProtectedCount = counts.TryGetValue(HaClass.Protected, out var p) ? p : 0,
            BestEffortCount = counts.TryGetValue(HaClass.BestEffort, out var b) ? b : 0,
            UnprotectedCount = counts.TryGetValue(HaClass.Unprotected, out var u) ? u : 0,
            ProtectedVMs = protectedVms.Select(v => v.NameLabel).ToList(),
            Hosts = Hosts.Select(h => new HaHostLiveness
            {
                Name = h.NameLabel,
                Live = IsLive(h.OpaqueRef),
                Enabled = h.Enabled,
                IsCoordinator = h.OpaqueRef == Pool.Master.OpaqueRef,
            }).ToList(),
            Drift = drift,
            Uuid = Pool.Uuid,
            OpaqueRef = Pool.OpaqueRef,
            Connection = Connection,
            Record = Pool,
        };
    }
}
