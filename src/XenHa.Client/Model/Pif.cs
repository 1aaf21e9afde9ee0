using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>PIF</c>: a physical (or VLAN/bond) interface of a host.</summary>
[XenClass("PIF")]
public sealed class Pif : XenObject
{
    [XenField("device")]
    public string Device { get; set; } = "";

    [XenField("network")]
    public XenRef<Network> Network { get; set; }

    [XenField("host")]
    public XenRef<Host> Host { get; set; }

    [XenField("MAC")]
    public string MAC { get; set; } = "";

    [XenField("MTU")]
    public long MTU { get; set; }

    [XenField("VLAN")]
    public long VLAN { get; set; }

    [XenField("metrics")]
    public string Metrics { get; set; } = XenDefaults.NullRef;

    [XenField("physical")]
    public bool Physical { get; set; }

    [XenField("currently_attached")]
    public bool CurrentlyAttached { get; set; }

    [XenField("ip_configuration_mode")]
    public string IpConfigurationMode { get; set; } = "";

    [XenField("IP")]
    public string IP { get; set; } = "";

    [XenField("netmask")]
    public string Netmask { get; set; } = "";

    [XenField("gateway")]
    public string Gateway { get; set; } = "";

    [XenField("DNS")]
    public string DNS { get; set; } = "";

    [XenField("bond_slave_of")]
    public string BondSlaveOf { get; set; } = XenDefaults.NullRef;

    [XenField("bond_master_of")]
    public List<string> BondMasterOf { get; set; } = new List<string>();

    [XenField("VLAN_master_of")]
    public string VLANMasterOf { get; set; } = XenDefaults.NullRef;

    [XenField("VLAN_slave_of")]
    public List<string> VLANSlaveOf { get; set; } = new List<string>();

    [XenField("management")]
    public bool Management { get; set; }

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("disallow_unplug")]
    public bool DisallowUnplug { get; set; }

    [XenField("tunnel_access_PIF_of")]
    public List<string> TunnelAccessPIFOf { get; set; } = new List<string>();

    [XenField("tunnel_transport_PIF_of")]
    public List<string> TunnelTransportPIFOf { get; set; } = new List<string>();

    [XenField("ipv6_configuration_mode")]
    public string Ipv6ConfigurationMode { get; set; } = "";

    [XenField("IPv6")]
    public List<string> IPv6 { get; set; } = new List<string>();

    [XenField("ipv6_gateway")]
    public string Ipv6Gateway { get; set; } = "";

    [XenField("primary_address_type")]
    public string PrimaryAddressType { get; set; } = "";

    [XenField("managed")]
    public bool Managed { get; set; }

    [XenField("properties")]
    public Dictionary<string, string> Properties { get; set; } = new Dictionary<string, string>();

    [XenField("capabilities")]
    public List<string> Capabilities { get; set; } = new List<string>();

    [XenField("igmp_snooping_status")]
    public string IgmpSnoopingStatus { get; set; } = "";

    [XenField("sriov_physical_PIF_of")]
    public List<string> SriovPhysicalPIFOf { get; set; } = new List<string>();

    [XenField("sriov_logical_PIF_of")]
    public List<string> SriovLogicalPIFOf { get; set; } = new List<string>();

    [XenField("PCI")]
    public string PCI { get; set; } = XenDefaults.NullRef;
}
