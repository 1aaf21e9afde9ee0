using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Xva;

/// <summary>One object of ova.xml: {class, id, snapshot}.</summary>
internal sealed record XvaObject(string Class, string Id, Dictionary<string, object?> Snapshot);

/// <summary>
/// Creates the records of an import (import.ml handlers, in xapi's order: SR, VDI, VM, network,
/// VBD, VIF) and remembers how to undo each, so a failed import leaves nothing behind (xapi's
/// cleanup stack). Without restore the VM, VBDs and VIFs get fresh uuids, VIFs fresh MACs and the
/// VM a fresh mac_seed and version 0; with restore they keep theirs and version is incremented.
/// Call under the farm lock.
/// </summary>
internal sealed class XvaObjects
{
    private readonly XvaRequest _req;
    private readonly Db _db;
    private readonly Rec _sr;
    private readonly bool _restore;
    private readonly bool _force;
    private readonly Dictionary<string, string> _table = new(StringComparer.Ordinal);
    private readonly List<Action> _cleanup = new();

    public XvaObjects(XvaRequest req, Rec sr, bool restore, bool force)
    {
        _req = req;
        _db = req.Db;
        _sr = sr;
        _restore = restore;
        _force = force;
    }

    public List<Rec> Vms { get; } = new();

    /// <summary>The disks to receive, in stream order: (export id, new VDI, virtual size).</summary>
    public List<(string Id, Rec Vdi, long Size)> Disks { get; } = new();

    public static List<XvaObject> Parse(object? objects) =>
        Wire.AsList(objects).Select(o =>
        {
            var d = Wire.AsStruct(o);
            return new XvaObject(Wire.AsString(d["class"]), Wire.AsString(d["id"]), Wire.AsStruct(d["snapshot"]));
        }).ToList();

    public void Create(List<XvaObject> objects)
    {
        var task = _req.Task!;
        var cdVdis = objects.Where(o => o.Class == "VBD" && Field(o, "type") == "CD").Select(o => Field(o, "VDI")).ToHashSet(StringComparer.Ordinal);
        var srTypes = objects.Where(o => o.Class == "SR").ToDictionary(o => o.Id, o => Field(o, "content_type"), StringComparer.Ordinal);

        // import.ml HostHandler: a host of this pool (same uuid) keeps the VM's affinity; any other becomes NULL.
        foreach (var o in objects.Where(o => o.Class == "host"))
            if (_db.ByUuid("host", Field(o, "uuid")) is { } host) _table[o.Id] = host.Ref;
        foreach (var o in objects.Where(o => o.Class == "SR")) _table[o.Id] = _sr.Ref;

        foreach (var o in objects.Where(o => o.Class == "VDI"))
        {
            var isCd = cdVdis.Contains(o.Id) || srTypes.GetValueOrDefault(Field(o, "SR")) == "iso";
            if (isCd)
            {
                // A CD's ISO is not in the stream: the drive keeps the same ISO when this pool has it.
                if (_db.ByUuid("VDI", Field(o, "uuid")) is { } iso) _table[o.Id] = iso.Ref;
                continue;
            }

            var size = Wire.AsLong(o.Snapshot["virtual_size"]);
            var vdi = Handlers.Disks.NewVdi(_db, _sr, Field(o, "name_label"), Field(o, "name_description"), size, Field(o, "type"),
                Map(o, "sm_config"), otherConfig: Map(o, "other_config"), sharable: Wire.AsBool(o.Snapshot["sharable"]), readOnly: Wire.AsBool(o.Snapshot["read_only"]));
            if (o.Snapshot.TryGetValue("tags", out var tags)) vdi.Fields["tags"] = vdi.Class.ByName["tags"].Coerce(tags);
            _cleanup.Add(() =>
            {
                _req.Farm.DiskContent.Forget(vdi.Ref);
                _db.Delete(vdi);
            });
            _table[o.Id] = vdi.Ref;
            Disks.Add((o.Id, vdi, size));
        }

        foreach (var o in objects.Where(o => o.Class == "VM"))
        {
            if (CreateVm(o, task) is { } vm) Vms.Add(vm);
        }

        foreach (var o in objects.Where(o => o.Class == "network")) _table[o.Id] = FindOrCreateNetwork(o).Ref;

        foreach (var o in objects.Where(o => o.Class == "VBD"))
        {
            if (!_table.TryGetValue(Field(o, "VM"), out var vmRef)) continue;
            var values = Values(o, "uuid", "currently_attached", "device", "status_code", "status_detail", "runtime_properties", "metrics");
            values["VM"] = vmRef;
            var vdiRef = _table.GetValueOrDefault(Field(o, "VDI"), Wire.NullRef);
            values["VDI"] = vdiRef;
            if (vdiRef == Wire.NullRef) values["empty"] = true;
            var vbd = _db.Create("VBD", values);
            KeepUuid(vbd, o);
            _cleanup.Add(() => _db.Delete(vbd));
        }

        foreach (var o in objects.Where(o => o.Class == "VIF"))
        {
            if (!_table.TryGetValue(Field(o, "VM"), out var vmRef)) continue;
            var values = Values(o, "uuid", "currently_attached", "status_code", "status_detail", "runtime_properties", "metrics");
            values["VM"] = vmRef;
            values["network"] = _table.GetValueOrDefault(Field(o, "network"), Wire.NullRef);
            if (!_restore)
            {
                values["MAC"] = Handlers.Disks.NewMac();
                values["MAC_autogenerated"] = true;
            }

            var vif = _db.Create("VIF", values);
            KeepUuid(vif, o);
            _cleanup.Add(() => _db.Delete(vif));
        }

        foreach (var vm in Vms) VmOps.Recompute(_db, vm);
        Disks.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
    }

    /// <summary>import.ml VM precheck + handle: a restore over an existing VM replaces it only when halted and older.</summary>
    private Rec? CreateVm(XvaObject o, Rec task)
    {
        var uuid = Field(o, "uuid");
        var version = o.Snapshot.TryGetValue("version", out var ver) ? Wire.AsLong(ver) : 0L;
        if (_restore && _db.ByUuid("VM", uuid) is { } existing)
        {
            if (existing.Str("power_state") != "Halted")
            {
                if (_force) return null;
                throw new XenApiException("VM_BAD_POWER_STATE", existing.Ref, "halted", existing.Str("power_state").ToLowerInvariant());
            }

            if (existing.Int("version") >= version && !_force)
                throw new XenApiException("VM_TO_IMPORT_IS_NOT_NEWER_VERSION", existing.Ref,
                    existing.Int("version").ToString(CultureInfo.InvariantCulture), version.ToString(CultureInfo.InvariantCulture));
            VmCreation.DestroyRecords(_db, existing);
        }

        var values = Values(o, "uuid", "power_state", "resident_on", "scheduled_to_be_resident_on", "affinity", "suspend_VDI", "metrics",
            "guest_metrics", "domid", "is_control_domain", "snapshot_of", "parent", "appliance", "protection_policy", "snapshot_schedule",
            "suspend_SR", "current_operations", "allowed_operations", "is_default_template");
        var other = (Dictionary<string, object?>)values.GetValueOrDefault("other_config", new Dictionary<string, object?>())!;
        if (!_restore) other["mac_seed"] = Wire.NewUuid();
        if (!_force) other.Remove("default_template");
        values["other_config"] = other;
        values["power_state"] = "Halted";
        values["version"] = _restore ? version + 1 : 0L;
        if (!Wire.AsBool(values.GetValueOrDefault("is_a_template", false)))
            values["generation_id"] = Random.Shared.NextInt64().ToString(CultureInfo.InvariantCulture) + ":" + Random.Shared.NextInt64().ToString(CultureInfo.InvariantCulture);
        values["metrics"] = _db.Create("VM_metrics", new Dictionary<string, object?>
        {
            ["install_time"] = _req.Farm.Clock.UtcNow,
            ["last_updated"] = _req.Farm.Clock.UtcNow,
            ["current_domain_type"] = "unspecified",
        }).Ref;
        values["current_operations"] = new Dictionary<string, object?> { [task.Ref] = "import" };
        var vm = _db.Create("VM", values);
        if (_restore) vm.Fields["uuid"] = uuid;
        vm.Fields["memory_overhead"] = Placement.Overhead(vm);
        _cleanup.Add(() =>
        {
            if (_db.TryGet("VM_metrics", vm.Str("metrics")) is { } m) _db.Delete(m);
            _db.Delete(vm);
        });
        _table[o.Id] = vm.Ref;
        return vm;
    }

    /// <summary>import.ml Net: by name_label, else by bridge, else a new network (removed again on failure).</summary>
    private Rec FindOrCreateNetwork(XvaObject o)
    {
        var name = Field(o, "name_label");
        var bridge = Field(o, "bridge");
        var found = _db.All("network").FirstOrDefault(n => n.Str("name_label") == name)
                    ?? _db.All("network").FirstOrDefault(n => n.Str("bridge") == bridge);
        if (found is not null) return found;
        var values = Values(o, "uuid", "current_operations", "allowed_operations", "assigned_ips", "purpose");
        var other = (Dictionary<string, object?>)values.GetValueOrDefault("other_config", new Dictionary<string, object?>())!;
        other["import_task"] = _req.Task!.Ref;
        values["other_config"] = other;
        var net = _db.Create("network", values);
        _cleanup.Add(() => _db.Delete(net));
        return net;
    }

    /// <summary>Stored fields of the record, coerced to this schema, references mapped (NULL when not imported).</summary>
    private Dictionary<string, object?> Values(XvaObject o, params string[] skip)
    {
        var def = Schema.Get(o.Class);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var f in def.Fields)
        {
            if (f.Reverse is not null || Array.IndexOf(skip, f.Name) >= 0 || !o.Snapshot.TryGetValue(f.Name, out var v)) continue;
            values[f.Name] = f.Kind switch
            {
                FieldKind.Ref => _table.GetValueOrDefault(Wire.AsString(v), Wire.NullRef),
                FieldKind.RefSet => Wire.AsList(v).Select(x => _table.GetValueOrDefault(Wire.AsString(x))).Where(x => x is not null).Select(x => (object?)x).ToList(),
                _ => f.Coerce(v),
            };
        }

        return values;
    }

    private void KeepUuid(Rec rec, XvaObject o)
    {
        var uuid = Field(o, "uuid");
        if (_restore && _db.ByUuid(rec.Class.Name, uuid) is null) rec.Fields["uuid"] = uuid;
    }

    private static string Field(XvaObject o, string name) => o.Snapshot.TryGetValue(name, out var v) && v is string s ? s : "";

    private static Dictionary<string, object?> Map(XvaObject o, string name) =>
        o.Snapshot.TryGetValue(name, out var v) ? Wire.AsStruct(v).ToDictionary(kv => kv.Key, kv => (object?)Wire.AsString(kv.Value)) : new Dictionary<string, object?>();

    /// <summary>The import is over: import leaves current_operations.</summary>
    public void Finish()
    {
        foreach (var vm in Vms.Where(v => _db.TryGet("VM", v.Ref) is not null))
        {
            if (vm.Map("current_operations").Remove(_req.Task!.Ref)) _db.Changed(vm);
            VmOps.Recompute(_db, vm);
        }
    }

    /// <summary>Undoes everything created, newest first (skipped with force, as xapi does).</summary>
    public void RollBack()
    {
        if (_force) return;
        for (var i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i]();
        _cleanup.Clear();
        Vms.Clear();
    }
}
