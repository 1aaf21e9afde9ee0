using System.Collections.Generic;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;

namespace XenHa.Simulator.Farm;

/// <summary>
/// The built-in (default) templates seeded in every pool. Tools convention (simulator only): templates
/// with Tools = true carry other_config "xensim_tools" = "true", so guests cloned from them report
/// VM_guest_metrics (PV drivers, IPs) 5 s after boot; the others (Windows, "Other install media") boot
/// without tools until VM.add_to_other_config(vm, "xensim_tools", "true") — see <see cref="GuestAgent"/>.
/// </summary>
internal static class Templates
{
    private const long GiB = 1024L * 1024 * 1024;
    private const long MiB = 1024L * 1024;

    /// <summary>Name, family, HVM, memory static/dynamic (MiB), static max (MiB), VCPUs, disk GiB, tools.</summary>
    private static readonly (string Name, string Os, bool Hvm, long MinMiB, long MemMiB, long MaxMiB, long Vcpus, int DiskGb, bool Tools, string Description)[] List =
    {
        ("Debian Bookworm 12", "debian", false, 512, 1024, 128 * 1024, 1, 10, true, "Template that allows VM installation from Xen-aware Debian-based distros. To use this template from the CLI, install your VM using vm-install, then set other-config-install-repository to the path to your network repository, e.g. http://<server>/<path> or nfs:server:/<path>"),
        ("CentOS Stream 9", "centos", true, 1024, 2048, 128 * 1024, 2, 10, true, "Template that allows VM installation from Xen-aware EL-based distros. To use this template from the CLI, install your VM using vm-install, then set other-config-install-repository to the path to your network repository, e.g. http://<server>/<path> or nfs:server:/<path>"),
        ("Ubuntu Jammy Jellyfish 22.04", "ubuntu", true, 1024, 2048, 128 * 1024, 2, 10, true, "Template that allows VM installation from Xen-aware Debian-based distros."),
        ("Fedora Linux", "fedora", true, 2048, 2048, 128 * 1024, 2, 20, true, "Template that allows VM installation from install media."),
        ("Windows Server 2022 (64-bit)", "windows", true, 2048, 4096, 1536 * 1024, 2, 32, false, "Clones of this template will automatically provision their storage when first booted and then reconfigure themselves with the optimal settings for Windows Server 2022 (64-bit)."),
        ("Windows 10 (64-bit)", "windows", true, 2048, 4096, 1536 * 1024, 2, 32, false, "Clones of this template will automatically provision their storage when first booted and then reconfigure themselves with the optimal settings for Windows 10 (64-bit)."),
        ("Windows XP SP3 (32-bit)", "windows", true, 256, 256, 4 * 1024, 1, 8, false, "Legacy template for Windows XP SP3 (32-bit)."),
        ("Other install media", "other", true, 256, 256, 128 * 1024, 1, 8, false, "Template which allows VM installation from install media"),
    };

    public static void Seed(Db db)
    {
        foreach (var t in List)
        {
            var windows = t.Os == "windows";
            var linux = t.Os is "debian" or "centos" or "ubuntu" or "fedora";
            var other = new Dictionary<string, object?>
            {
                ["default_template"] = "true",
                ["install-methods"] = windows || t.Os == "other" ? "cdrom" : "cdrom,nfs,http,ftp",
                ["linux_template"] = linux ? "true" : "false",
                ["disks"] = $"<provision><disk device=\"0\" size=\"{t.DiskGb * GiB}\" sr=\"\" bootable=\"true\" type=\"system\"/></provision>",
            };
            if (t.Tools) other[GuestAgent.ToolsKey] = "true";
            if (t.Os == "debian") other["install-distro"] = "debianlike";
            if (t.Os is "centos" or "fedora") other["install-distro"] = "rhlike";
            var platform = new Dictionary<string, object?> { ["nx"] = "true", ["acpi"] = "1", ["apic"] = "true", ["pae"] = "true", ["timeoffset"] = "0" };
            if (t.Hvm) platform["viridian"] = windows ? "true" : "false";
            if (windows) platform["device_id"] = "0002";
            db.Create("VM", new Dictionary<string, object?>
            {
                ["name_label"] = t.Name,
                ["name_description"] = t.Description,
                ["is_a_template"] = true,
                ["is_default_template"] = true,
                ["memory_static_max"] = t.MemMiB * MiB,
                ["memory_dynamic_max"] = t.MemMiB * MiB,
                ["memory_dynamic_min"] = t.MemMiB * MiB,
                ["memory_static_min"] = t.MinMiB * MiB,
                ["VCPUs_max"] = t.Vcpus,
                ["VCPUs_at_startup"] = t.Vcpus,
                ["HVM_boot_policy"] = t.Hvm ? "BIOS order" : "",
                ["HVM_boot_params"] = t.Hvm ? new Dictionary<string, object?> { ["order"] = windows ? "dc" : "cdn" } : new Dictionary<string, object?>(),
                ["PV_bootloader"] = t.Hvm ? "" : "pygrub",
                ["platform"] = platform,
                ["domain_type"] = t.Hvm ? "hvm" : "pv",
                ["other_config"] = other,
                ["recommendations"] = $"<restrictions><restriction field=\"memory-static-max\" max=\"{t.MaxMiB * MiB}\" /><restriction field=\"vcpus-max\" max=\"32\" /><restriction property=\"number-of-vbds\" max=\"255\" /><restriction property=\"number-of-vifs\" max=\"7\" /></restrictions>",
                ["user_version"] = 1L,
                ["memory_overhead"] = 0L,
            });
        }
    }
}
