using System;
using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>VM</c>: a VM, template, snapshot or control domain.</summary>
[XenClass("VM")]
public sealed class Vm : XenObject
{
    [XenField("allowed_operations")]
    public List<string> AllowedOperations { get; set; } = new List<string>();

    [XenField("current_operations")]
    public Dictionary<string, string> CurrentOperations { get; set; } = new Dictionary<string, string>();

    [XenField("name_label")]
    public string NameLabel { get; set; } = "";

    [XenField("name_description")]
    public string NameDescription { get; set; } = "";

    [XenField("power_state")]
    public VmPowerState PowerState { get; set; } = VmPowerState.Unknown;

    [XenField("user_version")]
    public long UserVersion { get; set; }

    [XenField("is_a_template")]
    public bool IsATemplate { get; set; }

    [XenField("is_default_template")]
    public bool IsDefaultTemplate { get; set; }

    [XenField("suspend_VDI")]
    public XenRef<Vdi> SuspendVDI { get; set; }

    [XenField("resident_on")]
    public XenRef<Host> ResidentOn { get; set; }

    [XenField("scheduled_to_be_resident_on")]
    public XenRef<Host> ScheduledToBeResidentOn { get; set; }

    [XenField("affinity")]
    public XenRef<Host> Affinity { get; set; }

    [XenField("memory_overhead")]
    public long MemoryOverhead { get; set; }

    [XenField("memory_target")]
    public long MemoryTarget { get; set; }

    [XenField("memory_static_max")]
    public long MemoryStaticMax { get; set; }

    [XenField("memory_dynamic_max")]
    public long MemoryDynamicMax { get; set; }

    [XenField("memory_dynamic_min")]
    public long MemoryDynamicMin { get; set; }

    [XenField("memory_static_min")]
    public long MemoryStaticMin { get; set; }

    [XenField("VCPUs_params")]
    public Dictionary<string, string> VCPUsParams { get; set; } = new Dictionary<string, string>();

    [XenField("VCPUs_max")]
    public long VCPUsMax { get; set; }

    [XenField("VCPUs_at_startup")]
    public long VCPUsAtStartup { get; set; }

    [XenField("actions_after_softreboot")]
    public string ActionsAfterSoftreboot { get; set; } = "";

    [XenField("actions_after_shutdown")]
    public string ActionsAfterShutdown { get; set; } = "";

    [XenField("actions_after_reboot")]
    public string ActionsAfterReboot { get; set; } = "";

    [XenField("actions_after_crash")]
    public string ActionsAfterCrash { get; set; } = "";

    [XenField("consoles")]
    public List<string> Consoles { get; set; } = new List<string>();

    [XenField("VIFs")]
    public List<XenRef<Vif>> VIFs { get; set; } = new List<XenRef<Vif>>();

    [XenField("VBDs")]
    public List<XenRef<Vbd>> VBDs { get; set; } = new List<XenRef<Vbd>>();

    [XenField("VUSBs")]
    public List<string> VUSBs { get; set; } = new List<string>();

    [XenField("crash_dumps")]
    public List<string> CrashDumps { get; set; } = new List<string>();

    [XenField("VTPMs")]
    public List<string> VTPMs { get; set; } = new List<string>();

    [XenField("PV_bootloader")]
    public string PVBootloader { get; set; } = "";

    [XenField("PV_kernel")]
    public string PVKernel { get; set; } = "";

    [XenField("PV_ramdisk")]
    public string PVRamdisk { get; set; } = "";

    [XenField("PV_args")]
    public string PVArgs { get; set; } = "";

    [XenField("PV_bootloader_args")]
    public string PVBootloaderArgs { get; set; } = "";

    [XenField("PV_legacy_args")]
    public string PVLegacyArgs { get; set; } = "";

    [XenField("HVM_boot_policy")]
    public string HVMBootPolicy { get; set; } = "";

    [XenField("HVM_boot_params")]
    public Dictionary<string, string> HVMBootParams { get; set; } = new Dictionary<string, string>();

    [XenField("HVM_shadow_multiplier")]
    public double HVMShadowMultiplier { get; set; }

    [XenField("platform")]
    public Dictionary<string, string> Platform { get; set; } = new Dictionary<string, string>();

    [XenField("PCI_bus")]
    public string PCIBus { get; set; } = "";

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("domid")]
    public long Domid { get; set; }

    [XenField("domarch")]
    public string Domarch { get; set; } = "";

    [XenField("last_boot_CPU_flags")]
    public Dictionary<string, string> LastBootCPUFlags { get; set; } = new Dictionary<string, string>();

    [XenField("is_control_domain")]
    public bool IsControlDomain { get; set; }

    [XenField("metrics")]
    public XenRef<VmMetrics> Metrics { get; set; }

    [XenField("guest_metrics")]
    public XenRef<VmGuestMetrics> GuestMetrics { get; set; }

    [XenField("last_booted_record")]
    public string LastBootedRecord { get; set; } = "";

    [XenField("recommendations")]
    public string Recommendations { get; set; } = "";

    [XenField("xenstore_data")]
    public Dictionary<string, string> XenstoreData { get; set; } = new Dictionary<string, string>();

    [XenField("ha_always_run")]
    public bool HaAlwaysRun { get; set; }

    [XenField("ha_restart_priority")]
    public string HaRestartPriority { get; set; } = "";

    [XenField("is_a_snapshot")]
    public bool IsASnapshot { get; set; }

    [XenField("snapshot_of")]
    public XenRef<Vm> SnapshotOf { get; set; }

    [XenField("snapshots")]
    public List<XenRef<Vm>> Snapshots { get; set; } = new List<XenRef<Vm>>();

    [XenField("snapshot_time")]
    public DateTime SnapshotTime { get; set; } = XenDefaults.Epoch;

    [XenField("transportable_snapshot_id")]
    public string TransportableSnapshotId { get; set; } = "";

    [XenField("blobs")]
    public Dictionary<string, string> Blobs { get; set; } = new Dictionary<string, string>();

    [XenField("tags")]
    public List<string> Tags { get; set; } = new List<string>();

    [XenField("blocked_operations")]
    public Dictionary<string, string> BlockedOperations { get; set; } = new Dictionary<string, string>();

    [XenField("snapshot_info")]
    public Dictionary<string, string> SnapshotInfo { get; set; } = new Dictionary<string, string>();

    [XenField("snapshot_metadata")]
    public string SnapshotMetadata { get; set; } = "";

    [XenField("parent")]
    public XenRef<Vm> Parent { get; set; }

    [XenField("children")]
    public List<XenRef<Vm>> Children { get; set; } = new List<XenRef<Vm>>();

    [XenField("bios_strings")]
    public Dictionary<string, string> BiosStrings { get; set; } = new Dictionary<string, string>();

    [XenField("protection_policy")]
    public string ProtectionPolicy { get; set; } = XenDefaults.NullRef;

    [XenField("is_snapshot_from_vmpp")]
    public bool IsSnapshotFromVmpp { get; set; }

    [XenField("snapshot_schedule")]
    public string SnapshotSchedule { get; set; } = XenDefaults.NullRef;

    [XenField("is_vmss_snapshot")]
    public bool IsVmssSnapshot { get; set; }

    [XenField("appliance")]
    public string Appliance { get; set; } = XenDefaults.NullRef;

    [XenField("start_delay")]
    public long StartDelay { get; set; }

    [XenField("shutdown_delay")]
    public long ShutdownDelay { get; set; }

    [XenField("order")]
    public long Order { get; set; }

    [XenField("VGPUs")]
    public List<string> VGPUs { get; set; } = new List<string>();

    [XenField("attached_PCIs")]
    public List<string> AttachedPCIs { get; set; } = new List<string>();

    [XenField("suspend_SR")]
    public XenRef<Sr> SuspendSR { get; set; }

    [XenField("version")]
    public long Version { get; set; }

    [XenField("generation_id")]
    public string GenerationId { get; set; } = "";

    [XenField("hardware_platform_version")]
    public long HardwarePlatformVersion { get; set; }

    [XenField("has_vendor_device")]
    public bool HasVendorDevice { get; set; }

    [XenField("requires_reboot")]
    public bool RequiresReboot { get; set; }

    [XenField("reference_label")]
    public string ReferenceLabel { get; set; } = "";

    [XenField("domain_type")]
    public string DomainType { get; set; } = "";

    [XenField("NVRAM")]
    public Dictionary<string, string> NVRAM { get; set; } = new Dictionary<string, string>();

    [XenField("pending_guidances")]
    public List<string> PendingGuidances { get; set; } = new List<string>();

    [XenField("pending_guidances_recommended")]
    public List<string> PendingGuidancesRecommended { get; set; } = new List<string>();

    [XenField("pending_guidances_full")]
    public List<string> PendingGuidancesFull { get; set; } = new List<string>();

    [XenField("groups")]
    public List<string> Groups { get; set; } = new List<string>();
}
