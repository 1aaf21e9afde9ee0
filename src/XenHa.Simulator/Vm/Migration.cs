using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Handlers;

/// <summary>VM.pool_migrate, VM.assert_can_migrate, VM.migrate_send (within the pool), host.migrate_receive (§6.5).</summary>
internal static class Migration
{
    public static void Register(MethodTable t)
    {
        VmHandlers.Long(t, "VM.pool_migrate", 3, call =>
        {
            var vm = call.Obj("VM", 0);
            var host = call.Obj("host", 1);
            var options = call.Map(2);
            return Prepare(call.Farm, call.Db, vm, host, options, call.Task!);
        }, cancellable: true);
        t.Add("VM.assert_can_migrate", 6, call =>
        {
            var (vm, host, vdiMap) = SendArgs(call);
            CheckSend(call.Farm, call.Db, vm, host, vdiMap, call.Map(5));
            return null;
        }, async: true, optional: 1);
        VmHandlers.Long(t, "VM.migrate_send", 6, call =>
        {
            var (vm, host, vdiMap) = SendArgs(call);
            CheckSend(call.Farm, call.Db, vm, host, vdiMap, call.Map(5));
            return Run(call.Farm, call.Db, vm, host, call.Task!, "migrate_send", vdiMap, vm.Ref);
        }, cancellable: true, optional: 2);
        t.Add("host.migrate_receive", 3, call =>
        {
            var host = call.Obj("host", 0);
            var net = call.Obj("network", 1);
            _ = call.Map(2);
            var master = SimFarm.Coordinator(call.Db);
            return new Dictionary<string, object?>
            {
                ["SM"] = $"http://{master.Str("address")}/services/SM?session_id={call.Session?.Ref}",
                ["host"] = host.Ref,
                ["xenops"] = $"http://{host.Str("address")}/services/xenops?session_id={call.Session?.Ref}",
                ["session_id"] = call.Session?.Ref ?? "",
                ["master"] = $"http://{master.Str("address")}/",
                ["network"] = net.Ref,
            };
        }, async: true);
    }

    /// <summary>pool_migrate checks in xapi's order: operation check (strict unless options force=true) → assert_can_boot_here with memory.</summary>
    public static LongOp Prepare(SimFarm farm, Db db, Rec vm, Rec host, Dictionary<string, object?> options, Rec task)
    {
        var force = options.TryGetValue("force", out var f) && Wire.AsString(f) == "true";
        VmOps.Assert(db, vm, "pool_migrate", strict: !force, legacy: PowerState.Legacy(farm));
        Placement.AssertCanBootHere(db, vm, host);
        farm.Ha.AssertVmArrival(db, vm, host, db.TryGet("host", vm.Str("resident_on")));
        return Run(farm, db, vm, host, task, "pool_migrate", null, null);
    }

    /// <summary>dest (from host.migrate_receive) → host in this pool; vdi_map VDI → SR.</summary>
    private static (Rec Vm, Rec Host, Dictionary<string, string> VdiMap) SendArgs(Call call)
    {
        var vm = call.Obj("VM", 0);
        var dest = call.Map(1);
        var hostRef = dest.TryGetValue("host", out var h) ? Wire.AsString(h) : "";
        var host = call.Db.TryGet("host", hostRef)
            ?? throw new XenApiException("INTERNAL_ERROR", "xensim: cross-pool migration (migrate_send to a host outside this pool) is not simulated");
        var vdiMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in call.Map(3))
        {
            _ = call.Db.Get("VDI", kv.Key);
            var sr = call.Db.Get("SR", Wire.AsString(kv.Value));
            vdiMap[kv.Key] = sr.Ref;
        }

        foreach (var kv in call.Map(4))
        {
            _ = call.Db.Get("VIF", kv.Key);
            _ = call.Db.Get("network", Wire.AsString(kv.Value));
        }

        return (vm, host, vdiMap);
    }

    private static void CheckSend(SimFarm farm, Db db, Rec vm, Rec host, Dictionary<string, string> vdiMap, Dictionary<string, object?> options)
    {
        var force = options.TryGetValue("force", out var f) && Wire.AsString(f) == "true";
        VmOps.Assert(db, vm, "migrate_send", strict: !force, legacy: PowerState.Legacy(farm));
        if (Placement.CanBootHere(db, vm, host, vm.Str("power_state") == "Running", vdiMap) is { } e) throw e;
        foreach (var g in vdiMap.Where(kv => db.Get("VDI", kv.Key).Str("SR") != kv.Value).GroupBy(kv => kv.Value))
        {
            var sr = db.Get("SR", g.Key);
            Disks.CheckSpace(db, sr, g.Sum(kv => Disks.Thick(sr) ? db.Get("VDI", kv.Key).Int("virtual_size") : db.Get("VDI", kv.Key).Int("physical_utilisation")));
        }
    }

    /// <summary>
    /// The transfer: reserves memory on the target (scheduled_to_be_resident_on), copies for ~1 s/GiB (min 2 s, plus
    /// 1 s per 10 GiB of moved disk) with progress, then switches residency atomically. A cancel before the switch
    /// leaves the VM running on the source.
    /// </summary>
    public static LongOp Run(SimFarm farm, Db db, Rec vm, Rec host, Rec task, string op, Dictionary<string, string>? vdiMap, object? result)
    {
        var state = vm.Str("power_state");
        var live = state == "Running";
        VmOps.Begin(db, vm, task, op);
        if (live && vm.Str("resident_on") != host.Ref)
        {
            db.Set(vm, "scheduled_to_be_resident_on", host.Ref);
            Placement.UpdateFreeMemory(db, host);
        }

        var moved = vdiMap?.Where(kv => db.Get("VDI", kv.Key).Str("SR") != kv.Value).ToList() ?? new();
        var duration = (live ? Durations.Memory(vm) : TimeSpan.Zero) + (moved.Count > 0 ? Durations.Copy(moved.Sum(kv => db.Get("VDI", kv.Key).Int("virtual_size"))) : TimeSpan.Zero);
        if (duration < TimeSpan.FromSeconds(1)) duration = TimeSpan.FromSeconds(1);
        return new LongOp(async step =>
        {
            try
            {
                await step.Delay(duration, 0.0, 0.95).ConfigureAwait(false);
                step.Locked(() =>
                {
                    step.ThrowIfCancelled();
                    if (vm.Str("power_state") != state) throw VmOps.BadPowerState(vm, new[] { state });
                    foreach (var kv in moved)
                        if (db.TryGet("VDI", kv.Key) is { } vdi) db.Set(vdi, "SR", kv.Value);
                    if (!live) return;
                    var source = db.TryGet("host", vm.Str("resident_on"));
                    db.Set(vm, "resident_on", host.Ref);
                    db.Set(vm, "scheduled_to_be_resident_on", Wire.NullRef);
                    if (source?.Ref != host.Ref) db.Set(vm, "domid", PowerState.NewDomId(host));
                    if (source is not null) Placement.UpdateFreeMemory(db, source);
                    Placement.UpdateFreeMemory(db, host);
                });
                return result;
            }
            finally
            {
                step.Locked(() =>
                {
                    if (vm.Str("scheduled_to_be_resident_on") == host.Ref) db.Set(vm, "scheduled_to_be_resident_on", Wire.NullRef);
                    VmOps.End(db, vm, task);
                    Placement.UpdateFreeMemory(db, host);
                });
            }
        });
    }
}
