using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>SR</c>: a storage repository.</summary>
[XenClass("SR")]
public sealed class Sr : XenObject
{
    [XenField("name_label")]
    public string NameLabel { get; set; } = "";

    [XenField("name_description")]
    public string NameDescription { get; set; } = "";

    [XenField("allowed_operations")]
    public List<string> AllowedOperations { get; set; } = new List<string>();

    [XenField("current_operations")]
    public Dictionary<string, string> CurrentOperations { get; set; } = new Dictionary<string, string>();

    [XenField("VDIs")]
    public List<XenRef<Vdi>> VDIs { get; set; } = new List<XenRef<Vdi>>();

    [XenField("PBDs")]
    public List<XenRef<Pbd>> PBDs { get; set; } = new List<XenRef<Pbd>>();

    [XenField("virtual_allocation")]
    public long VirtualAllocation { get; set; }

    [XenField("physical_utilisation")]
    public long PhysicalUtilisation { get; set; }

    [XenField("physical_size")]
    public long PhysicalSize { get; set; }

    [XenField("type")]
    public string Type { get; set; } = "";

    [XenField("content_type")]
    public string ContentType { get; set; } = "";

    [XenField("shared")]
    public bool Shared { get; set; }

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("tags")]
    public List<string> Tags { get; set; } = new List<string>();

    [XenField("sm_config")]
    public Dictionary<string, string> SmConfig { get; set; } = new Dictionary<string, string>();

    [XenField("blobs")]
    public Dictionary<string, string> Blobs { get; set; } = new Dictionary<string, string>();

    [XenField("local_cache_enabled")]
    public bool LocalCacheEnabled { get; set; }

    [XenField("introduced_by")]
    public string IntroducedBy { get; set; } = XenDefaults.NullRef;

    [XenField("clustered")]
    public bool Clustered { get; set; }

    [XenField("is_tools_sr")]
    public bool IsToolsSr { get; set; }
}
