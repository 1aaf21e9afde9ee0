using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>VDI/VBD/VIF record helpers shared by provisioning, clone/copy and the VDI/VBD/VIF handlers. Call under the lock.</summary>
internal static class Disks
{
    private static readonly List<object?> VdiOps = new() { "clone", "snapshot", "copy", "resize", "destroy", "forget", "update", "mirror", "generate_config", "set_on_boot" };

    /// <summary>Thick SM types allocate the whole virtual size; file-based VHD (ext, nfs) start almost empty.</summary>
    public static bool Thick(Rec sr) => sr.Str("type") is "lvm" or "lvmoiscsi" or "lvhdoiscsi" or "lvmohba" or "lvhdohba" or "lvhd";

    /// <summary>SM's SRNoSpace: SR_BACKEND_FAILURE_44 ["", "There is insufficient space", ""].</summary>
    public static void CheckSpace(Db db, Rec sr, long bytes)
    {
        var size = sr.Int("physical_size");
        if (size <= 0 || sr.Str("content_type") == "iso") return;
        var used = Math.Max(sr.Int("physical_utilisation"), db.All("VDI").Where(v => v.Str("SR") == sr.Ref).Sum(v => v.Int("physical_utilisation")));
        if (used + bytes > size) throw new XenApiException("SR_BACKEND_FAILURE_44", "", "There is insufficient space", "");
    }

    public static Rec NewVdi(Db db, Rec sr, string name, string description, long size, string type, Dictionary<string, object?> smConfig,
        bool checkSpace = true, long? physical = null, Dictionary<string, object?>? otherConfig = null, bool sharable = false, bool readOnly = false)
    {
        var phys = physical ?? (Thick(sr) || type == "suspend" ? size : Math.Min(size, 4 * 1024 * 1024));
        if (checkSpace) CheckSpace(db, sr, Thick(sr) ? size : phys);
        var vdi = db.Create("VDI", new Dictionary<string, object?>
        {
            ["name_label"] = name,
            ["name_description"] = description,
            ["SR"] = sr.Ref,
            ["virtual_size"] = size,
            ["physical_utilisation"] = phys,
            ["type"] = type,
            ["sharable"] = sharable,
            ["read_only"] = readOnly,
            ["sm_config"] = smConfig,
            ["other_config"] = otherConfig ?? new Dictionary<string, object?>(),
            ["allowed_operations"] = new List<object?>(VdiOps),
        });
        vdi.Fields["location"] = vdi.Uuid;
        return vdi;
    }

    public static Rec NewVbd(Db db, Rec vm, Rec? vdi, string userdevice, bool bootable, string mode, string type, bool empty,
        Dictionary<string, object?>? otherConfig = null, bool unpluggable = true) =>
        db.Create("VBD", new Dictionary<string, object?>
        {
            ["VM"] = vm.Ref,
            ["VDI"] = vdi?.Ref ?? Wire.NullRef,
            ["userdevice"] = userdevice,
            ["bootable"] = bootable,
            ["mode"] = mode,
            ["type"] = type,
            ["empty"] = empty,
            ["unpluggable"] = unpluggable,
            ["other_config"] = otherConfig ?? new Dictionary<string, object?>(),
            ["allowed_operations"] = new List<object?> { "attach" },
        });

    /// <summary>A locally administered MAC (xapi derives it from a per-VM seed; random is close enough).</summary>
    public static string NewMac()
    {
        var b = Guid.NewGuid().ToByteArray();
        return $"{(b[0] & 0xfc) | 0x02:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}";
    }

    /// <summary>The lowest free numeric userdevice of a VM ("autodetect").</summary>
    public static string FreeUserdevice(Db db, Rec vm)
    {
        var used = db.All("VBD").Where(v => v.Str("VM") == vm.Ref).Select(v => v.Str("userdevice")).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; ; i++)
            if (!used.Contains(i.ToString(System.Globalization.CultureInfo.InvariantCulture))) return i.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
