using Api = XenHa.Client;

namespace XenHa;

/// <summary>What Repair-XenPool did with one VM of a dead host.</summary>
public enum RecoveryOutcome
{
    /// <summary>The VM runs again on a surviving host.</summary>
    Restarted,
    /// <summary>The VM was reset to Halted but could not be started (see Reason).</summary>
    Failed,
    /// <summary>The VM was reset to Halted and deliberately left so (not protected, without -IncludeUnprotected).</summary>
    Skipped,
}

/// <summary>One VM's outcome from Repair-XenPool.</summary>
public sealed class RecoveryResult
{
    public string VM { get; internal set; } = "";
    /// <summary>The dead host the VM was stuck on.</summary>
    public string FromHost { get; internal set; } = "";
    /// <summary>The host it runs on now, "" when it was not restarted.</summary>
    public string ToHost { get; internal set; } = "";
    public RecoveryOutcome Outcome { get; internal set; }
    public string Reason { get; internal set; } = "";
    /// <summary>The XenAPI error code or XenHa error id of a failure, "" otherwise.</summary>
    public string ErrorId { get; internal set; } = "";
    /// <summary>Restart, BestEffort or "" (the VM's HA restart priority).</summary>
    public string Priority { get; internal set; } = "";
    public long Order { get; internal set; }
    public string PoolName { get; internal set; } = "";
    /// <summary>The VM's UUID.</summary>
    public string Uuid { get; internal set; } = "";
    /// <summary>The VM's reference.</summary>
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;

    public override string ToString() => VM + ": " + Outcome;
}
