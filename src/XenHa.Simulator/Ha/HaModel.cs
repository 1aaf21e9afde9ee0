using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Ha;

/// <summary>Builds the planner's model from a pool database, agility (agility.ml), protection and pool status. Under the farm lock.</summary>
internal static class HaModel
{
    public static bool Legacy(SimFarm farm) => PowerState.Legacy(farm);

    public static HaPriorities Priorities(SimFarm farm) => Legacy(farm) ? HaPriorities.Legacy(withZero: true) : HaPriorities.Modern;

    /// <summary>Helpers.vm_should_always_run: ha_always_run and a restart priority.</summary>
    public static bool IsProtected(SimFarm farm, Rec vm) =>
        vm.Bool("ha_always_run") && Priorities(farm).ProtectedValues.Contains(vm.Str("ha_restart_priority"));

    public static bool IsGuest(Rec vm) => !vm.Bool("is_control_domain") && !vm.Bool("is_a_template") && !vm.Bool("is_a_snapshot");

    /// <summary>Restart order: VM.order (negative = last); on 1.x the numeric priority.</summary>
    public static long Order(SimFarm farm, Rec vm)
    {
        if (Legacy(farm))
            return long.TryParse(vm.Str("ha_restart_priority"), out var p) ? p : long.MaxValue;
        var o = vm.Int("order");
        return o < 0 ? long.MaxValue : o;
    }

    /// <summary>agility.ml vm_assert_agile: SRs of non-empty VBDs properly shared, then VIF networks properly shared.</summary>
    public static XenApiException? Agility(Db db, Rec vm)
    {
        var enabled = db.All("host").Where(h => h.Bool("enabled")).ToList();
        foreach (var vbd in db.All("VBD").Where(b => b.Str("VM") == vm.Ref && !b.Bool("empty")).OrderBy(b => b.Str("userdevice"), StringComparer.Ordinal))
        {
            if (db.TryGet("VDI", vbd.Str("VDI")) is not { } vdi) continue;
            var sr = vdi.Str("SR");
            var srRec = db.TryGet("SR", sr);
            var shared = srRec is not null && srRec.Bool("shared")
                         && enabled.All(h => db.All("PBD").Any(p => p.Str("SR") == sr && p.Str("host") == h.Ref && p.Bool("currently_attached")));
            if (!shared) return new XenApiException("HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED", sr);
        }

        foreach (var vif in db.All("VIF").Where(v => v.Str("VM") == vm.Ref).OrderBy(v => v.Str("device"), StringComparer.Ordinal))
        {
            var net = vif.Str("network");
            var shared = enabled.All(h => db.All("PIF").Any(p => p.Str("network") == net && p.Str("host") == h.Ref
                                                              && !(p.Fields.TryGetValue("bond_slave_of", out var bs) && bs is string b && b != Wire.NullRef && b != "")));
            if (!shared) return new XenApiException("HA_CONSTRAINT_VIOLATION_NETWORK_NOT_SHARED", net);
        }

        return null;
    }

    private static long StaticUsage(Rec vm) =>
        vm.Bool("is_control_domain") ? vm.Int("memory_dynamic_max") + vm.Int("memory_overhead") : vm.Int("memory_static_max") + Placement.Overhead(vm);

    /// <summary>The planner model: hosts (live = host_metrics.live and, with HA, in the liveset), every guest VM.</summary>
    public static PlannerModel Build(SimFarm farm, Db db, ICollection<string>? liveset)
    {
        var hosts = new List<PlannerHost>();
        foreach (var h in db.All("host"))
        {
            var total = db.TryGet("host_metrics", h.Str("metrics"))?.Int("memory_total") ?? 0;
            var used = h.Int("memory_overhead") + Placement.Consumers(db, h).Sum(StaticUsage);
            hosts.Add(new PlannerHost(h.Ref, h.Uuid)
            {
                Enabled = h.Bool("enabled"),
                Live = Placement.IsLive(db, h),
                InLiveSet = liveset is null || liveset.Contains(h.Ref),
                FreeMemory = Math.Max(0, total - used),
                FreeMemoryMaxCompression = Placement.FreeMemory(db, h),
            });
        }

        var vms = new List<PlannerVm>();
        foreach (var vm in db.All("VM").Where(IsGuest))
        {
            var agility = Agility(db, vm);
            var running = vm.Str("power_state") is "Running" or "Paused";
            vms.Add(new PlannerVm(vm.Ref, vm.Uuid)
            {
                RestartMemory = vm.Int("memory_static_max") + Placement.Overhead(vm),
                EvacuationMemory = Placement.Footprint(vm),
                ResidentOn = running && vm.Str("resident_on") != Wire.NullRef ? vm.Str("resident_on") : null,
                ScheduledOn = vm.Str("scheduled_to_be_resident_on") is var s && s != Wire.NullRef && s != "" ? s : null,
                Protected = IsProtected(farm, vm),
                AgilityError = agility?.Code,
                BootableOn = agility is null
                    ? Array.Empty<string>()
                    : db.All("host").Where(h => Placement.CanBootHere(db, vm, h, memory: false) is null).Select(h => h.Ref).ToList(),
            });
        }

        return new PlannerModel(hosts, vms);
    }

    public static PlannerVm PlannerVmOf(PlannerModel model, Rec vm) => model.Vms.First(v => v.Ref == vm.Ref);
}
