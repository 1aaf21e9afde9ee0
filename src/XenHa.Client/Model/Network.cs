using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>network</c>: a virtual network.</summary>
[XenClass("network")]
public sealed class Network : XenObject
{
    [XenField("name_label")]
    public string NameLabel { get; set; } = "";

    [XenField("name_description")]
    public string NameDescription { get; set; } = "";

    [XenField("allowed_operations")]
    public List<string> AllowedOperations { get; set; } = new List<string>();

    [XenField("current_operations")]
    public Dictionary<string, string> CurrentOperations { get; set; } = new Dictionary<string, string>();

    [XenField("VIFs")]
    public List<XenRef<Vif>> VIFs { get; set; } = new List<XenRef<Vif>>();

    [XenField("PIFs")]
    public List<XenRef<Pif>> PIFs { get; set; } = new List<XenRef<Pif>>();

    [XenField("MTU")]
    public long MTU { get; set; }

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("bridge")]
    public string Bridge { get; set; } = "";

    [XenField("managed")]
    public bool Managed { get; set; }

    [XenField("blobs")]
    public Dictionary<string, string> Blobs { get; set; } = new Dictionary<string, string>();

    [XenField("tags")]
    public List<string> Tags { get; set; } = new List<string>();

    [XenField("default_locking_mode")]
    public string DefaultLockingMode { get; set; } = "";

    [XenField("assigned_ips")]
    public Dictionary<string, string> AssignedIps { get; set; } = new Dictionary<string, string>();

    [XenField("purpose")]
    public List<string> Purpose { get; set; } = new List<string>();
}
