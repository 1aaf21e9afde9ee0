namespace XenHa.Simulator.Inventory;

internal static partial class Schema
{
    // name type [rw] [=default] [<-Class.field]
    // types: s string, i int, f float, b bool, d datetime, e enum, r:CLS ref, S string set, S:CLS ref set, M map
    private const string Text = """
class pool named events async
uuid s
name_label s rw
name_description s rw
master r:host
default_SR r:SR rw
suspend_image_SR r:SR rw
crash_dump_SR r:SR rw
other_config M rw
ha_enabled b
ha_configuration M
ha_statefiles S
ha_host_failures_to_tolerate i
ha_plan_exists_for i
ha_allow_overcommit b rw
ha_overcommitted b
blobs M
tags S rw
gui_config M rw
health_check_config M rw
wlb_url s
wlb_username s
wlb_enabled b rw
wlb_verify_cert b rw
redo_log_enabled b
redo_log_vdi r:VDI
vswitch_controller s
restrictions M
metadata_VDIs S:VDI
ha_cluster_stack s =xhad
allowed_operations S
current_operations M
guest_agent_config M
cpu_info M
policy_no_vendor_device b rw
live_patching_disabled b rw
igmp_snooping_enabled b
uefi_certificates s
custom_uefi_certificates s
is_psr_pending b rw
tls_verification_enabled b
repositories S:Repository
client_certificate_auth_enabled b
client_certificate_auth_name s
repository_proxy_url s
repository_proxy_username s
repository_proxy_password r:secret
migration_compression b rw
coordinator_bias b rw =true
telemetry_uuid r:secret
telemetry_frequency e =weekly
telemetry_next_collection d
last_update_sync d
update_sync_frequency e =weekly
update_sync_day i
update_sync_enabled b
recommendations M
license_server M
ha_reboot_vm_on_internal_shutdown b rw =true
ext_auth_max_threads i =1
local_auth_max_threads i =8
ext_auth_cache_enabled b
ext_auth_cache_size i =50
ext_auth_cache_expiry i =300

class host named events async
uuid s
name_label s rw
name_description s rw
memory_overhead i
allowed_operations S
current_operations M
API_version_major i
API_version_minor i
API_version_vendor s =XenSource
API_version_vendor_implementation M
enabled b
software_version M
other_config M rw
capabilities S
cpu_configuration M
sched_policy s =credit
supported_bootloaders S
resident_VMs S:VM <-VM.resident_on
logging M rw
PIFs S:PIF <-PIF.host
suspend_image_sr r:SR rw
crash_dump_sr r:SR rw
crashdumps S:host_crashdump
patches S:host_patch
updates S:pool_update
PBDs S:PBD <-PBD.host
host_CPUs S:host_cpu
cpu_info M
hostname s rw
address s rw
metrics r:host_metrics
license_params M
ha_statefiles S
ha_network_peers S
blobs M
tags S rw
external_auth_type s
external_auth_service_name s
external_auth_configuration M
edition s =xenserver-premium
license_server M rw
bios_strings M
power_on_mode s
power_on_config M
local_cache_sr r:SR
chipset_info M
PCIs S:PCI
PGPUs S:PGPU
PUSBs S:PUSB
ssl_legacy b
guest_VCPUs_params M rw
display e =enabled
virtual_hardware_platform_versions S
control_domain r:VM
updates_requiring_reboot S:pool_update
features S:Feature
iscsi_iqn s
multipathing b
uefi_certificates s
certificates S:Certificate
editions S
pending_guidances S
tls_verification_enabled b
last_software_update d
https_only b
latest_synced_updates_applied e =unknown
numa_affinity_policy e =default_policy
pending_guidances_recommended S
pending_guidances_full S
last_update_hash s

class host_metrics events async
uuid s
memory_total i
memory_free i
live b
last_updated d
other_config M rw

class VM named events async
uuid s
allowed_operations S
current_operations M
name_label s rw
name_description s rw
power_state e =Halted
user_version i rw =1
is_a_template b rw
is_default_template b
suspend_VDI r:VDI
resident_on r:host
scheduled_to_be_resident_on r:host
affinity r:host rw
memory_overhead i
memory_target i
memory_static_max i
memory_dynamic_max i
memory_dynamic_min i
memory_static_min i
VCPUs_params M rw
VCPUs_max i
VCPUs_at_startup i
actions_after_softreboot e =soft_reboot
actions_after_shutdown e rw =destroy
actions_after_reboot e rw =restart
actions_after_crash e =restart
consoles S:console
VIFs S:VIF <-VIF.VM
VBDs S:VBD <-VBD.VM
VUSBs S:VUSB
crash_dumps S:crashdump
VTPMs S:VTPM
PV_bootloader s rw
PV_kernel s rw
PV_ramdisk s rw
PV_args s rw
PV_bootloader_args s rw
PV_legacy_args s rw
HVM_boot_policy s rw
HVM_boot_params M rw
HVM_shadow_multiplier f =1
platform M rw
PCI_bus s rw
other_config M rw
domid i =-1
domarch s
last_boot_CPU_flags M
is_control_domain b
metrics r:VM_metrics
guest_metrics r:VM_guest_metrics
last_booted_record s
recommendations s rw
xenstore_data M rw
ha_always_run b
ha_restart_priority s
is_a_snapshot b
snapshot_of r:VM
snapshots S:VM <-VM.snapshot_of
snapshot_time d
transportable_snapshot_id s
blobs M
tags S rw
blocked_operations M rw
snapshot_info M
snapshot_metadata s
parent r:VM
children S:VM <-VM.parent
bios_strings M
protection_policy r:VMPP
is_snapshot_from_vmpp b
snapshot_schedule r:VMSS
is_vmss_snapshot b
appliance r:VM_appliance
start_delay i
shutdown_delay i
order i
VGPUs S:VGPU
attached_PCIs S:PCI
suspend_SR r:SR rw
version i
generation_id s
hardware_platform_version i
has_vendor_device b
requires_reboot b
reference_label s
domain_type e =unspecified
NVRAM M
pending_guidances S
pending_guidances_recommended S
pending_guidances_full S

class VM_metrics events async
uuid s
memory_actual i
VCPUs_number i
VCPUs_CPU M
VCPUs_params M
VCPUs_flags M
state S
start_time d
install_time d
last_updated d
other_config M rw
hvm b
nested_virt b
nomigrate b
current_domain_type e =unspecified

class VM_guest_metrics events async
uuid s
os_version M
PV_drivers_version M
PV_drivers_up_to_date b
networks M
other M
last_updated d
other_config M rw
live b
can_use_hotplug_vbd e =unspecified
can_use_hotplug_vif e =unspecified
PV_drivers_detected b

class SR named events async
uuid s
name_label s
name_description s
allowed_operations S
current_operations M
VDIs S:VDI <-VDI.SR
PBDs S:PBD <-PBD.SR
virtual_allocation i
physical_utilisation i
physical_size i
type s
content_type s
shared b
other_config M rw
tags S rw
sm_config M rw
blobs M
local_cache_enabled b
introduced_by r:DR_task
clustered b
is_tools_sr b

class PBD events async
uuid s
host r:host
SR r:SR
device_config M
currently_attached b
other_config M rw

class VDI named events async
uuid s
name_label s
name_description s
allowed_operations S
current_operations M
SR r:SR
VBDs S:VBD <-VBD.VDI
crash_dumps S:crashdump
virtual_size i
physical_utilisation i
type e =user
sharable b
read_only b
other_config M rw
storage_lock b
location s
managed b =true
missing b
parent r:VDI
xenstore_data M rw
sm_config M rw
is_a_snapshot b
snapshot_of r:VDI
snapshots S:VDI <-VDI.snapshot_of
snapshot_time d
tags S rw
allow_caching b
on_boot e =persist
metadata_of_pool r:pool
metadata_latest b
is_tools_iso b
cbt_enabled b

class VBD events async
uuid s
allowed_operations S
current_operations M
VM r:VM
VDI r:VDI
device s
userdevice s rw
bootable b rw
mode e =RW
type e rw =Disk
unpluggable b rw =true
storage_lock b
empty b
other_config M rw
currently_attached b
status_code i
status_detail s
runtime_properties M
qos_algorithm_type s rw
qos_algorithm_params M rw
qos_supported_algorithms S

class VIF events async
uuid s
allowed_operations S
current_operations M
device s
network r:network
VM r:VM
MAC s
MTU i =1500
other_config M rw
currently_attached b
status_code i
status_detail s
runtime_properties M
qos_algorithm_type s rw
qos_algorithm_params M rw
qos_supported_algorithms S
MAC_autogenerated b
locking_mode e =network_default
ipv4_allowed S
ipv6_allowed S
ipv4_configuration_mode e =None
ipv4_addresses S
ipv4_gateway s
ipv6_configuration_mode e =None
ipv6_addresses S
ipv6_gateway s
reserved_pci r:PCI

class network named events async
uuid s
name_label s rw
name_description s rw
allowed_operations S
current_operations M
VIFs S:VIF <-VIF.network
PIFs S:PIF <-PIF.network
MTU i rw =1500
other_config M rw
bridge s
managed b =true
blobs M
tags S rw
default_locking_mode e =unlocked
assigned_ips M
purpose S

class PIF events async
uuid s
device s
network r:network
host r:host
MAC s
MTU i =1500
VLAN i =-1
metrics r:PIF_metrics
physical b
currently_attached b
ip_configuration_mode e =None
IP s
netmask s
gateway s
DNS s
bond_slave_of r:Bond
bond_master_of S:Bond
VLAN_master_of r:VLAN
VLAN_slave_of S:VLAN
management b
other_config M rw
disallow_unplug b
tunnel_access_PIF_of S:tunnel
tunnel_transport_PIF_of S:tunnel
ipv6_configuration_mode e =None
IPv6 S
ipv6_gateway s
primary_address_type e =IPv4
managed b =true
properties M
capabilities S
igmp_snooping_status e =unknown
sriov_physical_PIF_of S:network_sriov
sriov_logical_PIF_of S:network_sriov
PCI r:PCI

class task named events
uuid s
name_label s
name_description s
allowed_operations S
current_operations M
created d
finished d
status e =pending
resident_on r:host
progress f
type s =<none/>
result s
error_info S
other_config M rw
subtask_of r:task
subtasks S:task <-task.subtask_of
backtrace s =()

class session nogetall
uuid s
this_host r:host
this_user r:user
last_active d
pool b
other_config M rw
is_local_superuser b
subject r:subject
validation_time d
auth_user_sid s
auth_user_name s
rbac_permissions S
tasks S:task
parent r:session
originator s
client_certificate b

class secret async
uuid s
value s rw
other_config M rw

class message events
uuid s
name s
priority i
cls e =Host
obj_uuid s
timestamp d
body s
""";
}
