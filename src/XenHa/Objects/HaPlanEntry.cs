using Api = XenHa.Client;

namespace XenHa;

/// <summary>Where one VM would restart if the given hosts failed (Test-XenHaPlan).</summary>
public sealed class HaPlanEntry
{
    public string VM { get; internal set; } = "";
    /// <summary>Restart, BestEffort or "" (not protected); on XenServer 5.x the raw priority ("1".."3").</summary>
    public string Priority { get; internal set; } = "";
    public long Order { get; internal set; }
    /// <summary>The host the VM runs on now, "" when it runs nowhere.</summary>
    public string CurrentHost { get; internal set; } = "";
    /// <summary>The host the planner would restart it on, "" when it could not.</summary>
    public string TargetHost { get; internal set; } = "";
    public bool Restartable { get; internal set; }
    /// <summary>Why the VM could not be restarted, "" when it could.</summary>
    public string Reason { get; internal set; } = "";
    /// <summary>The planner's error code (HOST_NOT_ENOUGH_FREE_MEMORY, HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED...), "" when restartable.</summary>
    public string ErrorCode { get; internal set; } = "";
    /// <summary>The largest number of host failures a plan exists for (pool-wide, the same on every entry).</summary>
    public long MaxHostFailuresToTolerate { get; internal set; }
    public string PoolName { get; internal set; } = "";
    /// <summary>The VM's UUID.</summary>
    public string Uuid { get; internal set; } = "";
    /// <summary>The VM's reference.</summary>
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;
    /// <summary>The raw VM record.</summary>
    public Api.Vm Record { get; internal set; } = null!;

    public override string ToString() => VM + " -> " + (Restartable ? TargetHost : "(none)");
}
