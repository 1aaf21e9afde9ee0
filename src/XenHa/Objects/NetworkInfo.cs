using System.Collections.Generic;
using Api = XenHa.Client;

namespace XenHa;

/// <summary>A virtual network as shown by Get-XenNetwork (named NetworkInfo so it does not hide the XenAPI record type XenHa.Client.Network).</summary>
public sealed class NetworkInfo
{
    public string Name { get; internal set; } = "";
    public string Description { get; internal set; } = "";
    /// <summary>The bridge in dom0, e.g. xenbr0.</summary>
    public string Bridge { get; internal set; } = "";
    public long MTU { get; internal set; }
    /// <summary>Number of hosts with a physical interface (PIF) on the network; 0 for a private network.</summary>
    public int HostCount { get; internal set; }
    /// <summary>Names of the hosts with a PIF on the network.</summary>
    public IReadOnlyList<string> Hosts { get; internal set; } = new string[0];
    /// <summary>References of the hosts with a PIF on the network (Get-XenHost | Get-XenNetwork).</summary>
    internal IReadOnlyCollection<string> HostRefs { get; set; } = new string[0];
    /// <summary>PIF devices on the network (eth0, bond0...), one per distinct device name.</summary>
    public IReadOnlyList<string> Devices { get; internal set; } = new string[0];
    /// <summary>True when a PIF on it is a management interface.</summary>
    public bool IsManagement { get; internal set; }
    /// <summary>True when xapi manages the bridge.</summary>
    public bool Managed { get; internal set; }
    /// <summary>Number of VM interfaces (VIFs) on the network.</summary>
    public int VifCount { get; internal set; }
    public string PoolName { get; internal set; } = "";
    public string Uuid { get; internal set; } = "";
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;
    /// <summary>The raw XenAPI record.</summary>
    public Api.Network Record { get; internal set; } = null!;

    public override string ToString() => Name;
}
