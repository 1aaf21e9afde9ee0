using System;
using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>VM_metrics</c>: run-time metrics of a VM.</summary>
[XenClass("VM_metrics")]
public sealed class VmMetrics : XenObject
{
    [XenField("memory_actual")]
    public long MemoryActual { get; set; }

    [XenField("VCPUs_number")]
    public long VCPUsNumber { get; set; }

    [XenField("VCPUs_utilisation")]
    public Dictionary<string, string> VCPUsUtilisation { get; set; } = new Dictionary<string, string>();

    [XenField("VCPUs_CPU")]
    public Dictionary<string, string> VCPUsCPU { get; set; } = new Dictionary<string, string>();

    [XenField("VCPUs_params")]
    public Dictionary<string, string> VCPUsParams { get; set; } = new Dictionary<string, string>();

    [XenField("VCPUs_flags")]
    public Dictionary<string, List<string>> VCPUsFlags { get; set; } = new Dictionary<string, List<string>>();

    [XenField("state")]
    public List<string> State { get; set; } = new List<string>();

    [XenField("start_time")]
    public DateTime StartTime { get; set; } = XenDefaults.Epoch;

    [XenField("install_time")]
    public DateTime InstallTime { get; set; } = XenDefaults.Epoch;

    [XenField("last_updated")]
    public DateTime LastUpdated { get; set; } = XenDefaults.Epoch;

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("hvm")]
    public bool Hvm { get; set; }

    [XenField("nested_virt")]
    public bool NestedVirt { get; set; }

    [XenField("nomigrate")]
    public bool Nomigrate { get; set; }

    [XenField("current_domain_type")]
    public string CurrentDomainType { get; set; } = "";
}
