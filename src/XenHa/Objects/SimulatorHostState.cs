using System;

namespace XenHa;

/// <summary>One simulated host as the simulator sees it (not as XenAPI reports it): power, liveness, faults.</summary>
public sealed class SimulatorHostState
{
    /// <summary>The host's name (xennode01...).</summary>
    public string Name { get; internal set; } = "";

    /// <summary>The host's management address.</summary>
    public string Address { get; internal set; } = "";

    /// <summary>On or Off (the simulated power switch).</summary>
    public string Power { get; internal set; } = "";

    /// <summary>Whether the host is in the pool's liveset (host_metrics.live).</summary>
    public bool Live { get; internal set; }

    /// <summary>True for the pool coordinator.</summary>
    public bool IsCoordinator { get; internal set; }

    /// <summary>True while the host is cut off from the others by a partition.</summary>
    public bool Isolated { get; internal set; }

    /// <summary>The storage repositories the host has lost access to.</summary>
    public string[] StorageLost { get; internal set; } = Array.Empty<string>();

    /// <summary>Whether HA is enabled on the simulated pool.</summary>
    public bool HaEnabled { get; internal set; }

    /// <summary>The simulator clock when the state was read, as the simulator reports it.</summary>
    public string Clock { get; internal set; } = "";

    /// <summary>The simulator the host belongs to.</summary>
    public SimulatorInstance Simulator { get; internal set; } = null!;

    public override string ToString() => Name;
}
