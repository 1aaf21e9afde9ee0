using Api = XenHa.Client;

namespace XenHa;

/// <summary>A pool member as shown by Get-XenHost.</summary>
public sealed class Host
{
    public string Name { get; internal set; } = "";
    /// <summary>Management address.</summary>
    public string Address { get; internal set; } = "";
    /// <summary>True when the host accepts VMs (false in maintenance).</summary>
    public bool Enabled { get; internal set; }
    /// <summary>The coordinator's view of whether the host is up.</summary>
    public bool Live { get; internal set; }
    public bool IsCoordinator { get; internal set; }
    /// <summary>True when other_config MAINTENANCE_MODE is "true", as XenCenter marks it.</summary>
    public bool InMaintenance { get; internal set; }
    public double MemoryTotalGB { get; internal set; }
    public double MemoryFreeGB { get; internal set; }
    public int CpuCount { get; internal set; }
    /// <summary>Guest VMs resident on the host (control domain excluded).</summary>
    public int VMCount { get; internal set; }
    public string ProductVersion { get; internal set; } = "";
    public string ApiVersion { get; internal set; } = "";
    public string PoolName { get; internal set; } = "";
    public string Uuid { get; internal set; } = "";
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;
    /// <summary>The raw XenAPI record.</summary>
    public Api.Host Record { get; internal set; } = null!;

    public override string ToString() => Name;
}
