using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>PBD.* (reference §3.10; checks as in xapi_pbd.ml).</summary>
internal static class PbdHandlers
{
    public static void Register(MethodTable t)
    {
        t.Add("PBD.create", 1, Create, async: true);
        t.Add("PBD.plug", 1, call => { SrHandlers.Plug(call.Farm, call.Db, call.Obj("PBD", 0)); return null; }, async: true);
        t.Add("PBD.unplug", 1, Unplug, async: true);
        t.Add("PBD.destroy", 1, call =>
        {
            var pbd = call.Obj("PBD", 0);
            if (pbd.Bool("currently_attached")) throw new XenApiException("OPERATION_NOT_ALLOWED", "PBD is currently attached");
            call.Db.Delete(pbd);
            SrHandlers.CleanSecrets(call.Db, pbd);
            return null;
        }, async: true);
        t.Add("PBD.set_device_config", 2, call =>
        {
            var pbd = call.Obj("PBD", 0);
            call.Db.Set(pbd, "device_config", call.Map(1).ToDictionary(kv => kv.Key, kv => (object?)Wire.AsString(kv.Value)));
            return null;
        }, async: true);
    }

    private static object? Create(Call call)
    {
        var db = call.Db;
        var args = call.Map(0);
        foreach (var f in new[] { "host", "SR", "device_config" })
            if (!args.ContainsKey(f)) throw new XenApiException("INTERNAL_ERROR", $"Missing field: {f}");
        var host = db.Get("host", Wire.AsString(args["host"]));
        var sr = db.Get("SR", Wire.AsString(args["SR"]));
        var dc = SrHandlers.StrMap(Wire.AsStruct(args["device_config"]));
        if (dc.ContainsKey("SRmaster")) throw new XenApiException("VALUE_NOT_SUPPORTED", "SRmaster", dc["SRmaster"], "This key is for internal use only");
        if (db.All("PBD").FirstOrDefault(p => p.Str("SR") == sr.Ref && p.Str("host") == host.Ref) is { } existing)
            throw new XenApiException("PBD_EXISTS", sr.Ref, host.Ref, existing.Ref);
        var oc = args.TryGetValue("other_config", out var o) ? SrHandlers.StrMap(Wire.AsStruct(o)) : new Dictionary<string, string>();
        var stored = SrHandlers.MoveSecrets(db, dc, new List<Rec>());
        return db.Create("PBD", new Dictionary<string, object?>
        {
            ["host"] = host.Ref,
            ["SR"] = sr.Ref,
            ["device_config"] = stored.ToDictionary(kv => kv.Key, kv => (object?)kv.Value),
            ["other_config"] = oc.ToDictionary(kv => kv.Key, kv => (object?)kv.Value),
        }).Ref;
    }

    private static object? Unplug(Call call)
    {
        var db = call.Db;
        var pbd = call.Obj("PBD", 0);
        if (!pbd.Bool("currently_attached")) return null;
        var sr = db.Get("SR", pbd.Str("SR"));
        var host = pbd.Str("host");
        var pool = SimFarm.Pool(db);
        if (pool.Bool("ha_enabled") && pool.List("ha_statefiles").Any(v => db.TryGet("VDI", v as string ?? "")?.Str("SR") == sr.Ref))
            throw new XenApiException("HA_IS_ENABLED");

        // get_active_vdis_by_pbd: VDIs of the SR attached (VBD.currently_attached) to a VM resident on the PBD's host.
        var active = new List<string>();
        foreach (var vbd in db.All("VBD").Where(b => b.Bool("currently_attached")))
        {
            if (db.TryGet("VDI", vbd.Str("VDI")) is not { } vdi || vdi.Str("SR") != sr.Ref) continue;
            if (db.TryGet("VM", vbd.Str("VM")) is not { } vm || vm.Str("resident_on") != host) continue;
            if (vdi.Str("type") != "metadata" && !active.Contains(vdi.Ref)) active.Add(vdi.Ref);
        }

        if (active.Count > 0) throw new XenApiException("VDI_IN_USE", active.ToArray());
        if (!db.All("PBD").Any(p => p.Str("SR") == sr.Ref && p.Ref != pbd.Ref && p.Bool("currently_attached")))
            SrHandlers.SaveToBackend(call.Farm, db, sr);
        db.Set(pbd, "currently_attached", false);
        return null;
    }
}
