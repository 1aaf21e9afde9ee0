using System;

namespace XenHa;

/// <summary>What a simulator fault does.</summary>
public enum SimulatorFaultKind
{
    /// <summary>Hosts cut off from the rest of the pool (heartbeat and management network).</summary>
    Partition,

    /// <summary>A host lost access to storage (one repository, or every shared one).</summary>
    StorageLoss,

    /// <summary>XenAPI calls matching a method pattern fail, are delayed or have their connection dropped.</summary>
    Call,
}

/// <summary>A fault injected into a simulator by Add-XenSimulatorFault.</summary>
public sealed class SimulatorFault
{
    /// <summary>The fault's id: the simulator's id for call faults (f1...), partition, or storage-loss:&lt;host&gt;[:&lt;repository&gt;].</summary>
    public string Id { get; internal set; } = "";

    public SimulatorFaultKind Kind { get; internal set; }

    /// <summary>The hosts affected (partition, storage loss); empty for call faults.</summary>
    public string[] HostName { get; internal set; } = Array.Empty<string>();

    /// <summary>The repository lost (storage loss; "" for every shared repository).</summary>
    public string Repository { get; internal set; } = "";

    /// <summary>The method pattern of a call fault (e.g. VM.* or VM.start).</summary>
    public string Method { get; internal set; } = "";

    /// <summary>A call fault hits only calls with this object among their arguments (a name, UUID or reference); "" for every call.</summary>
    public string Target { get; internal set; } = "";

    /// <summary>How many calls a call fault has hit so far.</summary>
    public long Fired { get; internal set; }

    /// <summary>The XenAPI error a call fault returns: the code followed by its parameters; empty when it only delays or drops.</summary>
    public string[] Error { get; internal set; } = Array.Empty<string>();

    /// <summary>Delay added before the call is answered, in milliseconds.</summary>
    public int DelayMilliseconds { get; internal set; }

    /// <summary>The probability a matching call is hit, 0 to 1.</summary>
    public double Probability { get; internal set; } = 1.0;

    /// <summary>How many matching calls are hit before the fault retires itself; 0 for no limit.</summary>
    public int Count { get; internal set; }

    /// <summary>True when the connection is closed without an answer.</summary>
    public bool DropConnection { get; internal set; }

    /// <summary>The simulator the fault belongs to.</summary>
    public SimulatorInstance Simulator { get; internal set; } = null!;

    public override string ToString() => Id;
}
