using System;
using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>VM_guest_metrics</c>: what the in-guest agent reports.</summary>
[XenClass("VM_guest_metrics")]
public sealed class VmGuestMetrics : XenObject
{
    [XenField("os_version")]
    public Dictionary<string, string> OsVersion { get; set; } = new Dictionary<string, string>();

    [XenField("netbios_name")]
    public Dictionary<string, string> NetbiosName { get; set; } = new Dictionary<string, string>();

    [XenField("PV_drivers_version")]
    public Dictionary<string, string> PVDriversVersion { get; set; } = new Dictionary<string, string>();

    [XenField("PV_drivers_up_to_date")]
    public bool PVDriversUpToDate { get; set; }

    [XenField("memory")]
    public Dictionary<string, string> Memory { get; set; } = new Dictionary<string, string>();

    [XenField("disks")]
    public Dictionary<string, string> Disks { get; set; } = new Dictionary<string, string>();

    [XenField("networks")]
    public Dictionary<string, string> Networks { get; set; } = new Dictionary<string, string>();

    [XenField("other")]
    public Dictionary<string, string> Other { get; set; } = new Dictionary<string, string>();

    [XenField("last_updated")]
    public DateTime LastUpdated { get; set; } = XenDefaults.Epoch;

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("live")]
    public bool Live { get; set; }

    [XenField("can_use_hotplug_vbd")]
    public string CanUseHotplugVbd { get; set; } = "";

    [XenField("can_use_hotplug_vif")]
    public string CanUseHotplugVif { get; set; } = "";

    [XenField("PV_drivers_detected")]
    public bool PVDriversDetected { get; set; }
}
