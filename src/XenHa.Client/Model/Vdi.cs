using System;
using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>VDI</c>: a virtual disk image.</summary>
[XenClass("VDI")]
public sealed class Vdi : XenObject
{
    [XenField("name_label")]
    public string NameLabel { get; set; } = "";

    [XenField("name_description")]
    public string NameDescription { get; set; } = "";

    [XenField("allowed_operations")]
    public List<string> AllowedOperations { get; set; } = new List<string>();

    [XenField("current_operations")]
    public Dictionary<string, string> CurrentOperations { get; set; } = new Dictionary<string, string>();

    [XenField("SR")]
    public XenRef<Sr> SR { get; set; }

    [XenField("VBDs")]
    public List<XenRef<Vbd>> VBDs { get; set; } = new List<XenRef<Vbd>>();

    [XenField("crash_dumps")]
    public List<string> CrashDumps { get; set; } = new List<string>();

    [XenField("virtual_size")]
    public long VirtualSize { get; set; }

    [XenField("physical_utilisation")]
    public long PhysicalUtilisation { get; set; }

    [XenField("type")]
    public string Type { get; set; } = "";

    [XenField("sharable")]
    public bool Sharable { get; set; }

    [XenField("read_only")]
    public bool ReadOnly { get; set; }

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("storage_lock")]
    public bool StorageLock { get; set; }

    [XenField("location")]
    public string Location { get; set; } = "";

    [XenField("managed")]
    public bool Managed { get; set; }

    [XenField("missing")]
    public bool Missing { get; set; }

    [XenField("parent")]
    public XenRef<Vdi> Parent { get; set; }

    [XenField("xenstore_data")]
    public Dictionary<string, string> XenstoreData { get; set; } = new Dictionary<string, string>();

    [XenField("sm_config")]
    public Dictionary<string, string> SmConfig { get; set; } = new Dictionary<string, string>();

    [XenField("is_a_snapshot")]
    public bool IsASnapshot { get; set; }

    [XenField("snapshot_of")]
    public XenRef<Vdi> SnapshotOf { get; set; }

    [XenField("snapshots")]
    public List<XenRef<Vdi>> Snapshots { get; set; } = new List<XenRef<Vdi>>();

    [XenField("snapshot_time")]
    public DateTime SnapshotTime { get; set; } = XenDefaults.Epoch;

    [XenField("tags")]
    public List<string> Tags { get; set; } = new List<string>();

    [XenField("allow_caching")]
    public bool AllowCaching { get; set; }

    [XenField("on_boot")]
    public string OnBoot { get; set; } = "";

    [XenField("metadata_of_pool")]
    public XenRef<Pool> MetadataOfPool { get; set; }

    [XenField("metadata_latest")]
    public bool MetadataLatest { get; set; }

    [XenField("is_tools_iso")]
    public bool IsToolsIso { get; set; }

    [XenField("cbt_enabled")]
    public bool CbtEnabled { get; set; }
}
