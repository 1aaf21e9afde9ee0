using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>VM.* custom messages (lifecycle comes later) and the allowed_operations helper (§6.1, §6.2).</summary>
internal static class VmHandlers
{
    public static void Register(MethodTable t)
    {
        t.Add("VM.update_allowed_operations", 1, call => { VmOps.Recompute(call.Db, call.Obj("VM", 0)); return null; }, async: true);
        SetInt(t, "order");
        SetInt(t, "start_delay");
        SetInt(t, "shutdown_delay");
        t.Add("VM.set_ha_restart_priority", 2, call =>
        {
            var vm = call.Obj("VM", 0);
            var value = call.Str(1);
            if (value is not ("restart" or "best-effort" or "")) throw new XenApiException("INVALID_VALUE", "ha_restart_priority", value);
            call.Db.Set(vm, "ha_restart_priority", value);
            return null;
        }, async: true);
        t.Add("VM.set_ha_always_run", 2, call => { call.Db.Set(call.Obj("VM", 0), "ha_always_run", call.Bool(1)); return null; }, async: true);
        t.Add("VM.assert_operation_valid", 2, call =>
        {
            var vm = call.Obj("VM", 0);
            var op = call.Str(1);
            if (!VmOps.Compute(call.Db, vm).Contains(op))
                throw new XenApiException("OPERATION_NOT_ALLOWED", $"VM {vm.Ref} does not allow {op} in power state {vm.Str("power_state")}");
            return null;
        }, async: true);
    }

    /// <summary>Explicit int setters of RO fields (@boston: set_order, set_start_delay, set_shutdown_delay).</summary>
    private static void SetInt(MethodTable t, string field) =>
        t.Add("VM.set_" + field, 2, call =>
        {
            var vm = call.Obj("VM", 0);
            var value = call.Long(1);
            if (value < 0) throw new XenApiException("INVALID_VALUE", field, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            call.Db.Set(vm, field, value);
            return null;
        }, async: true);
}

/// <summary>Computes VM.allowed_operations from power state, template/snapshot/control-domain flags and guest features.</summary>
internal static class VmOps
{
    private static readonly string[] Halted =
    {
        "changing_dynamic_range", "changing_shadow_memory", "changing_static_range", "changing_memory_limits", "changing_VCPUs",
        "changing_NVRAM", "create_vtpm", "make_into_template", "migrate_send", "destroy", "export", "metadata_export",
        "start_on", "start", "clone", "copy", "snapshot",
    };

    private static readonly string[] Running =
    {
        "changing_dynamic_range", "changing_memory_live", "changing_VCPUs_live", "checkpoint", "clean_reboot", "clean_shutdown",
        "hard_reboot", "hard_shutdown", "shutdown", "migrate_send", "metadata_export", "pause", "pool_migrate", "snapshot", "suspend",
    };

    private static readonly string[] Paused = { "hard_reboot", "hard_shutdown", "shutdown", "checkpoint", "unpause", "metadata_export", "snapshot" };

    private static readonly string[] Suspended =
    {
        "hard_shutdown", "shutdown", "checkpoint", "resume", "resume_on", "migrate_send", "destroy", "export", "metadata_export", "snapshot",
    };

    private static readonly HashSet<string> TemplateOps = new(StringComparer.Ordinal)
    {
        "clone", "copy", "export", "metadata_export", "provision", "changing_dynamic_range", "changing_static_range",
        "changing_memory_limits", "changing_VCPUs", "changing_shadow_memory", "changing_NVRAM",
    };

    private static readonly HashSet<string> NeedGuestFeatures = new(StringComparer.Ordinal)
    {
        "clean_shutdown", "clean_reboot", "suspend", "checkpoint", "pool_migrate", "migrate_send", "changing_VCPUs_live",
    };

    public static List<object?> Compute(Db db, Rec vm)
    {
        if (vm.Bool("is_control_domain"))
            return new List<object?> { "changing_dynamic_range", "changing_static_range", "changing_memory_limits", "changing_VCPUs", "metadata_export" };

        IEnumerable<string> ops = vm.Str("power_state") switch
        {
            "Running" => Running,
            "Paused" => Paused,
            "Suspended" => Suspended,
            _ => Halted,
        };
        var blocked = vm.Map("blocked_operations");
        if (vm.Bool("is_a_template") && !vm.Bool("is_a_snapshot"))
        {
            var set = ops.Where(TemplateOps.Contains).ToList();
            set.Add("provision");
            if (!vm.Bool("is_default_template")) set.AddRange(new[] { "destroy", "migrate_send" });
            ops = set;
        }
        else if (vm.Bool("is_a_snapshot"))
        {
            ops = ops.Where(o => o is "clone" or "copy" or "export" or "destroy" or "hard_shutdown" or "metadata_export").Append("revert");
        }
        else if (vm.Str("power_state") == "Running" && !HasGuestSupport(db, vm))
        {
            ops = ops.Where(o => !NeedGuestFeatures.Contains(o));
        }

        return ops.Where(o => !blocked.ContainsKey(o)).Distinct().Select(o => (object?)o).ToList();
    }

    /// <summary>PV/PVH guests, or HVM guests whose agent reports PV drivers (§6.6).</summary>
    private static bool HasGuestSupport(Db db, Rec vm)
    {
        if (vm.Str("domain_type") is "pv" or "pvh" or "pv_in_pvh") return true;
        var gm = db.TryGet("VM_guest_metrics", vm.Str("guest_metrics"));
        if (gm is null) return false;
        var v = gm.Map("PV_drivers_version");
        return v.ContainsKey("major") && v.ContainsKey("minor");
    }

    public static void Recompute(Db db, Rec vm) => db.Set(vm, "allowed_operations", Compute(db, vm));
}
