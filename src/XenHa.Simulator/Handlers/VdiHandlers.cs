using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>VDI.create / VDI.destroy (§3.11). SR space fields are derived from the VDIs by the storage code.</summary>
internal static class VdiHandlers
{
    public static void Register(MethodTable t)
    {
        t.Add("VDI.create", 1, call =>
        {
            var db = call.Db;
            var args = call.Map(0);
            var sr = db.Get("SR", args.TryGetValue("SR", out var s) ? Wire.AsString(s) : Wire.NullRef);
            var size = args.TryGetValue("virtual_size", out var v) ? Wire.AsLong(v) : 0;
            var type = args.TryGetValue("type", out var ty) ? Wire.AsString(ty) : "user";
            Dictionary<string, object?> Map(string k) => args.TryGetValue(k, out var m) ? Wire.AsStruct(m).ToDictionary(kv => kv.Key, kv => (object?)Wire.AsString(kv.Value)) : new();
            string Text(string k) => args.TryGetValue(k, out var x) ? Wire.AsString(x) : "";
            var vdi = Disks.NewVdi(db, sr, Text("name_label"), Text("name_description"), size, type, Map("sm_config"),
                otherConfig: Map("other_config"), sharable: args.TryGetValue("sharable", out var sh) && Wire.AsBool(sh),
                readOnly: args.TryGetValue("read_only", out var ro) && Wire.AsBool(ro));
            if (args.ContainsKey("xenstore_data")) db.Set(vdi, "xenstore_data", Map("xenstore_data"));
            if (args.TryGetValue("tags", out var tags)) db.Set(vdi, "tags", Wire.AsList(tags).Select(x => (object?)Wire.AsString(x)).ToList());
            return vdi.Ref;
        }, async: true);
        t.Add("VDI.destroy", 1, call =>
        {
            var db = call.Db;
            var vdi = call.Obj("VDI", 0);
            var vbds = db.All("VBD").Where(b => b.Str("VDI") == vdi.Ref).ToList();
            if (vbds.Any(b => b.Bool("currently_attached"))) throw new XenApiException("VDI_IN_USE", vdi.Ref, "destroy");
            foreach (var b in vbds) db.Delete(b);
            db.Delete(vdi);
            call.Farm.DiskContent.Forget(vdi.Ref);
            return null;
        }, async: true);
    }
}
