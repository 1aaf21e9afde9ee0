using System.Collections.Generic;
using Api = XenHa.Client;

namespace XenHa;

/// <summary>One pool member's liveness as HA sees it (Get-XenHa).</summary>
public sealed class HaHostLiveness
{
    public string Name { get; internal set; } = "";
    /// <summary>The coordinator's view of whether the host is up (host_metrics.live).</summary>
    public bool Live { get; internal set; }
    /// <summary>False when the host is disabled (maintenance): HA does not restart VMs on it.</summary>
    public bool Enabled { get; internal set; }
    public bool IsCoordinator { get; internal set; }

    public override string ToString() => Name + (Live ? " (live)" : " (not live)");
}

/// <summary>A pool's high-availability state as shown by Get-XenHa (and returned by Enable-XenHa).</summary>
public sealed class HaStatus
{
    public string PoolName { get; internal set; } = "";
    public bool Enabled { get; internal set; }
    /// <summary>Name of the SR holding the heartbeat statefile, "" when HA is off.</summary>
    public string HeartbeatRepository { get; internal set; } = "";
    /// <summary>The HA timeout in seconds (ha_configuration "timeout", else the pool default, else 60); 0 when HA is off.</summary>
    public int TimeoutSeconds { get; internal set; }
    /// <summary>The configured number of host failures to tolerate (pool.ha_host_failures_to_tolerate).</summary>
    public long HostFailuresToTolerate { get; internal set; }
    /// <summary>The largest number of host failures a restart plan exists for, with the VMs protected now.</summary>
    public long MaxHostFailuresToTolerate { get; internal set; }
    /// <summary>pool.ha_plan_exists_for: the number of failures the current plan covers (meaningful with HA on).</summary>
    public long PlanExistsFor { get; internal set; }
    /// <summary>True when no restart plan exists for the configured number of failures.</summary>
    public bool Overcommitted { get; internal set; }
    /// <summary>pool.ha_allow_overcommit: true turns off xapi's refusal of operations that break the plan.</summary>
    public bool AllowOvercommit { get; internal set; }
    /// <summary>VMs with restart priority "restart" (or a numeric priority with ha_always_run on XenServer 5.x).</summary>
    public int ProtectedCount { get; internal set; }
    public int BestEffortCount { get; internal set; }
    public int UnprotectedCount { get; internal set; }
    /// <summary>Names of the protected VMs.</summary>
    public IReadOnlyList<string> ProtectedVMs { get; internal set; } = new string[0];
    public IReadOnlyList<HaHostLiveness> Hosts { get; internal set; } = new HaHostLiveness[0];
    /// <summary>Human-readable findings where the pool differs from what HA needs (empty when all is well).</summary>
    public IReadOnlyList<string> Drift { get; internal set; } = new string[0];
    /// <summary>The pool's UUID.</summary>
    public string Uuid { get; internal set; } = "";
    /// <summary>The pool's reference.</summary>
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;
    /// <summary>The raw pool record.</summary>
    public Api.Pool Record { get; internal set; } = null!;

    public override string ToString() => PoolName + (Enabled ? " (HA on)" : " (HA off)");
}
