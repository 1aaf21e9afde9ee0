using System;
using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>host_metrics</c>: memory and liveness of a host.</summary>
[XenClass("host_metrics")]
public sealed class HostMetrics : XenObject
{
    [XenField("memory_total")]
    public long MemoryTotal { get; set; }

    [XenField("memory_free")]
    public long MemoryFree { get; set; }

    [XenField("live")]
    public bool Live { get; set; }

    [XenField("last_updated")]
    public DateTime LastUpdated { get; set; } = XenDefaults.Epoch;

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();
}
