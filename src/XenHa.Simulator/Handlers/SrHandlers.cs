using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Storage;

namespace XenHa.Simulator.Handlers;

/// <summary>SR.* and secret.* (reference §3.9, §5): create/probe/introduce/forget/destroy on the farm's back-ends.</summary>
internal static class SrHandlers
{
    private static readonly List<object?> SharedSrOps = new()
    {
        "unplug", "plug", "pbd_create", "update", "pbd_destroy", "vdi_resize", "vdi_clone", "scan", "vdi_snapshot", "vdi_mirror",
        "vdi_create", "vdi_destroy", "vdi_set_on_boot", "vdi_enable_cbt", "vdi_disable_cbt", "vdi_data_destroy", "vdi_list_changed_blocks", "forget", "destroy",
    };

    public static void Register(MethodTable t)
    {
        t.Add("SR.create", 8, Create, async: true, optional: 1);
        t.Add("SR.probe", 3, call =>
        {
            _ = call.Obj("host", 0);
            var type = KnownType(call.Str(2));
            if (call.Has(3)) _ = call.Map(3);
            return Sm.Probe(call.Farm.Storage, type, Resolve(call.Db, StrMap(call.Map(1))));
        }, async: true, optional: 1);
        t.Add("SR.probe_ext", 4, ProbeExt, async: true);
        t.Add("SR.introduce", 6, Introduce, async: true, optional: 1);
        t.Add("SR.forget", 1, call => { Forget(call, destroy: false); return null; }, async: true);
        t.Add("SR.destroy", 1, call => { Forget(call, destroy: true); return null; }, async: true);
        t.Add("SR.scan", 1, call => { Scan(call); return null; }, async: true);
        t.Add("SR.update", 1, call => { Scan(call); return null; }, async: true);
        t.Add("SR.get_supported_types", 0, _ => Sm.SupportedTypes.Select(x => (object?)x).ToList(), async: true);
        t.Add("SR.set_shared", 2, call => { call.Db.Set(call.Obj("SR", 0), "shared", call.Bool(1)); return null; }, async: true);
        t.Add("SR.set_name_label", 2, call => { call.Db.Set(call.Obj("SR", 0), "name_label", call.Str(1)); return null; }, async: true);
        t.Add("SR.set_name_description", 2, call => { call.Db.Set(call.Obj("SR", 0), "name_description", call.Str(1)); return null; }, async: true);
        t.Add("SR.set_physical_size", 2, call => { call.Db.Set(call.Obj("SR", 0), "physical_size", call.Long(1)); return null; });
        t.Add("SR.assert_can_host_ha_statefile", 1, AssertCanHostHaStatefile, async: true);

        // Sizes are derived from the VDIs whenever an SR record is read (VDIs come and go in other handlers).
        foreach (var name in new[] { "SR.get_record", "SR.get_all_records", "SR.get_all_records_where", "SR.get_physical_utilisation", "SR.get_virtual_allocation", "SR.get_physical_size" })
        {
            if (!t.TryGet(name, out var prev)) continue;
            t.Add(name, prev.Required, call => { RefreshAll(call.Farm, call.Db); return prev.Body(call); }, prev.Session, prev.Async, prev.Optional);
        }

        t.Add("secret.create", 1, call =>
        {
            var args = call.Map(0);
            var value = args.TryGetValue("value", out var v) ? Wire.AsString(v) : throw new XenApiException("FIELD_TYPE_ERROR", "value");
            var oc = args.TryGetValue("other_config", out var o) ? StrMap(Wire.AsStruct(o)) : new Dictionary<string, string>();
            return call.Db.Create("secret", new Dictionary<string, object?> { ["value"] = value, ["other_config"] = ToObj(oc) }).Ref;
        }, async: true);
        t.Add("secret.introduce", 3, call =>
        {
            var uuid = call.Str(0);
            if (call.Db.ByUuid("secret", uuid) is not null) throw new XenApiException("UUID_ALREADY_EXISTS", "secret", uuid);
            var rec = call.Db.Create("secret", new Dictionary<string, object?> { ["value"] = call.Str(1), ["other_config"] = ToObj(StrMap(call.Map(2))) });
            rec.Fields["uuid"] = uuid;
            return rec.Ref;
        }, async: true);
        t.Add("secret.destroy", 1, call => { call.Db.Delete(call.Obj("secret", 0)); return null; }, async: true);
    }

    // ------------------------------------------------------------------ helpers

    public static Dictionary<string, string> StrMap(Dictionary<string, object?> m) =>
        m.ToDictionary(kv => kv.Key, kv => Wire.AsString(kv.Value), StringComparer.Ordinal);

    private static Dictionary<string, object?> ToObj(Dictionary<string, string> m) =>
        m.ToDictionary(kv => kv.Key, kv => (object?)kv.Value, StringComparer.Ordinal);

    private static string KnownType(string type) =>
        Sm.SupportedTypes.Contains(type) ? type : throw new XenApiException("SR_UNKNOWN_DRIVER", type);

    /// <summary>device_config as the driver sees it: &lt;key&gt;_secret replaced by &lt;key&gt; = the secret's value.</summary>
    public static Dictionary<string, string> Resolve(Db db, Dictionary<string, string> dc)
    {
        var r = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in dc)
        {
            if (k.EndsWith("_secret", StringComparison.Ordinal) && k.Length > 7)
            {
                var secret = db.ByUuid("secret", v) ?? (v.StartsWith("OpaqueRef:", StringComparison.Ordinal) ? db.TryGet("secret", v) : null);
                r[k.Substring(0, k.Length - 7)] = secret?.Str("value") ?? "";
            }
            else r[k] = v;
        }

        return r;
    }

    /// <summary>Xapi_secret.duplicate_passwds: every key ending in "password" becomes &lt;key&gt;_secret = uuid of a new secret.</summary>
    public static Dictionary<string, string> MoveSecrets(Db db, Dictionary<string, string> dc, List<Rec> created)
    {
        var r = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in dc)
        {
            if (k.EndsWith("password", StringComparison.Ordinal))
            {
                var s = db.Create("secret", new Dictionary<string, object?> { ["value"] = v });
                created.Add(s);
                r[k + "_secret"] = s.Uuid;
            }
            else r[k] = v;
        }

        return r;
    }

    /// <summary>Xapi_secret.clean_out_passwds: the secrets a PBD's device_config refers to are destroyed with it.</summary>
    public static void CleanSecrets(Db db, Rec pbd)
    {
        foreach (var (k, v) in pbd.Map("device_config"))
            if (k.EndsWith("_secret", StringComparison.Ordinal) && v is string u && db.ByUuid("secret", u) is { } s)
                db.Delete(s);
    }

    private static bool ScsiInUse(Db db, string scsiId, string exceptSr) =>
        db.All("PBD").Any(p => p.Str("SR") != exceptSr && p.Map("device_config").TryGetValue("SCSIid", out var v) && v as string == scsiId)
        || db.All("SR").Any(s => s.Ref != exceptSr && (s.Map("sm_config").TryGetValue("SCSIid", out var v) && v as string == scsiId
                                                      || s.Map("sm_config").ContainsKey("scsi-" + scsiId)));

    private static Rec PbdOrderFirst(Db db, Rec sr)
    {
        var master = SimFarm.Coordinator(db).Ref;
        return db.All("PBD").Where(p => p.Str("SR") == sr.Ref).OrderBy(p => p.Str("host") == master ? 0 : 1).FirstOrDefault()
               ?? throw new XenApiException("SR_HAS_NO_PBDS", sr.Ref);
    }

    // ------------------------------------------------------------------ create / introduce

    private static object? Create(Call call)
    {
        var db = call.Db;
        var host = call.Obj("host", 0);
        var dcIn = StrMap(call.Map(1));
        _ = call.Long(2);
        var name = call.Str(3);
        var description = call.Str(4);
        var type = KnownType(call.Str(5));
        var contentType = call.Str(6);
        var shared = call.Bool(7);
        var smConfig = call.Has(8) ? StrMap(call.Map(8)) : new Dictionary<string, string>();

        var secrets = new List<Rec>();
        var dc = MoveSecrets(db, dcIn, secrets);
        var sr = db.Create("SR", new Dictionary<string, object?>
        {
            ["name_label"] = name,
            ["name_description"] = description,
            ["type"] = type,
            ["content_type"] = contentType,
            ["shared"] = shared,
            ["sm_config"] = ToObj(smConfig),
            ["allowed_operations"] = new List<object?>(SharedSrOps),
        });
        var hosts = shared
            ? db.All("host").OrderBy(h => h.Ref == SimFarm.Coordinator(db).Ref ? 0 : 1).ThenBy(h => h.Str("name_label"), StringComparer.Ordinal).ToList()
            : new List<Rec> { host };
        var pbds = hosts.Select(h => db.Create("PBD", new Dictionary<string, object?>
        {
            ["host"] = h.Ref,
            ["SR"] = sr.Ref,
            ["device_config"] = ToObj(dc),
        })).ToList();
        try
        {
            var resolved = Resolve(db, dc);
            Sm.Create(call.Farm.Storage, type, resolved, sr.Uuid, scsi => ScsiInUse(db, scsi, sr.Ref));
            if (type is "lvmoiscsi" or "lvhdoiscsi")
            {
                var sm = sr.Map("sm_config");
                sm["allocation"] = "thick";
                sm["use_vhd"] = "true";
                sm["devserial"] = "scsi-" + resolved["SCSIid"];
                sm["multipathable"] = "true";
            }
            else if (type == "iso" && resolved.TryGetValue("type", out var isoType))
            {
                sr.Map("sm_config")["iso_type"] = isoType;
            }

            foreach (var p in pbds) Plug(call.Farm, db, p);
        }
        catch (XenApiException)
        {
            foreach (var p in pbds) if (db.TryGet("PBD", p.Ref) is not null) db.Delete(p);
            foreach (var v in db.All("VDI").Where(v => v.Str("SR") == sr.Ref).ToList()) db.Delete(v);
            db.Delete(sr);
            foreach (var s in secrets) db.Delete(s);
            throw;
        }

        Refresh(call.Farm, db, sr);
        return sr.Ref;
    }

    private static object? Introduce(Call call)
    {
        var db = call.Db;
        var uuid = call.Str(0);
        if (db.ByUuid("SR", uuid) is not null) throw new XenApiException("SR_UUID_EXISTS", uuid);
        var sr = db.Create("SR", new Dictionary<string, object?>
        {
            ["name_label"] = call.Str(1),
            ["name_description"] = call.Str(2),
            ["type"] = call.Str(3),
            ["content_type"] = call.Str(4),
            ["shared"] = call.Bool(5),
            ["sm_config"] = call.Has(6) ? ToObj(StrMap(call.Map(6))) : new Dictionary<string, object?>(),
            ["allowed_operations"] = new List<object?>(SharedSrOps),
        });
        sr.Fields["uuid"] = uuid;
        return sr.Ref;
    }

    private static object? ProbeExt(Call call)
    {
        _ = call.Obj("host", 0);
        var dcIn = StrMap(call.Map(1));
        var type = KnownType(call.Str(2));
        _ = call.Map(3);
        var dc = Resolve(call.Db, dcIn);
        var xml = Sm.Probe(call.Farm.Storage, type, dc);
        var uuids = System.Xml.Linq.XDocument.Parse(xml).Root!.Elements("SR").Select(e => e.Element("UUID")!.Value).ToList();
        var result = new List<object?>();
        foreach (var uuid in uuids)
        {
            long total = 0, used = 0;
            if (type == "nfs")
            {
                var export = call.Farm.Storage.FindNfs(dc["server"])!.Export(dc["serverpath"])!;
                total = export.Capacity;
                used = export.Srs.Values.Sum(s => s.Vdis.Sum(v => v.PhysicalUtilisation));
            }
            else if (call.Farm.Storage.Iscsi.SelectMany(t => t.Luns).FirstOrDefault(l => l.Sr?.Uuid == uuid) is { } lun)
            {
                total = Sm.LvmSize(lun);
                used = lun.Sr!.Vdis.Sum(v => v.VirtualSize);
            }

            var known = call.Db.ByUuid("SR", uuid);
            result.Add(new Dictionary<string, object?>
            {
                ["configuration"] = ToObj(dcIn),
                ["complete"] = true,
                ["sr"] = new Dictionary<string, object?>
                {
                    ["uuid"] = uuid,
                    ["name_label"] = known?.Str("name_label") ?? "",
                    ["name_description"] = known?.Str("name_description") ?? "",
                    ["free_space"] = total - used,
                    ["total_space"] = total,
                    ["clustered"] = false,
                    ["health"] = "healthy",
                },
                ["extra_info"] = new Dictionary<string, object?>(),
            });
        }

        return result;
    }

    // ------------------------------------------------------------------ plug / attach (used by PBD.plug, SR.create, pool.join)

    /// <summary>Attaches a PBD: the driver checks the back-end; the first plug of an introduced SR finds its VDIs again.</summary>
    public static void Plug(SimFarm farm, Db db, Rec pbd)
    {
        if (pbd.Bool("currently_attached")) return;
        var sr = db.Get("SR", pbd.Str("SR"));
        if (!sr.Bool("shared") && db.All("PBD").FirstOrDefault(p => p.Str("SR") == sr.Ref && p.Ref != pbd.Ref && p.Bool("currently_attached")) is { } other)
            throw new XenApiException("SR_NOT_SHARABLE", sr.Ref, other.Str("host"));
        var type = sr.Str("type");
        if (!Sm.SupportedTypes.Contains(type)) throw new XenApiException("SR_UNKNOWN_DRIVER", type);
        var (size, stored, isos) = Sm.Attach(farm.Storage, type, Resolve(db, StrMap(pbd.Map("device_config"))), sr.Uuid);
        if (size >= 0 && sr.Int("physical_size") != size) db.Set(sr, "physical_size", size);
        if (stored is not null)
        {
            foreach (var v in stored.Vdis)
                if (db.ByUuid("VDI", v.Uuid) is null) NewVdi(db, sr, v.Uuid, v.NameLabel, v.NameDescription, v.VirtualSize, v.PhysicalUtilisation, v.Type, v.Uuid);
        }

        if (isos is not null)
        {
            foreach (var (file, bytes) in isos)
            {
                var uuid = NameUuid(sr.Uuid + "/" + file);
                if (db.ByUuid("VDI", uuid) is null) NewVdi(db, sr, uuid, file, "", bytes, bytes, "user", file, readOnly: true);
            }
        }

        db.Set(pbd, "currently_attached", true);
        Refresh(farm, db, sr);
    }

    private static void NewVdi(Db db, Rec sr, string uuid, string name, string description, long size, long used, string type, string location, bool readOnly = false)
    {
        var vdi = db.Create("VDI", new Dictionary<string, object?>
        {
            ["name_label"] = name,
            ["name_description"] = description,
            ["SR"] = sr.Ref,
            ["virtual_size"] = size,
            ["physical_utilisation"] = used,
            ["type"] = type,
            ["location"] = location,
            ["read_only"] = readOnly,
            ["sharable"] = readOnly,
            ["allowed_operations"] = readOnly
                ? new List<object?> { "forget", "destroy", "update", "copy" }
                : new List<object?> { "clone", "snapshot", "copy", "resize", "destroy", "forget", "update", "mirror", "generate_config", "set_on_boot" },
        });
        vdi.Fields["uuid"] = uuid;
    }

    private static string NameUuid(string name)
    {
        var h = MD5.HashData(Encoding.UTF8.GetBytes(name));
        h[6] = (byte)((h[6] & 0x0f) | 0x30);
        h[8] = (byte)((h[8] & 0x3f) | 0x80);
        var s = Convert.ToHexString(h).ToLowerInvariant();
        return $"{s[..8]}-{s[8..12]}-{s[12..16]}-{s[16..20]}-{s[20..]}";
    }

    /// <summary>Copies the SR's current VDIs onto its back-end (what a reattach will find).</summary>
    public static void SaveToBackend(SimFarm farm, Db db, Rec sr)
    {
        if (farm.Storage.FindSr(sr.Uuid) is not { } stored) return;
        stored.Vdis = db.All("VDI").Where(v => v.Str("SR") == sr.Ref && !v.Bool("is_a_snapshot") || v.Str("SR") == sr.Ref && v.Bool("is_a_snapshot"))
            .Select(v => new StoredVdi(v.Uuid, v.Str("name_label"), v.Str("name_description"), v.Int("virtual_size"), v.Int("physical_utilisation"), v.Str("type")))
            .ToList();
    }

    /// <summary>virtual_allocation / physical_utilisation from the VDIs (and the export's other SRs for NFS).</summary>
    public static void Refresh(SimFarm farm, Db db, Rec sr)
    {
        var type = sr.Str("type");
        if (type == "udev") return;
        var vdis = db.All("VDI").Where(v => v.Str("SR") == sr.Ref).ToList();
        var virt = vdis.Sum(v => v.Int("virtual_size"));
        var used = type switch
        {
            "lvmoiscsi" or "lvhdoiscsi" or "lvm" => virt + (vdis.Count > 0 ? 4L * 1024 * 1024 : 0),
            "nfs" => vdis.Sum(v => v.Int("physical_utilisation")) + Sm.OtherUsage(farm.Storage, sr.Uuid),
            _ => vdis.Sum(v => v.Int("physical_utilisation")),
        };
        if (type == "iso" && sr.Int("physical_size") != 0) db.Set(sr, "physical_size", 0L);
        if (sr.Int("virtual_allocation") != virt) db.Set(sr, "virtual_allocation", virt);
        if (sr.Int("physical_utilisation") != used) db.Set(sr, "physical_utilisation", used);
    }

    private static void RefreshAll(SimFarm farm, Db db)
    {
        foreach (var sr in db.All("SR").ToList()) Refresh(farm, db, sr);
    }

    // ------------------------------------------------------------------ scan / forget / destroy / HA

    private static void Scan(Call call)
    {
        var sr = call.Obj("SR", 0);
        if (!call.Db.All("PBD").Any(p => p.Str("SR") == sr.Ref && p.Bool("currently_attached"))) throw new XenApiException("SR_HAS_NO_PBDS", sr.Ref);
        SaveToBackend(call.Farm, call.Db, sr);
        Refresh(call.Farm, call.Db, sr);
    }

    private static void Forget(Call call, bool destroy)
    {
        var db = call.Db;
        var sr = call.Obj("SR", 0);
        var pbds = db.All("PBD").Where(p => p.Str("SR") == sr.Ref).ToList();
        if (pbds.Any(p => p.Bool("currently_attached"))) throw new XenApiException("SR_HAS_PBD", sr.Ref);
        if (destroy)
        {
            if (sr.Map("other_config").TryGetValue("indestructible", out var ind) && ind as string == "true")
                throw new XenApiException("SR_INDESTRUCTIBLE", sr.Ref);
            if (pbds.Count == 0) throw new XenApiException("SR_HAS_NO_PBDS", sr.Ref);
            Sm.Delete(call.Farm.Storage, sr.Str("type"), Resolve(db, StrMap(PbdOrderFirst(db, sr).Map("device_config"))), sr.Uuid);
        }
        else
        {
            SaveToBackend(call.Farm, db, sr);
        }

        foreach (var v in db.All("VDI").Where(v => v.Str("SR") == sr.Ref).ToList()) db.Delete(v);
        foreach (var p in pbds) { CleanSecrets(db, p); db.Delete(p); }
        var pool = SimFarm.Pool(db);
        db.Delete(sr);
        _ = pool;
    }

    private static object? AssertCanHostHaStatefile(Call call)
    {
        var db = call.Db;
        var sr = call.Obj("SR", 0);
        var pbds = db.All("PBD").Where(p => p.Str("SR") == sr.Ref).ToList();
        if (db.All("host").Any(h => pbds.All(p => p.Str("host") != h.Ref))) throw new XenApiException("SR_HAS_NO_PBDS", sr.Ref);
        if (pbds.Any(p => !p.Bool("currently_attached"))) throw new XenApiException("SR_HAS_NO_PBDS", sr.Ref);
        if (sr.Str("type") is "iso" or "udev") throw new XenApiException("SR_OPERATION_NOT_SUPPORTED", sr.Ref);
        return null;
    }
}
