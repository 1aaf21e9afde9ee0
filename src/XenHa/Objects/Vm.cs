using Api = XenHa.Client;

namespace XenHa;

/// <summary>How far the guest tools are installed, in XenCenter's terms.</summary>
public enum ToolsStatus
{
    /// <summary>Not running, so the guest agent cannot report.</summary>
    Unknown,
    NotInstalled,
    /// <summary>I/O drivers without the management agent (Windows guests).</summary>
    Partial,
    OutOfDate,
    Optimized,
}

/// <summary>A VM (or template / control domain when asked for) as shown by Get-XenVM.</summary>
public sealed class Vm
{
    public string Name { get; internal set; } = "";
    public Api.VmPowerState PowerState { get; internal set; }
    /// <summary>Name of the host the VM runs on, "" when it runs nowhere.</summary>
    public string Host { get; internal set; } = "";
    public double MemoryGB { get; internal set; }
    public long CpuCount { get; internal set; }
    public ToolsStatus ToolsStatus { get; internal set; }
    /// <summary>PV drivers version reported by the guest ("8.4.0.1"), "" when none.</summary>
    public string ToolsVersion { get; internal set; } = "";
    public string IPAddress { get; internal set; } = "";
    /// <summary>Home server name, "" when the VM has none.</summary>
    public string Affinity { get; internal set; } = "";
    public string HaRestartPriority { get; internal set; } = "";
    public bool IsTemplate { get; internal set; }
    public bool IsControlDomain { get; internal set; }
    public string Description { get; internal set; } = "";
    public string PoolName { get; internal set; } = "";
    public string Uuid { get; internal set; } = "";
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;
    /// <summary>The raw XenAPI record.</summary>
    public Api.Vm Record { get; internal set; } = null!;

    public override string ToString() => Name;
}
