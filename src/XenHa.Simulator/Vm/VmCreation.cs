using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Xml.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Handlers;

/// <summary>VM.clone / copy / provision / create / destroy (§6.3, §6.4).</summary>
internal static class VmCreation
{
    /// <summary>Fields a clone does not inherit.</summary>
    private static readonly HashSet<string> Fresh = new(StringComparer.Ordinal)
    {
        "uuid", "allowed_operations", "current_operations", "name_label", "power_state", "resident_on", "scheduled_to_be_resident_on",
        "metrics", "guest_metrics", "domid", "is_default_template", "suspend_VDI", "is_a_snapshot", "snapshot_of", "snapshot_time",
        "ha_always_run", "parent", "is_control_domain",
    };

    public static void Register(MethodTable t)
    {
        VmHandlers.Long(t, "VM.clone", 2, call => Clone(call, copy: false, sr: null), cancellable: true);
        VmHandlers.Long(t, "VM.copy", 3, call =>
        {
            var srRef = call.Str(2);
            var sr = srRef == Wire.NullRef ? null : call.Obj("SR", 2);
            return Clone(call, copy: true, sr);
        }, cancellable: true);
        VmHandlers.Long(t, "VM.provision", 1, Provision);
        t.Add("VM.create", 1, Create, async: true);
        t.Add("VM.destroy", 1, Destroy, async: true);
    }

    private static object? Clone(Call call, bool copy, Rec? sr)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        var name = call.Str(1);
        var op = copy ? "copy" : "clone";
        VmOps.Assert(db, vm, op, legacy: PowerState.Legacy(call.Farm));
        var vbds = db.All("VBD").Where(v => v.Str("VM") == vm.Ref).ToList();
        var bytes = vbds.Select(v => db.TryGet("VDI", v.Str("VDI"))).Where(v => v is not null).Sum(v => v!.Int("virtual_size"));
        if (copy)
            foreach (var g in vbds.Select(v => db.TryGet("VDI", v.Str("VDI"))).Where(v => v is not null).GroupBy(v => sr?.Ref ?? v!.Str("SR")))
                Disks.CheckSpace(db, db.Get("SR", g.Key), g.Sum(v => Disks.Thick(db.Get("SR", g.Key)) ? v!.Int("virtual_size") : v!.Int("physical_utilisation")));
        var task = call.Task!;
        VmOps.Begin(db, vm, task, op);
        return new LongOp(async step =>
        {
            try
            {
                await step.Delay(copy ? Durations.Copy(bytes) : Durations.Clone, 0.0, 0.9).ConfigureAwait(false);
                return step.Locked(() =>
                {
                    step.ThrowIfCancelled();
                    return (object?)CloneRecords(call, vm, name, copy, sr).Ref;
                });
            }
            finally
            {
                step.Locked(() => VmOps.End(db, vm, task));
            }
        });
    }

    private static Rec CloneRecords(Call call, Rec vm, string name, bool copy, Rec? sr)
    {
        var db = call.Db;
        var values = new Dictionary<string, object?>();
        foreach (var f in vm.Class.Fields)
            if (f.Reverse is null && !Fresh.Contains(f.Name)) values[f.Name] = Db.Copy(vm.Fields[f.Name]);
        var other = (Dictionary<string, object?>)values["other_config"]!;
        other.Remove("default_template");
        values["name_label"] = name;
        values["power_state"] = "Halted";
        values["metrics"] = NewMetrics(call).Ref;
        var clone = db.Create("VM", values);
        foreach (var vbd in db.All("VBD").Where(v => v.Str("VM") == vm.Ref).ToList())
        {
            Rec? newVdi = null;
            if (db.TryGet("VDI", vbd.Str("VDI")) is { } vdi)
            {
                var target = sr ?? db.Get("SR", vdi.Str("SR"));
                var sm = (Dictionary<string, object?>)Db.Copy(vdi.Map("sm_config"))!;
                sm["vmhint"] = clone.Uuid;
                newVdi = Disks.NewVdi(db, target, vdi.Str("name_label"), vdi.Str("name_description"), vdi.Int("virtual_size"), vdi.Str("type"), sm,
                    checkSpace: false, physical: copy ? (Disks.Thick(target) ? vdi.Int("virtual_size") : vdi.Int("physical_utilisation")) : null,
                    otherConfig: (Dictionary<string, object?>)Db.Copy(vdi.Map("other_config"))!, sharable: vdi.Bool("sharable"), readOnly: vdi.Bool("read_only"));
            }

            var nv = Disks.NewVbd(db, clone, newVdi, vbd.Str("userdevice"), vbd.Bool("bootable"), vbd.Str("mode"), vbd.Str("type"), vbd.Bool("empty"),
                (Dictionary<string, object?>)Db.Copy(vbd.Map("other_config"))!, vbd.Bool("unpluggable"));
            _ = nv;
        }

        foreach (var vif in db.All("VIF").Where(v => v.Str("VM") == vm.Ref).ToList())
        {
            var values2 = new Dictionary<string, object?>();
            foreach (var f in vif.Class.Fields)
                if (f.Reverse is null && f.Name is not ("uuid" or "current_operations" or "currently_attached")) values2[f.Name] = Db.Copy(vif.Fields[f.Name]);
            values2["VM"] = clone.Ref;
            if (vif.Bool("MAC_autogenerated")) values2["MAC"] = Disks.NewMac();
            db.Create("VIF", values2);
        }

        VmOps.Recompute(db, clone);
        return clone;
    }

    private static Rec NewMetrics(Call call) => call.Db.Create("VM_metrics", new Dictionary<string, object?>
    {
        ["install_time"] = call.Now,
        ["last_updated"] = call.Now,
        ["current_domain_type"] = "unspecified",
    });

    /// <summary>xapi_templates_install: parses other_config:disks, creates VDI (name = userdevice) + VBD per disk.</summary>
    private static object? Provision(Call call)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        VmOps.Assert(db, vm, "provision", legacy: PowerState.Legacy(call.Farm));
        var disks = new List<(string Device, long Size, Rec Sr, bool Bootable, string Type)>();
        if (vm.Map("other_config").TryGetValue("disks", out var xml) && Wire.AsString(xml) is { Length: > 0 } text)
        {
            XElement root;
            try
            {
                root = XElement.Parse(text);
            }
            catch (System.Xml.XmlException e)
            {
                throw new XenApiException("INTERNAL_ERROR", "Failed to parse provision XML: " + e.Message);
            }

            foreach (var d in root.Elements("disk"))
            {
                var uuid = (string?)d.Attribute("sr") ?? "";
                var sr = db.ByUuid("SR", uuid) ?? throw new XenApiException("UUID_INVALID", "sr", uuid);
                disks.Add(((string?)d.Attribute("device") ?? "0", long.Parse((string?)d.Attribute("size") ?? "0", CultureInfo.InvariantCulture), sr,
                    (string?)d.Attribute("bootable") == "true", (string?)d.Attribute("type") ?? "system"));
            }

            foreach (var g in disks.GroupBy(d => d.Sr.Ref)) Disks.CheckSpace(db, g.First().Sr, g.Sum(d => Disks.Thick(d.Sr) ? d.Size : 4L * 1024 * 1024));
        }

        var task = call.Task!;
        VmOps.Begin(db, vm, task, "provision");
        return new LongOp(async step =>
        {
            try
            {
                await step.Delay(Durations.Provision, 0.0, 0.9, 2).ConfigureAwait(false);
                step.Locked(() =>
                {
                    foreach (var d in disks)
                    {
                        var vdi = Disks.NewVdi(db, d.Sr, d.Device, "Created by template provisioner", d.Size, d.Type,
                            new Dictionary<string, object?> { ["vmhint"] = vm.Uuid }, checkSpace: false);
                        Disks.NewVbd(db, vm, vdi, d.Device, d.Bootable, "RW", "Disk", false, new Dictionary<string, object?> { ["owner"] = "" }, unpluggable: d.Type != "system");
                    }

                    vm.Map("other_config").Remove("disks");
                    vm.Map("other_config").Remove("postinstall");
                    db.Changed(vm);
                    db.Set(vm, "is_a_template", false);
                    VmOps.End(db, vm, task);
                });
                return null;
            }
            finally
            {
                step.Locked(() => VmOps.End(db, vm, task));
            }
        });
    }

    /// <summary>VM.create(record): the constructor; unknown keys are ignored, the VM starts Halted with fresh metrics.</summary>
    private static object? Create(Call call)
    {
        var db = call.Db;
        var args = call.Map(0);
        var def = Schema.Get("VM");
        var values = new Dictionary<string, object?>();
        foreach (var kv in args)
            if (def.ByName.TryGetValue(kv.Key, out var f) && f.Reverse is null && !Fresh.Contains(kv.Key) || kv.Key == "name_label")
                values[kv.Key] = def.ByName[kv.Key].Coerce(kv.Value);
        var smin = values.TryGetValue("memory_static_min", out var a) ? (long)a! : 0;
        var dmin = values.TryGetValue("memory_dynamic_min", out var b) ? (long)b! : 0;
        var dmax = values.TryGetValue("memory_dynamic_max", out var c) ? (long)c! : 0;
        var smax = values.TryGetValue("memory_static_max", out var d) ? (long)d! : 0;
        VmMemory.Validate(smin, smax, dmin, dmax);
        values["power_state"] = "Halted";
        values["metrics"] = NewMetrics(call).Ref;
        var vm = db.Create("VM", values);
        db.Set(vm, "memory_overhead", Placement.Overhead(vm));
        VmOps.Recompute(db, vm);
        return vm.Ref;
    }

    /// <summary>VM.destroy: Halted/Suspended only (operation check); VBDs, VIFs, metrics go, VDIs stay.</summary>
    private static object? Destroy(Call call)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        VmOps.Assert(db, vm, "destroy", legacy: PowerState.Legacy(call.Farm));
        if (vm.Map("other_config").TryGetValue("default_template", out var d) && Wire.AsString(d) == "true")
            throw new XenApiException("VM_CANNOT_DELETE_DEFAULT_TEMPLATE");
        DestroyRecords(db, vm);
        return null;
    }

    /// <summary>Deletes a VM with its VBDs, VIFs and metrics (its VDIs stay).</summary>
    public static void DestroyRecords(Db db, Rec vm)
    {
        foreach (var vbd in db.All("VBD").Where(v => v.Str("VM") == vm.Ref).ToList()) db.Delete(vbd);
        foreach (var vif in db.All("VIF").Where(v => v.Str("VM") == vm.Ref).ToList()) db.Delete(vif);
        if (db.TryGet("VM_metrics", vm.Str("metrics")) is { } m) db.Delete(m);
        if (db.TryGet("VM_guest_metrics", vm.Str("guest_metrics")) is { } gm) db.Delete(gm);
        db.Delete(vm);
    }
}

/// <summary>Memory and VCPU setters with xapi's constraints (vm_memory_constraints.ml, xapi_vm_helpers.ml).</summary>
internal static class VmMemory
{
    public const string OrderConstraint = "Memory limits must satisfy: static_min ≤ dynamic_min ≤ dynamic_max ≤ static_max";

    public static void Validate(long smin, long smax, long dmin, long dmax)
    {
        if (!(smin <= dmin && dmin <= dmax && dmax <= smax)) throw new XenApiException("MEMORY_CONSTRAINT_VIOLATION", OrderConstraint);
    }

    public static void Register(MethodTable t)
    {
        t.Add("VM.set_memory_limits", 5, call => Set(call, "changing_memory_limits", call.Long(1), call.Long(2), call.Long(3), call.Long(4)), async: true);
        t.Add("VM.set_memory", 2, call =>
        {
            var vm = call.Obj("VM", 0);
            var v = call.Long(1);
            return Set(call, "changing_memory_limits", vm.Int("memory_static_min"), v, v, v);
        }, async: true);
        t.Add("VM.set_memory_static_range", 3, call =>
        {
            var vm = call.Obj("VM", 0);
            return Set(call, "changing_static_range", call.Long(1), call.Long(2), vm.Int("memory_dynamic_min"), vm.Int("memory_dynamic_max"));
        }, async: true);
        t.Add("VM.set_memory_dynamic_range", 3, call =>
        {
            var vm = call.Obj("VM", 0);
            return Set(call, "changing_dynamic_range", vm.Int("memory_static_min"), vm.Int("memory_static_max"), call.Long(1), call.Long(2));
        }, async: true);
        t.Add("VM.set_memory_static_max", 2, call =>
        {
            var vm = call.Obj("VM", 0);
            return Set(call, "changing_static_range", vm.Int("memory_static_min"), call.Long(1), vm.Int("memory_dynamic_min"), vm.Int("memory_dynamic_max"));
        }, async: true);
        t.Add("VM.set_memory_dynamic_max", 2, call =>
        {
            var vm = call.Obj("VM", 0);
            return Set(call, "changing_dynamic_range", vm.Int("memory_static_min"), vm.Int("memory_static_max"), vm.Int("memory_dynamic_min"), call.Long(1));
        }, async: true);
        t.Add("VM.set_memory_dynamic_min", 2, call =>
        {
            var vm = call.Obj("VM", 0);
            return Set(call, "changing_dynamic_range", vm.Int("memory_static_min"), vm.Int("memory_static_max"), call.Long(1), vm.Int("memory_dynamic_max"));
        }, async: true);
        t.Add("VM.set_VCPUs_max", 2, call =>
        {
            var db = call.Db;
            var vm = call.Obj("VM", 0);
            var v = call.Long(1);
            VmOps.Assert(db, vm, "changing_VCPUs", legacy: PowerState.Legacy(call.Farm));
            if (v < 1 || v < vm.Int("VCPUs_at_startup"))
                throw new XenApiException("INVALID_VALUE", "VCPU values must satisfy: 0 < VCPUs_at_startup ≤ VCPUs_max", v.ToString(CultureInfo.InvariantCulture));
            db.Set(vm, "VCPUs_max", v);
            db.Set(vm, "memory_overhead", Placement.Overhead(vm));
            return null;
        }, async: true);
        t.Add("VM.set_VCPUs_at_startup", 2, call =>
        {
            var db = call.Db;
            var vm = call.Obj("VM", 0);
            var v = call.Long(1);
            VmOps.Assert(db, vm, "changing_VCPUs", legacy: PowerState.Legacy(call.Farm));
            if (v < 1 || v > vm.Int("VCPUs_max"))
                throw new XenApiException("INVALID_VALUE", "VCPU values must satisfy: 0 < VCPUs_at_startup ≤ VCPUs_max", v.ToString(CultureInfo.InvariantCulture));
            db.Set(vm, "VCPUs_at_startup", v);
            return null;
        }, async: true);
    }

    private static object? Set(Call call, string op, long smin, long smax, long dmin, long dmax)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        VmOps.Assert(db, vm, op, legacy: PowerState.Legacy(call.Farm));
        Validate(smin, smax, dmin, dmax);
        if (vm.Str("power_state") == "Running" && db.TryGet("host", vm.Str("resident_on")) is { } host && dmax > vm.Int("memory_dynamic_max"))
        {
            var extra = dmax - vm.Int("memory_dynamic_max");
            var free = Placement.FreeMemory(db, host);
            if (extra > free)
                throw new XenApiException("HOST_NOT_ENOUGH_FREE_MEMORY", extra.ToString(CultureInfo.InvariantCulture), free.ToString(CultureInfo.InvariantCulture));
        }

        db.Set(vm, "memory_static_min", smin);
        db.Set(vm, "memory_static_max", smax);
        db.Set(vm, "memory_dynamic_min", dmin);
        db.Set(vm, "memory_dynamic_max", dmax);
        db.Set(vm, "memory_overhead", Placement.Overhead(vm));
        if (vm.Str("power_state") == "Running" && db.TryGet("host", vm.Str("resident_on")) is { } h)
        {
            if (db.TryGet("VM_metrics", vm.Str("metrics")) is { } m) db.Set(m, "memory_actual", dmax);
            Placement.UpdateFreeMemory(db, h);
        }

        return null;
    }
}
