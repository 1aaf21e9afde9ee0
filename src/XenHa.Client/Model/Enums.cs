namespace XenHa.Client;

/// <summary>VM.power_state (wire: Halted, Paused, Running, Suspended). Unknown text decodes as <see cref="Unknown"/>.</summary>
public enum VmPowerState
{
    Halted,
    Paused,
    Running,
    Suspended,
    Unknown,
}

/// <summary>task.status (wire: pending, success, failure, cancelling, cancelled). Unknown text decodes as <see cref="Unknown"/>.</summary>
public enum XenTaskStatus
{
    Pending,
    Success,
    Failure,
    Cancelling,
    Cancelled,
    Unknown,
}
