using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>VBD</c>: a virtual block device (VM ↔ VDI).</summary>
[XenClass("VBD")]
public sealed class Vbd : XenObject
{
    [XenField("allowed_operations")]
    public List<string> AllowedOperations { get; set; } = new List<string>();

    [XenField("current_operations")]
    public Dictionary<string, string> CurrentOperations { get; set; } = new Dictionary<string, string>();

    [XenField("VM")]
    public XenRef<Vm> VM { get; set; }

    [XenField("VDI")]
    public XenRef<Vdi> VDI { get; set; }

    [XenField("device")]
    public string Device { get; set; } = "";

    [XenField("userdevice")]
    public string Userdevice { get; set; } = "";

    [XenField("bootable")]
    public bool Bootable { get; set; }

    [XenField("mode")]
    public string Mode { get; set; } = "";

    [XenField("type")]
    public string Type { get; set; } = "";

    [XenField("unpluggable")]
    public bool Unpluggable { get; set; }

    [XenField("storage_lock")]
    public bool StorageLock { get; set; }

    [XenField("empty")]
    public bool Empty { get; set; }

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("currently_attached")]
    public bool CurrentlyAttached { get; set; }

    [XenField("status_code")]
    public long StatusCode { get; set; }

    [XenField("status_detail")]
    public string StatusDetail { get; set; } = "";

    [XenField("runtime_properties")]
    public Dictionary<string, string> RuntimeProperties { get; set; } = new Dictionary<string, string>();

    [XenField("qos_algorithm_type")]
    public string QosAlgorithmType { get; set; } = "";

    [XenField("qos_algorithm_params")]
    public Dictionary<string, string> QosAlgorithmParams { get; set; } = new Dictionary<string, string>();

    [XenField("qos_supported_algorithms")]
    public List<string> QosSupportedAlgorithms { get; set; } = new List<string>();

    [XenField("metrics")]
    public string Metrics { get; set; } = XenDefaults.NullRef;
}
