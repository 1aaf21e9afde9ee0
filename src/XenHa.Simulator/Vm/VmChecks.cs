using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>
/// xapi's VM operation checker (xapi_vm_lifecycle.ml check_operation_error), used both to compute
/// VM.allowed_operations and to validate every call, first error wins (reference §6.1, §6.2):
/// blocked_operations → power state → concurrent operation → template → snapshot → provision/revert →
/// immobile → control domain → guest features.
/// </summary>
internal static class VmOps
{
    /// <summary>Candidates for allowed_operations in xapi's order (xapi folds with a prepend, so the stored list is reversed).</summary>
    private static readonly string[] Candidates =
    {
        "snapshot", "copy", "clone", "revert", "checkpoint", "start", "start_on", "pause", "unpause", "clean_shutdown", "clean_reboot",
        "hard_shutdown", "shutdown", "hard_reboot", "suspend", "resume", "resume_on", "export", "metadata_export", "destroy", "provision",
        "changing_memory_live", "changing_VCPUs_live", "pool_migrate", "migrate_send", "make_into_template", "create_vtpm", "changing_NVRAM",
        "changing_VCPUs", "changing_memory_limits", "changing_static_range", "changing_shadow_memory", "changing_dynamic_range",
    };

    private static readonly string[] H = { "Halted" }, R = { "Running" }, P = { "Paused" }, S = { "Suspended" };

    /// <summary>allowed_power_states: the states each operation needs, in xapi's listing order.</summary>
    public static string[] PowerStates(string op, Rec vm) => op switch
    {
        "start" or "start_on" or "provision" or "make_into_template" or "changing_shadow_memory" or "changing_NVRAM" or "create_vtpm" => H,
        "clean_shutdown" or "clean_reboot" or "suspend" or "pool_migrate" or "pause" or "send_sysrq" or "send_trigger" or "call_plugin"
            or "changing_memory_live" or "changing_VCPUs_live" or "data_source_op" or "awaiting_memory_live" or "changing_shadow_memory_live" => R,
        "unpause" => P,
        "resume" or "resume_on" => S,
        "hard_reboot" => new[] { "Paused", "Running" },
        "hard_shutdown" or "shutdown" or "checkpoint" or "get_boot_record" => new[] { "Paused", "Suspended", "Running" },
        "migrate_send" => new[] { "Halted", "Suspended", "Running" },
        "clone" or "copy" => vm.Bool("is_a_snapshot") ? new[] { "Halted", "Suspended" } : H,
        "destroy" or "export" => new[] { "Halted", "Suspended" },
        "changing_VCPUs" or "changing_static_range" or "changing_memory_limits" => vm.Bool("is_control_domain") ? new[] { "Halted", "Running" } : H,
        "changing_dynamic_range" => new[] { "Halted", "Running" },
        _ => new[] { "Halted", "Paused", "Running", "Suspended" },
    };

    private static readonly HashSet<string> TemplateOps = new(StringComparer.Ordinal)
    {
        "changing_dynamic_range", "changing_static_range", "changing_memory_limits", "changing_shadow_memory", "changing_VCPUs",
        "clone", "copy", "export", "metadata_export", "provision",
    };

    private static readonly HashSet<string> SnapshotOps = new(StringComparer.Ordinal) { "revert", "clone", "copy", "export", "destroy", "hard_shutdown", "metadata_export" };

    private static readonly HashSet<string> ControlDomainOps = new(StringComparer.Ordinal)
    {
        "data_source_op", "changing_memory_live", "awaiting_memory_live", "metadata_export", "changing_dynamic_range", "changing_memory_limits",
        "changing_static_range", "start", "start_on", "changing_VCPUs", "destroy",
    };

    /// <summary>Operations that may run next to each other (clone/copy/export family); hard_shutdown interrupts anything.</summary>
    private static readonly HashSet<string> Concurrent = new(StringComparer.Ordinal) { "clone", "copy", "export", "metadata_export", "snapshot", "checkpoint" };

    /// <summary>
    /// The first error for the operation, or null when it is valid now. <c>strict</c> = false for pool_migrate with
    /// force=true (guest features and immobility not required); <c>legacy</c> = XS ≤ 6.2 (API 1.x): missing PV drivers
    /// raise VM_MISSING_PV_DRIVERS instead of VM_LACKS_FEATURE.
    /// </summary>
    public static XenApiException? Check(Db db, Rec vm, string op, bool strict = true, bool legacy = false)
    {
        var r = vm.Ref;
        if (vm.Map("blocked_operations").TryGetValue(op, out var reason))
            return new XenApiException("OPERATION_BLOCKED", r, Wire.AsString(reason));

        var state = vm.Str("power_state");
        var states = PowerStates(op, vm);
        if (Array.IndexOf(states, state) < 0)
            return BadPowerState(vm, states);

        var current = vm.Map("current_operations");
        if (current.Count > 0 && op != "hard_shutdown" && !(Concurrent.Contains(op) && current.Values.All(v => Concurrent.Contains(Wire.AsString(v)))))
        {
            var first = current.First();
            return new XenApiException("OTHER_OPERATION_IN_PROGRESS", "VM", r, Wire.AsString(first.Value), first.Key);
        }

        var template = vm.Bool("is_a_template");
        var snapshot = vm.Bool("is_a_snapshot");
        if (template && !snapshot)
        {
            var isDefault = vm.Bool("is_default_template") || vm.Map("other_config").TryGetValue("default_template", out var d) && Wire.AsString(d) == "true";
            if (!TemplateOps.Contains(op) && !(op is "destroy" or "migrate_send" && !isDefault))
                return new XenApiException("VM_IS_TEMPLATE", r, op);
        }

        if (snapshot && !SnapshotOps.Contains(op)) return new XenApiException("VM_IS_SNAPSHOT", r, op);
        if (op == "provision" && !template) return new XenApiException("PROVISION_ONLY_ALLOWED_ON_TEMPLATE");
        if (op == "revert" && !snapshot) return new XenApiException("REVERT_ONLY_ALLOWED_ON_SNAPSHOT");

        if (op is "suspend" or "checkpoint" or "pool_migrate" or "migrate_send" && strict && IsImmobile(vm))
            return new XenApiException("VM_IS_IMMOBILE", r);

        if (vm.Bool("is_control_domain"))
        {
            if (op is "changing_VCPUs" or "destroy") return new XenApiException("OPERATION_NOT_ALLOWED", "This operation is not allowed on dom0");
            if (!ControlDomainOps.Contains(op)) return new XenApiException("OPERATION_NOT_ALLOWED", "This operation is not allowed on a control domain");
        }

        return FeatureError(db, vm, op, strict, legacy);
    }

    public static XenApiException BadPowerState(Rec vm, string[] expected) =>
        new("VM_BAD_POWER_STATE", vm.Ref, string.Join(", ", expected.Select(s => s.ToLowerInvariant())), vm.Str("power_state").ToLowerInvariant());

    /// <summary>Raises the first error for op (VM.assert_operation_valid, and every lifecycle call).</summary>
    public static void Assert(Db db, Rec vm, string op, bool strict = true, bool legacy = false)
    {
        if (Check(db, vm, op, strict, legacy) is { } e) throw e;
    }

    private static bool IsImmobile(Rec vm)
    {
        var p = vm.Map("platform");
        return IsTrue(p, "nomigrate") || IsTrue(p, "nested-virt");
    }

    private static bool IsTrue(Dictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var v) && Wire.AsString(v) is "true" or "1";

    /// <summary>Step 8: a live HVM guest without PV drivers needs individual feature flags (§6.6).</summary>
    private static XenApiException? FeatureError(Db db, Rec vm, string op, bool strict, bool legacy)
    {
        if (vm.Str("power_state") != "Running") return null;
        if (op is not ("clean_shutdown" or "clean_reboot" or "changing_VCPUs_live" or "suspend" or "checkpoint" or "pool_migrate" or "migrate_send")) return null;
        if (HasImplicitSupport(db, vm)) return null;
        if (legacy)
            return op is "changing_VCPUs_live" || strict ? new XenApiException("VM_MISSING_PV_DRIVERS", vm.Ref) : null;
        var gm = db.TryGet("VM_guest_metrics", vm.Str("guest_metrics"));
        var other = gm?.Map("other") ?? new Dictionary<string, object?>();
        bool Lacks(string f) => !(other.TryGetValue(f, out var v) && Wire.AsString(v) == "1");
        var lacks = op switch
        {
            "clean_shutdown" => strict && Lacks("feature-shutdown") && Lacks("feature-poweroff"),
            "clean_reboot" => strict && Lacks("feature-shutdown") && Lacks("feature-reboot"),
            "changing_VCPUs_live" => Lacks("feature-vcpu-hotplug"),
            _ => strict && Lacks("feature-suspend"),
        };
        if (op is "suspend" or "checkpoint" or "pool_migrate" or "migrate_send" && strict && other.TryGetValue("data-cant-suspend-reason", out var why))
            return new XenApiException("VM_NON_SUSPENDABLE", vm.Ref, Wire.AsString(why));
        return lacks ? new XenApiException("VM_LACKS_FEATURE", vm.Ref) : null;
    }

    /// <summary>Booted PV/PVH, or PV drivers reported by the guest agent (major and minor present).</summary>
    public static bool HasImplicitSupport(Db db, Rec vm)
    {
        var metrics = db.TryGet("VM_metrics", vm.Str("metrics"));
        var type = metrics?.Str("current_domain_type") is { } t && t != "unspecified" ? t : vm.Str("domain_type");
        if (type is "pv" or "pvh" or "pv_in_pvh") return true;
        return HasPvDrivers(db, vm);
    }

    public static bool HasPvDrivers(Db db, Rec vm)
    {
        var gm = db.TryGet("VM_guest_metrics", vm.Str("guest_metrics"));
        if (gm is null) return false;
        var v = gm.Map("PV_drivers_version");
        return v.ContainsKey("major") && v.ContainsKey("minor");
    }

    public static List<object?> Compute(Db db, Rec vm)
    {
        var allowed = new List<object?>();
        foreach (var op in Candidates)
            if (Check(db, vm, op) is null) allowed.Insert(0, op);
        return allowed;
    }

    public static void Recompute(Db db, Rec vm)
    {
        var ops = Compute(db, vm);
        var old = vm.List("allowed_operations");
        if (!old.SequenceEqual(ops)) db.Set(vm, "allowed_operations", ops);
    }

    /// <summary>Marks op in current_operations under the task (and recomputes allowed_operations).</summary>
    public static void Begin(Db db, Rec vm, Rec task, string op)
    {
        vm.Map("current_operations")[task.Ref] = op;
        db.Changed(vm);
        Recompute(db, vm);
    }

    public static void End(Db db, Rec vm, Rec task)
    {
        if (db.TryGet("VM", vm.Ref) is null) return;
        if (vm.Map("current_operations").Remove(task.Ref)) db.Changed(vm);
        Recompute(db, vm);
    }
}
