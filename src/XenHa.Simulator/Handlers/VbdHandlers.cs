using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>VBD.create / destroy / plug / unplug / insert / eject basics (§3.12).</summary>
internal static class VbdHandlers
{
    public static void Register(MethodTable t)
    {
        t.Add("VBD.create", 1, call =>
        {
            var db = call.Db;
            var a = call.Map(0);
            string Text(string k, string d = "") => a.TryGetValue(k, out var x) ? Wire.AsString(x) : d;
            bool Flag(string k, bool d = false) => a.TryGetValue(k, out var x) ? Wire.AsBool(x) : d;
            var vm = db.Get("VM", Text("VM", Wire.NullRef));
            var empty = Flag("empty");
            var vdi = empty ? null : db.Get("VDI", Text("VDI", Wire.NullRef));
            var userdevice = Text("userdevice", "autodetect");
            if (userdevice == "autodetect") userdevice = Disks.FreeUserdevice(db, vm);
            if (db.All("VBD").Any(b => b.Str("VM") == vm.Ref && b.Str("userdevice") == userdevice))
                throw new XenApiException("DEVICE_ALREADY_EXISTS", userdevice);
            var other = a.TryGetValue("other_config", out var oc) ? Wire.AsStruct(oc).ToDictionary(kv => kv.Key, kv => (object?)Wire.AsString(kv.Value)) : new Dictionary<string, object?>();
            var vbd = Disks.NewVbd(db, vm, vdi, userdevice, Flag("bootable"), Text("mode", "RW"), Text("type", "Disk"), empty, other, Flag("unpluggable", true));
            return vbd.Ref;
        }, async: true);
        t.Add("VBD.destroy", 1, call =>
        {
            var vbd = call.Obj("VBD", 0);
            if (vbd.Bool("currently_attached")) throw new XenApiException("OPERATION_NOT_ALLOWED", "VBD currently attached to a running VM");
            call.Db.Delete(vbd);
            return null;
        }, async: true);
        t.Add("VBD.plug", 1, call =>
        {
            var (db, vbd, vm) = Parts(call);
            if (vm.Str("power_state") != "Running") throw VmOps.BadPowerState(vm, new[] { "Running" });
            if (vbd.Bool("currently_attached")) throw new XenApiException("DEVICE_ALREADY_ATTACHED", vbd.Ref);
            if (!VmOps.HasImplicitSupport(db, vm)) throw new XenApiException("VM_MISSING_PV_DRIVERS", vm.Ref);
            db.Set(vbd, "currently_attached", true);
            return null;
        }, async: true);
        t.Add("VBD.unplug", 1, call =>
        {
            var (db, vbd, vm) = Parts(call);
            if (vm.Str("power_state") != "Running") throw VmOps.BadPowerState(vm, new[] { "Running" });
            if (!vbd.Bool("currently_attached")) throw new XenApiException("DEVICE_ALREADY_DETACHED", vbd.Ref);
            if (!VmOps.HasImplicitSupport(db, vm)) throw new XenApiException("VM_MISSING_PV_DRIVERS", vm.Ref);
            db.Set(vbd, "currently_attached", false);
            return null;
        }, async: true);
        t.Add("VBD.insert", 2, call =>
        {
            var (db, vbd, _) = Parts(call);
            var vdi = call.Obj("VDI", 1);
            if (vbd.Str("type") != "CD") throw new XenApiException("VBD_NOT_REMOVABLE_MEDIA", vbd.Ref);
            if (!vbd.Bool("empty")) throw new XenApiException("VBD_NOT_EMPTY", vbd.Ref);
            db.Set(vbd, "VDI", vdi.Ref);
            db.Set(vbd, "empty", false);
            return null;
        }, async: true);
        t.Add("VBD.eject", 1, call =>
        {
            var (db, vbd, _) = Parts(call);
            if (vbd.Str("type") != "CD") throw new XenApiException("VBD_NOT_REMOVABLE_MEDIA", vbd.Ref);
            if (vbd.Bool("empty")) throw new XenApiException("VBD_IS_EMPTY", vbd.Ref);
            db.Set(vbd, "VDI", Wire.NullRef);
            db.Set(vbd, "empty", true);
            return null;
        }, async: true);
    }

    private static (Db, Rec, Rec) Parts(Call call)
    {
        var vbd = call.Obj("VBD", 0);
        return (call.Db, vbd, call.Db.Get("VM", vbd.Str("VM")));
    }
}
