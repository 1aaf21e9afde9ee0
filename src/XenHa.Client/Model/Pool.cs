using System;
using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>pool</c>: the pool (exactly one per pool).</summary>
[XenClass("pool")]
public sealed class Pool : XenObject
{
    [XenField("name_label")]
    public string NameLabel { get; set; } = "";

    [XenField("name_description")]
    public string NameDescription { get; set; } = "";

    [XenField("master")]
    public XenRef<Host> Master { get; set; }

    [XenField("default_SR")]
    public XenRef<Sr> DefaultSR { get; set; }

    [XenField("suspend_image_SR")]
    public XenRef<Sr> SuspendImageSR { get; set; }

    [XenField("crash_dump_SR")]
    public XenRef<Sr> CrashDumpSR { get; set; }

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("ha_enabled")]
    public bool HaEnabled { get; set; }

    [XenField("ha_configuration")]
    public Dictionary<string, string> HaConfiguration { get; set; } = new Dictionary<string, string>();

    [XenField("ha_statefiles")]
    public List<string> HaStatefiles { get; set; } = new List<string>();

    [XenField("ha_host_failures_to_tolerate")]
    public long HaHostFailuresToTolerate { get; set; }

    [XenField("ha_plan_exists_for")]
    public long HaPlanExistsFor { get; set; }

    [XenField("ha_allow_overcommit")]
    public bool HaAllowOvercommit { get; set; }

    [XenField("ha_overcommitted")]
    public bool HaOvercommitted { get; set; }

    [XenField("blobs")]
    public Dictionary<string, string> Blobs { get; set; } = new Dictionary<string, string>();

    [XenField("tags")]
    public List<string> Tags { get; set; } = new List<string>();

    [XenField("gui_config")]
    public Dictionary<string, string> GuiConfig { get; set; } = new Dictionary<string, string>();

    [XenField("health_check_config")]
    public Dictionary<string, string> HealthCheckConfig { get; set; } = new Dictionary<string, string>();

    [XenField("wlb_url")]
    public string WlbUrl { get; set; } = "";

    [XenField("wlb_username")]
    public string WlbUsername { get; set; } = "";

    [XenField("wlb_enabled")]
    public bool WlbEnabled { get; set; }

    [XenField("wlb_verify_cert")]
    public bool WlbVerifyCert { get; set; }

    [XenField("redo_log_enabled")]
    public bool RedoLogEnabled { get; set; }

    [XenField("redo_log_vdi")]
    public XenRef<Vdi> RedoLogVdi { get; set; }

    [XenField("vswitch_controller")]
    public string VswitchController { get; set; } = "";

    [XenField("restrictions")]
    public Dictionary<string, string> Restrictions { get; set; } = new Dictionary<string, string>();

    [XenField("metadata_VDIs")]
    public List<XenRef<Vdi>> MetadataVDIs { get; set; } = new List<XenRef<Vdi>>();

    [XenField("ha_cluster_stack")]
    public string HaClusterStack { get; set; } = "";

    [XenField("allowed_operations")]
    public List<string> AllowedOperations { get; set; } = new List<string>();

    [XenField("current_operations")]
    public Dictionary<string, string> CurrentOperations { get; set; } = new Dictionary<string, string>();

    [XenField("guest_agent_config")]
    public Dictionary<string, string> GuestAgentConfig { get; set; } = new Dictionary<string, string>();

    [XenField("cpu_info")]
    public Dictionary<string, string> CpuInfo { get; set; } = new Dictionary<string, string>();

    [XenField("policy_no_vendor_device")]
    public bool PolicyNoVendorDevice { get; set; }

    [XenField("live_patching_disabled")]
    public bool LivePatchingDisabled { get; set; }

    [XenField("igmp_snooping_enabled")]
    public bool IgmpSnoopingEnabled { get; set; }

    [XenField("uefi_certificates")]
    public string UefiCertificates { get; set; } = "";

    [XenField("custom_uefi_certificates")]
    public string CustomUefiCertificates { get; set; } = "";

    [XenField("is_psr_pending")]
    public bool IsPsrPending { get; set; }

    [XenField("tls_verification_enabled")]
    public bool TlsVerificationEnabled { get; set; }

    [XenField("repositories")]
    public List<string> Repositories { get; set; } = new List<string>();

    [XenField("client_certificate_auth_enabled")]
    public bool ClientCertificateAuthEnabled { get; set; }

    [XenField("client_certificate_auth_name")]
    public string ClientCertificateAuthName { get; set; } = "";

    [XenField("repository_proxy_url")]
    public string RepositoryProxyUrl { get; set; } = "";

    [XenField("repository_proxy_username")]
    public string RepositoryProxyUsername { get; set; } = "";

    [XenField("repository_proxy_password")]
    public string RepositoryProxyPassword { get; set; } = XenDefaults.NullRef;

    [XenField("migration_compression")]
    public bool MigrationCompression { get; set; }

    [XenField("coordinator_bias")]
    public bool CoordinatorBias { get; set; }

    [XenField("telemetry_uuid")]
    public string TelemetryUuid { get; set; } = XenDefaults.NullRef;

    [XenField("telemetry_frequency")]
    public string TelemetryFrequency { get; set; } = "";

    [XenField("telemetry_next_collection")]
    public DateTime TelemetryNextCollection { get; set; } = XenDefaults.Epoch;

    [XenField("last_update_sync")]
    public DateTime LastUpdateSync { get; set; } = XenDefaults.Epoch;

    [XenField("update_sync_frequency")]
    public string UpdateSyncFrequency { get; set; } = "";

    [XenField("update_sync_day")]
    public long UpdateSyncDay { get; set; }

    [XenField("update_sync_enabled")]
    public bool UpdateSyncEnabled { get; set; }

    [XenField("recommendations")]
    public Dictionary<string, string> Recommendations { get; set; } = new Dictionary<string, string>();

    [XenField("license_server")]
    public Dictionary<string, string> LicenseServer { get; set; } = new Dictionary<string, string>();

    [XenField("ha_reboot_vm_on_internal_shutdown")]
    public bool HaRebootVmOnInternalShutdown { get; set; }

    [XenField("ext_auth_max_threads")]
    public long ExtAuthMaxThreads { get; set; }

    [XenField("local_auth_max_threads")]
    public long LocalAuthMaxThreads { get; set; }
}
