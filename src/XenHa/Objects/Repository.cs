using System.Collections.Generic;
using Api = XenHa.Client;

namespace XenHa;

/// <summary>A storage repository (SR) as shown by Get-XenRepository and the New-Xen*Repository cmdlets.</summary>
public sealed class Repository
{
    public string Name { get; internal set; } = "";
    public string Description { get; internal set; } = "";
    /// <summary>The SM driver: nfs, lvmoiscsi, iso, lvm, ext, udev...</summary>
    public string Type { get; internal set; } = "";
    /// <summary>True when every host of the pool is meant to reach it (needed for live migration and HA).</summary>
    public bool Shared { get; internal set; }
    /// <summary>"" (XenCenter-made NFS/iSCSI), user (local), iso (ISO libraries), disk (removable).</summary>
    public string ContentType { get; internal set; } = "";
    public double SizeGB { get; internal set; }
    public double UsedGB { get; internal set; }
    public double FreeGB { get; internal set; }
    /// <summary>Hosts with a plugged PBD out of the hosts that should have one, e.g. "3/3".</summary>
    public string HostsAttached { get; internal set; } = "";
    /// <summary>Number of hosts with a plugged PBD.</summary>
    public int AttachedCount { get; internal set; }
    /// <summary>Number of hosts that should have a plugged PBD (every host for a shared SR).</summary>
    public int ExpectedCount { get; internal set; }
    /// <summary>Names of the hosts the repository is plugged on.</summary>
    public IReadOnlyList<string> Hosts { get; internal set; } = new string[0];
    /// <summary>References of the hosts the repository is plugged on (Get-XenHost | Get-XenRepository).</summary>
    internal IReadOnlyCollection<string> HostRefs { get; set; } = new string[0];
    /// <summary>True when it is the pool's default SR.</summary>
    public bool IsDefault { get; internal set; }
    /// <summary>Number of virtual disks (VDIs) on it.</summary>
    public int DiskCount { get; internal set; }
    /// <summary>The connection settings of the coordinator's PBD (passwords are stored by xapi as secrets).</summary>
    public IReadOnlyDictionary<string, string> DeviceConfig { get; internal set; } = new Dictionary<string, string>();
    public string PoolName { get; internal set; } = "";
    public string Uuid { get; internal set; } = "";
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;
    /// <summary>The raw XenAPI record.</summary>
    public Api.Sr Record { get; internal set; } = null!;

    public override string ToString() => Name;
}
