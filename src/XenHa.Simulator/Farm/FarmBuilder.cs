using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Farm;

/// <summary>Seeds a farm from counts plus a preset, with predictable names (xennode01.., xennode01-vm1..).</summary>
internal static class FarmBuilder
{
    private const long GiB = 1024L * 1024 * 1024;
    private const long MiB = 1024L * 1024;

    public static string HostName(int k) => "xennode" + k.ToString("00", CultureInfo.InvariantCulture);

    /// <summary>Address of host k (1-based): bind base + k - 1.</summary>
    public static string HostAddress(string bindBase, int k)
    {
        var bytes = IPAddress.Parse(bindBase).GetAddressBytes();
        if (bytes.Length != 4) throw new ArgumentException("--bind-base must be an IPv4 address");
        var value = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) + (uint)(k - 1);
        return new IPAddress(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value }).ToString();
    }

    public static void Build(SimFarm farm, string bindBase)
    {
        var o = farm.Options;
        var pooled = o.Preset is "pooled" or "pooled-with-vms";
        lock (farm.Lock)
        {
            Db? shared = null;
            Rec? sharedNet = null;
            for (var k = 1; k <= o.Hosts; k++)
            {
                var db = pooled ? shared ??= farm.NewPoolDb() : farm.NewPoolDb();
                var net = pooled ? sharedNet ??= Network(db) : Network(db);
                var host = Host(farm, db, k, HostAddress(bindBase, k), net);
                if (k == 1 || !pooled)
                {
                    var localSr = db.All("SR").First(s => s.Str("name_label") == "Local storage");
                    db.Create("pool", new Dictionary<string, object?>
                    {
                        ["name_label"] = pooled ? "xenpool" : "",
                        ["master"] = host.Ref,
                        ["default_SR"] = localSr.Ref,
                        ["suspend_image_SR"] = localSr.Ref,
                        ["crash_dump_SR"] = localSr.Ref,
                        ["restrictions"] = Restrictions(),
                        ["cpu_info"] = CpuInfo(o.Cpus),
                        ["telemetry_uuid"] = db.Create("secret", new Dictionary<string, object?> { ["value"] = Wire.NewUuid() }).Ref,
                        ["other_config"] = new Dictionary<string, object?> { ["memory-ratio-hvm"] = "0.25", ["memory-ratio-pv"] = "0.25" },
                    });
                    Templates(db);
                }

                if (o.Preset == "pooled-with-vms")
                {
                    var localSr = LocalSr(db, host);
                    for (var v = 1; v <= o.GuestVmsOn(k); v++) GuestVm(farm, db, host, localSr, net, v);
                }
            }

            foreach (var db in farm.Pools)
            {
                foreach (var h in db.All("host").ToList()) HostHandlers.UpdateFreeMemory(db, h);
                foreach (var vm in db.All("VM").ToList()) VmOps.Recompute(db, vm);
            }
        }
    }

    internal static Rec Network(Db db) => db.Create("network", new Dictionary<string, object?>
    {
        ["name_label"] = "Pool-wide network associated with eth0",
        ["bridge"] = "xenbr0",
        ["MTU"] = 1500L,
        ["other_config"] = new Dictionary<string, object?> { ["automatic"] = "true" },
    });

    private static (string Product, string Platform, string Brand, string Xapi, string Name) Version(string api) => api switch
    {
        "1.7" => ("5.6.0", "0.0.0", "XenServer", "1.3", "midnight-ride"),
        "2.15" => ("8.2.1", "3.2.1", "Citrix Hypervisor", "1.249", "stockholm"),
        _ => ("8.4.0", "3.4.0", "XenServer", "24.39", "nile"),
    };

    internal static Dictionary<string, object?> CpuInfo(int cpus) => new()
    {
        ["cpu_count"] = cpus.ToString(CultureInfo.InvariantCulture),
        ["socket_count"] = "1",
        ["vendor"] = "GenuineIntel",
        ["speed"] = "2999.998",
        ["modelname"] = "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz",
        ["family"] = "6",
        ["model"] = "85",
        ["stepping"] = "7",
        ["flags"] = "fpu de tsc msr pae mce cx8 apic sep mca cmov pat clflush mmx fxsr sse sse2 ht syscall nx lm",
        ["features_pv"] = "1fc9cbf5-f6f83203-2991cbf5-00000123-00000007-219c07a9-00000000-00000000-00001000-9c000400-00000000-00000000-00000000-00000000-00000000-00000000-00000000-00000000",
        ["features_hvm"] = "1fcbfbff-f7fa3223-2d93fbff-00000523-0000000f-219c07ab-0000000c-00000000-00101000-bc004400-00000000-00000000-00000000-00000000-00000000-00000000-00000000-00000000",
    };

    internal static Dictionary<string, object?> Restrictions() => new()
    {
        ["restrict_xen_motion"] = "false",
        ["restrict_pool_size"] = "false",
        ["enable_xha"] = "true",
        ["restrict_marathon"] = "false",
        ["restrict_wlb"] = "false",
        ["restrict_rbac"] = "false",
        ["restrict_storage_xen_motion"] = "false",
    };

    internal static Rec Host(SimFarm farm, Db db, int k, string address, Rec net)
    {
        var o = farm.Options;
        var v = Version(o.ApiVersion);
        var parts = o.ApiVersion.Split('.');
        var name = HostName(k);
        var now = farm.Clock.UtcNow;
        var software = new Dictionary<string, object?>
        {
            ["product_version"] = v.Product,
            ["product_version_text"] = v.Product.Substring(0, v.Product.LastIndexOf('.')),
            ["product_version_text_short"] = v.Product.Substring(0, v.Product.LastIndexOf('.')),
            ["platform_name"] = "XCP",
            ["platform_version"] = v.Platform,
            ["product_brand"] = v.Brand,
            ["build_number"] = "xensim",
            ["git_id"] = "0",
            ["hostname"] = name,
            ["date"] = "2025-01-01",
            ["dbv"] = "2025.0101",
            ["xapi"] = v.Xapi,
            ["xapi_build"] = v.Xapi + ".0",
            ["xen"] = "4.17.5",
            ["linux"] = "4.19.0+1",
            ["xencenter_min"] = o.ApiVersion,
            ["xencenter_max"] = o.ApiVersion,
            ["network_backend"] = "openvswitch",
            ["db_schema"] = "5.780",
        };
        var metrics = db.Create("host_metrics", new Dictionary<string, object?>
        {
            ["memory_total"] = o.MemoryGb * GiB,
            ["memory_free"] = o.MemoryGb * GiB,
            ["live"] = true,
            ["last_updated"] = now,
        });
        var host = db.Create("host", new Dictionary<string, object?>
        {
            ["name_label"] = name,
            ["name_description"] = "Default install",
            ["memory_overhead"] = 640 * MiB,
            ["API_version_major"] = long.Parse(parts[0], CultureInfo.InvariantCulture),
            ["API_version_minor"] = long.Parse(parts[1], CultureInfo.InvariantCulture),
            ["enabled"] = true,
            ["software_version"] = software,
            ["capabilities"] = new List<object?> { "xen-3.0-x86_64", "hvm-3.0-x86_32", "hvm-3.0-x86_32p", "hvm-3.0-x86_64" },
            ["supported_bootloaders"] = new List<object?> { "pygrub", "eliloader" },
            ["cpu_info"] = CpuInfo(o.Cpus),
            ["cpu_configuration"] = new Dictionary<string, object?>(),
            ["hostname"] = name,
            ["address"] = address,
            ["metrics"] = metrics.Ref,
            ["license_params"] = new Dictionary<string, object?> { ["sku_type"] = "xenserver-premium", ["expiry"] = "30000101T00:00:00Z" },
            ["bios_strings"] = new Dictionary<string, object?> { ["bios-vendor"] = "xensim", ["system-manufacturer"] = "xensim", ["system-product-name"] = "Simulated host" },
            ["other_config"] = new Dictionary<string, object?> { ["boot_time"] = "1735689600.0", ["agent_start_time"] = "1735689600.0" },
            ["virtual_hardware_platform_versions"] = new List<object?> { 0L, 1L, 2L },
            ["editions"] = new List<object?> { "xenserver-premium", "xenserver-standard", "xenserver-trial" },
            ["iscsi_iqn"] = $"iqn.2025-01.com.example:{name}",
            ["tls_verification_enabled"] = true,
            ["allowed_operations"] = new List<object?> { "provision", "evacuate", "shutdown", "reboot", "vm_start", "vm_resume", "vm_migrate" },
        });
        var mac = $"02:00:00:00:{k / 256:x2}:{k % 256:x2}";
        db.Create("PIF", new Dictionary<string, object?>
        {
            ["device"] = "eth0",
            ["network"] = net.Ref,
            ["host"] = host.Ref,
            ["MAC"] = mac,
            ["physical"] = true,
            ["currently_attached"] = true,
            ["ip_configuration_mode"] = "Static",
            ["IP"] = address,
            ["netmask"] = address.StartsWith("127.", StringComparison.Ordinal) ? "255.0.0.0" : "255.255.255.0",
            ["management"] = true,
            ["capabilities"] = new List<object?> { "fcoe" },
            ["properties"] = new Dictionary<string, object?> { ["gro"] = "on" },
        });
        var local = db.Create("SR", new Dictionary<string, object?>
        {
            ["name_label"] = "Local storage",
            ["type"] = "ext",
            ["content_type"] = "user",
            ["physical_size"] = 1024 * GiB,
            ["allowed_operations"] = SrOps(),
            ["other_config"] = new Dictionary<string, object?> { ["i18n-key"] = "local-storage", ["i18n-original-value-name_label"] = "Local storage" },
            ["sm_config"] = new Dictionary<string, object?> { ["devserial"] = "scsi-xensim" + k.ToString(CultureInfo.InvariantCulture) },
        });
        db.Create("PBD", new Dictionary<string, object?>
        {
            ["host"] = host.Ref,
            ["SR"] = local.Ref,
            ["device_config"] = new Dictionary<string, object?> { ["device"] = "/dev/sda3" },
            ["currently_attached"] = true,
        });
        var dvd = db.Create("SR", new Dictionary<string, object?>
        {
            ["name_label"] = "DVD drives",
            ["name_description"] = "Physical DVD drives",
            ["type"] = "udev",
            ["content_type"] = "iso",
            ["allowed_operations"] = new List<object?> { "forget", "scan", "plug", "unplug", "update" },
            ["other_config"] = new Dictionary<string, object?> { ["i18n-key"] = "local-hotplug-cd" },
            ["sm_config"] = new Dictionary<string, object?> { ["type"] = "cd" },
        });
        db.Create("PBD", new Dictionary<string, object?>
        {
            ["host"] = host.Ref,
            ["SR"] = dvd.Ref,
            ["device_config"] = new Dictionary<string, object?> { ["location"] = "/dev/xapi/cd" },
            ["currently_attached"] = true,
        });
        host.Fields["suspend_image_sr"] = local.Ref;
        host.Fields["crash_dump_sr"] = local.Ref;

        var dom0 = NewVm(farm, db, $"Control domain on host: {name}", 4 * GiB, o.Cpus, "pv");
        dom0.Fields["name_description"] = "The domain which manages physical devices and manages other domains";
        dom0.Fields["is_control_domain"] = true;
        dom0.Fields["domid"] = 0L;
        dom0.Fields["memory_overhead"] = 0L;
        dom0.Fields["other_config"] = new Dictionary<string, object?> { ["storage_driver_domain"] = dom0.Ref, ["is_system_domain"] = "true" };
        SetRunning(farm, db, dom0, host);
        db.Set(host, "control_domain", dom0.Ref);
        return host;
    }

    private static List<object?> SrOps() => new()
    {
        "vdi_enable_cbt", "vdi_list_changed_blocks", "unplug", "plug", "pbd_create", "vdi_disable_cbt", "update", "pbd_destroy",
        "vdi_resize", "vdi_clone", "vdi_data_destroy", "scan", "vdi_snapshot", "vdi_mirror", "vdi_create", "vdi_destroy", "vdi_set_on_boot",
    };

    private static Rec NewVm(SimFarm farm, Db db, string name, long memory, long vcpus, string domainType)
    {
        var metrics = db.Create("VM_metrics", new Dictionary<string, object?>
        {
            ["memory_actual"] = 0L,
            ["VCPUs_number"] = 0L,
            ["install_time"] = farm.Clock.UtcNow,
            ["last_updated"] = farm.Clock.UtcNow,
            ["current_domain_type"] = "unspecified",
        });
        return db.Create("VM", new Dictionary<string, object?>
        {
            ["name_label"] = name,
            ["power_state"] = "Halted",
            ["memory_static_max"] = memory,
            ["memory_dynamic_max"] = memory,
            ["memory_dynamic_min"] = memory,
            ["memory_static_min"] = Math.Min(memory, 512 * MiB),
            ["memory_target"] = 0L,
            ["memory_overhead"] = 12 * MiB,
            ["VCPUs_max"] = vcpus,
            ["VCPUs_at_startup"] = vcpus,
            ["HVM_boot_policy"] = domainType == "hvm" ? "BIOS order" : "",
            ["HVM_boot_params"] = domainType == "hvm" ? new Dictionary<string, object?> { ["order"] = "cdn" } : new Dictionary<string, object?>(),
            ["PV_bootloader"] = domainType == "pv" ? "pygrub" : "",
            ["platform"] = new Dictionary<string, object?> { ["timeoffset"] = "0", ["nx"] = "true", ["acpi"] = "1", ["apic"] = "true", ["pae"] = "true", ["viridian"] = domainType == "hvm" ? "true" : "false" },
            ["metrics"] = metrics.Ref,
            ["domain_type"] = domainType,
            ["user_version"] = 1L,
            ["hardware_platform_version"] = 0L,
            ["generation_id"] = "",
        });
    }

    /// <summary>Puts a VM in Running on a host with its metrics. Call under the farm lock.</summary>
    public static void SetRunning(SimFarm farm, Db db, Rec vm, Rec host, long? domid = null)
    {
        db.Set(vm, "power_state", "Running");
        db.Set(vm, "resident_on", host.Ref);
        // The farm builder passes domid: counting the residents for each of 10,000 VMs is quadratic.
        if (!vm.Bool("is_control_domain")) db.Set(vm, "domid", domid ?? (long)(db.All("VM").Count(x => x.Str("resident_on") == host.Ref) + 1));
        var m = db.Get("VM_metrics", vm.Str("metrics"));
        m.Fields["memory_actual"] = vm.Int("memory_dynamic_max");
        m.Fields["VCPUs_number"] = vm.Int("VCPUs_at_startup");
        m.Fields["state"] = new List<object?> { "running" };
        m.Fields["start_time"] = farm.Clock.UtcNow;
        m.Fields["last_updated"] = farm.Clock.UtcNow;
        m.Fields["hvm"] = vm.Str("domain_type") == "hvm";
        m.Fields["current_domain_type"] = vm.Str("domain_type");
        db.Touch(m);
    }

    /// <summary>Seeds the built-in templates (see Farm/Templates.cs).</summary>
    internal static void Templates(Db db) => XenHa.Simulator.Farm.Templates.Seed(db);

    private static Rec LocalSr(Db db, Rec host) =>
        db.All("SR").First(s => s.Str("name_label") == "Local storage" && db.All("PBD").Any(p => p.Str("SR") == s.Ref && p.Str("host") == host.Ref));

    private static void GuestVm(SimFarm farm, Db db, Rec host, Rec sr, Rec net, int v)
    {
        var running = v % 2 == 1;
        var linux = v % 2 == 1;
        var name = $"{host.Str("name_label")}-vm{v}";
        var vm = NewVm(farm, db, name, 2 * GiB, 2, linux ? "pv" : "hvm");
        vm.Fields["affinity"] = host.Ref;
        vm.Fields["other_config"] = new Dictionary<string, object?> { ["base_template_name"] = linux ? "Debian Bookworm 12" : "Windows Server 2022 (64-bit)" };
        if (linux) vm.Map("other_config")[GuestAgent.ToolsKey] = "true";
        var vdi = db.Create("VDI", new Dictionary<string, object?>
        {
            ["name_label"] = name + " disk 0",
            ["name_description"] = "Created by template provisioner",
            ["SR"] = sr.Ref,
            ["virtual_size"] = 20 * GiB,
            ["physical_utilisation"] = 4 * GiB,
            ["type"] = "system",
            ["location"] = Wire.NewUuid(),
            ["sm_config"] = new Dictionary<string, object?> { ["vmhint"] = vm.Uuid },
            ["allowed_operations"] = new List<object?> { "clone", "snapshot", "copy", "resize", "destroy", "forget", "update", "mirror", "generate_config", "set_on_boot" },
        });
        vdi.Fields["location"] = vdi.Uuid;
        db.Set(sr, "virtual_allocation", sr.Int("virtual_allocation") + 20 * GiB);
        db.Set(sr, "physical_utilisation", sr.Int("physical_utilisation") + 4 * GiB);
        db.Create("VBD", new Dictionary<string, object?>
        {
            ["VM"] = vm.Ref,
            ["VDI"] = vdi.Ref,
            ["device"] = running ? "xvda" : "",
            ["userdevice"] = "0",
            ["bootable"] = true,
            ["mode"] = "RW",
            ["type"] = "Disk",
            ["currently_attached"] = running,
            ["allowed_operations"] = new List<object?> { "attach" },
        });
        db.Create("VIF", new Dictionary<string, object?>
        {
            ["device"] = "0",
            ["network"] = net.Ref,
            ["VM"] = vm.Ref,
            ["MAC"] = $"de:ad:be:ef:{db.Count("VIF") / 256:x2}:{db.Count("VIF") % 256:x2}",
            ["MAC_autogenerated"] = true,
            ["currently_attached"] = running,
            ["allowed_operations"] = new List<object?> { "attach" },
        });
        if (!running) return;
        // Resident before this guest: dom0 and the (v - 1) / 2 running guests created before it.
        SetRunning(farm, db, vm, host, 2 + (v - 1) / 2);
        var ip = $"10.0.{db.Count("VM_guest_metrics") / 250}.{db.Count("VM_guest_metrics") % 250 + 10}";
        var gm = db.Create("VM_guest_metrics", new Dictionary<string, object?>
        {
            ["os_version"] = new Dictionary<string, object?> { ["name"] = "Debian GNU/Linux 12 (bookworm)", ["distro"] = "debian", ["uname"] = "6.1.0-18-amd64", ["major"] = "12", ["minor"] = "0" },
            ["PV_drivers_version"] = new Dictionary<string, object?> { ["major"] = "8", ["minor"] = "4", ["micro"] = "0", ["build"] = "1" },
            ["PV_drivers_up_to_date"] = true,
            ["PV_drivers_detected"] = true,
            ["networks"] = new Dictionary<string, object?> { ["0/ip"] = ip, ["0/ipv4/0"] = ip },
            ["other"] = new Dictionary<string, object?>
            {
                ["feature-shutdown"] = "1", ["feature-poweroff"] = "1", ["feature-reboot"] = "1", ["feature-suspend"] = "1",
                ["feature-vcpu-hotplug"] = "1", ["feature-balloon"] = "1", ["feature-static-ip-setting"] = "1", ["has-vendor-device"] = "0",
            },
            ["live"] = true,
            ["can_use_hotplug_vbd"] = "yes",
            ["can_use_hotplug_vif"] = "yes",
            ["last_updated"] = farm.Clock.UtcNow,
        });
        db.Set(vm, "guest_metrics", gm.Ref);
    }
}
