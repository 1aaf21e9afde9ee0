using System;
using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>host</c>: a physical host.</summary>
[XenClass("host")]
public sealed class Host : XenObject
{
    [XenField("name_label")]
    public string NameLabel { get; set; } = "";

    [XenField("name_description")]
    public string NameDescription { get; set; } = "";

    [XenField("memory_overhead")]
    public long MemoryOverhead { get; set; }

    [XenField("allowed_operations")]
    public List<string> AllowedOperations { get; set; } = new List<string>();

    [XenField("current_operations")]
    public Dictionary<string, string> CurrentOperations { get; set; } = new Dictionary<string, string>();

    [XenField("API_version_major")]
    public long APIVersionMajor { get; set; }

    [XenField("API_version_minor")]
    public long APIVersionMinor { get; set; }

    [XenField("API_version_vendor")]
    public string APIVersionVendor { get; set; } = "";

    [XenField("API_version_vendor_implementation")]
    public Dictionary<string, string> APIVersionVendorImplementation { get; set; } = new Dictionary<string, string>();

    [XenField("enabled")]
    public bool Enabled { get; set; }

    [XenField("software_version")]
    public Dictionary<string, string> SoftwareVersion { get; set; } = new Dictionary<string, string>();

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("capabilities")]
    public List<string> Capabilities { get; set; } = new List<string>();

    [XenField("cpu_configuration")]
    public Dictionary<string, string> CpuConfiguration { get; set; } = new Dictionary<string, string>();

    [XenField("sched_policy")]
    public string SchedPolicy { get; set; } = "";

    [XenField("supported_bootloaders")]
    public List<string> SupportedBootloaders { get; set; } = new List<string>();

    [XenField("resident_VMs")]
    public List<XenRef<Vm>> ResidentVMs { get; set; } = new List<XenRef<Vm>>();

    [XenField("logging")]
    public Dictionary<string, string> Logging { get; set; } = new Dictionary<string, string>();

    [XenField("PIFs")]
    public List<XenRef<Pif>> PIFs { get; set; } = new List<XenRef<Pif>>();

    [XenField("suspend_image_sr")]
    public XenRef<Sr> SuspendImageSr { get; set; }

    [XenField("crash_dump_sr")]
    public XenRef<Sr> CrashDumpSr { get; set; }

    [XenField("crashdumps")]
    public List<string> Crashdumps { get; set; } = new List<string>();

    [XenField("patches")]
    public List<string> Patches { get; set; } = new List<string>();

    [XenField("updates")]
    public List<string> Updates { get; set; } = new List<string>();

    [XenField("PBDs")]
    public List<XenRef<Pbd>> PBDs { get; set; } = new List<XenRef<Pbd>>();

    [XenField("host_CPUs")]
    public List<string> HostCPUs { get; set; } = new List<string>();

    [XenField("cpu_info")]
    public Dictionary<string, string> CpuInfo { get; set; } = new Dictionary<string, string>();

    [XenField("hostname")]
    public string Hostname { get; set; } = "";

    [XenField("address")]
    public string Address { get; set; } = "";

    [XenField("metrics")]
    public XenRef<HostMetrics> Metrics { get; set; }

    [XenField("license_params")]
    public Dictionary<string, string> LicenseParams { get; set; } = new Dictionary<string, string>();

    [XenField("ha_statefiles")]
    public List<string> HaStatefiles { get; set; } = new List<string>();

    [XenField("ha_network_peers")]
    public List<string> HaNetworkPeers { get; set; } = new List<string>();

    [XenField("blobs")]
    public Dictionary<string, string> Blobs { get; set; } = new Dictionary<string, string>();

    [XenField("tags")]
    public List<string> Tags { get; set; } = new List<string>();

    [XenField("external_auth_type")]
    public string ExternalAuthType { get; set; } = "";

    [XenField("external_auth_service_name")]
    public string ExternalAuthServiceName { get; set; } = "";

    [XenField("external_auth_configuration")]
    public Dictionary<string, string> ExternalAuthConfiguration { get; set; } = new Dictionary<string, string>();

    [XenField("edition")]
    public string Edition { get; set; } = "";

    [XenField("license_server")]
    public Dictionary<string, string> LicenseServer { get; set; } = new Dictionary<string, string>();

    [XenField("bios_strings")]
    public Dictionary<string, string> BiosStrings { get; set; } = new Dictionary<string, string>();

    [XenField("power_on_mode")]
    public string PowerOnMode { get; set; } = "";

    [XenField("power_on_config")]
    public Dictionary<string, string> PowerOnConfig { get; set; } = new Dictionary<string, string>();

    [XenField("local_cache_sr")]
    public XenRef<Sr> LocalCacheSr { get; set; }

    [XenField("chipset_info")]
    public Dictionary<string, string> ChipsetInfo { get; set; } = new Dictionary<string, string>();

    [XenField("PCIs")]
    public List<string> PCIs { get; set; } = new List<string>();

    [XenField("PGPUs")]
    public List<string> PGPUs { get; set; } = new List<string>();

    [XenField("PUSBs")]
    public List<string> PUSBs { get; set; } = new List<string>();

    [XenField("ssl_legacy")]
    public bool SslLegacy { get; set; }

    [XenField("guest_VCPUs_params")]
    public Dictionary<string, string> GuestVCPUsParams { get; set; } = new Dictionary<string, string>();

    [XenField("display")]
    public string Display { get; set; } = "";

    [XenField("virtual_hardware_platform_versions")]
    public List<long> VirtualHardwarePlatformVersions { get; set; } = new List<long>();

    [XenField("control_domain")]
    public XenRef<Vm> ControlDomain { get; set; }

    [XenField("updates_requiring_reboot")]
    public List<string> UpdatesRequiringReboot { get; set; } = new List<string>();

    [XenField("features")]
    public List<string> Features { get; set; } = new List<string>();

    [XenField("iscsi_iqn")]
    public string IscsiIqn { get; set; } = "";

    [XenField("multipathing")]
    public bool Multipathing { get; set; }

    [XenField("uefi_certificates")]
    public string UefiCertificates { get; set; } = "";

    [XenField("certificates")]
    public List<string> Certificates { get; set; } = new List<string>();

    [XenField("editions")]
    public List<string> Editions { get; set; } = new List<string>();

    [XenField("pending_guidances")]
    public List<string> PendingGuidances { get; set; } = new List<string>();

    [XenField("tls_verification_enabled")]
    public bool TlsVerificationEnabled { get; set; }

    [XenField("last_software_update")]
    public DateTime LastSoftwareUpdate { get; set; } = XenDefaults.Epoch;

    [XenField("https_only")]
    public bool HttpsOnly { get; set; }

    [XenField("latest_synced_updates_applied")]
    public string LatestSyncedUpdatesApplied { get; set; } = "";

    [XenField("numa_affinity_policy")]
    public string NumaAffinityPolicy { get; set; } = "";

    [XenField("pending_guidances_recommended")]
    public List<string> PendingGuidancesRecommended { get; set; } = new List<string>();

    [XenField("pending_guidances_full")]
    public List<string> PendingGuidancesFull { get; set; } = new List<string>();

    [XenField("last_update_hash")]
    public string LastUpdateHash { get; set; } = "";
}
