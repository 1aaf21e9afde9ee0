using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Handlers;

/// <summary>VM.* custom messages: lifecycle (§6.3), creation (§6.4), memory/VCPU setters, placement and migration (§6.5).</summary>
internal static class VmHandlers
{
    /// <summary>Registers a message whose handler may return a <see cref="LongOp"/>.</summary>
    internal static void Long(MethodTable t, string name, int required, Handler body, bool cancellable = false, int optional = 0)
    {
        TaskEngine.DeclareLong(name, cancellable);
        t.Add(name, required, body, async: true, optional: optional);
    }

    public static void Register(MethodTable t)
    {
        t.Add("VM.update_allowed_operations", 1, call => { VmOps.Recompute(call.Db, call.Obj("VM", 0)); return null; }, async: true);
        // "Installing the tools" in a running guest (simulator convention, see GuestAgent): the agent reports shortly after.
        if (t.TryGet("VM.add_to_other_config", out var addToOtherConfig))
        {
            t.Add("VM.add_to_other_config", 3, call =>
            {
                var result = addToOtherConfig.Body(call);
                var vm = call.Obj("VM", 0);
                if (call.Str(1) == GuestAgent.ToolsKey && vm.Str("power_state") is "Running" or "Paused")
                {
                    GuestAgent.Schedule(call.Farm, call.Db, vm);
                }
                return result;
            }, async: addToOtherConfig.Async);
        }
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
            VmOps.Assert(call.Db, vm, call.Str(1), legacy: PowerState.Legacy(call.Farm));
            return null;
        }, async: true);

        VmLifecycle.Register(t);
        VmCreation.Register(t);
        VmMemory.Register(t);
        Migration.Register(t);
    }

    /// <summary>Explicit int setters of RO fields (@boston: set_order, set_start_delay, set_shutdown_delay).</summary>
    private static void SetInt(MethodTable t, string field) =>
        t.Add("VM.set_" + field, 2, call =>
        {
            var vm = call.Obj("VM", 0);
            var value = call.Long(1);
            if (value < 0) throw new XenApiException("INVALID_VALUE", field, value.ToString(CultureInfo.InvariantCulture));
            call.Db.Set(vm, field, value);
            return null;
        }, async: true);
}

/// <summary>start/start_on, shutdowns, reboots, suspend/resume, pause/unpause, power_state_reset (§6.3).</summary>
internal static class VmLifecycle
{
    public static void Register(MethodTable t)
    {
        VmHandlers.Long(t, "VM.start", 3, call => Start(call, null, "start", call.Bool(1)));
        VmHandlers.Long(t, "VM.start_on", 4, call => Start(call, call.Obj("host", 1), "start_on", call.Bool(2)));
        VmHandlers.Long(t, "VM.resume", 3, call => Resume(call, null, "resume", call.Bool(1)));
        VmHandlers.Long(t, "VM.resume_on", 4, call => Resume(call, call.Obj("host", 1), "resume_on", call.Bool(2)));
        VmHandlers.Long(t, "VM.clean_shutdown", 1, call => Shutdown(call, "clean_shutdown", clean: true));
        VmHandlers.Long(t, "VM.hard_shutdown", 1, call => Shutdown(call, "hard_shutdown", clean: false));
        VmHandlers.Long(t, "VM.shutdown", 1, call =>
        {
            var vm = call.Obj("VM", 0);
            VmOps.Assert(call.Db, vm, "shutdown", legacy: PowerState.Legacy(call.Farm));
            var clean = vm.Str("power_state") == "Running" && VmOps.Check(call.Db, vm, "clean_shutdown", legacy: PowerState.Legacy(call.Farm)) is null;
            return Shutdown(call, "shutdown", clean, checkedAlready: true);
        });
        VmHandlers.Long(t, "VM.clean_reboot", 1, call => Reboot(call, "clean_reboot", Durations.CleanShutdown));
        VmHandlers.Long(t, "VM.hard_reboot", 1, call => Reboot(call, "hard_reboot", Durations.HardShutdown));
        VmHandlers.Long(t, "VM.suspend", 1, Suspend);
        t.Add("VM.pause", 1, call => Pause(call, "pause", "Paused"), async: true);
        t.Add("VM.unpause", 1, call => Pause(call, "unpause", "Running"), async: true);
        t.Add("VM.power_state_reset", 1, PowerStateReset, async: true);
        t.Add("VM.assert_can_boot_here", 2, call =>
        {
            Placement.AssertCanBootHere(call.Db, call.Obj("VM", 0), call.Obj("host", 1));
            return null;
        }, async: true);
        t.Add("VM.get_possible_hosts", 1, call => Placement.PossibleHosts(call.Db, call.Obj("VM", 0)).Select(h => (object?)h.Ref).ToList(), async: true);
    }

    private static object? Start(Call call, Rec? host, string op, bool paused)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        VmOps.Assert(db, vm, op, legacy: PowerState.Legacy(call.Farm));
        var overhead = Placement.Overhead(vm);
        if (vm.Int("memory_overhead") != overhead) db.Set(vm, "memory_overhead", overhead);
        var target = host ?? Placement.Choose(db, vm);
        if (target.Map("current_operations").Values.Any(v => Wire.AsString(v) == "evacuate"))
            throw new XenApiException("HOST_EVACUATE_IN_PROGRESS", target.Ref);
        Placement.AssertCanBootHere(db, vm, target);
        call.Farm.Ha.AssertVmArrival(db, vm, target);
        return Boot(call, vm, target, op, paused, Durations.Boot, afterBoot: null);
    }

    /// <summary>Reserves the target (scheduled_to_be_resident_on), boots after <paramref name="duration"/>, then waits start_delay.</summary>
    private static LongOp Boot(Call call, Rec vm, Rec target, string op, bool paused, TimeSpan duration, Action? afterBoot)
    {
        var db = call.Db;
        var task = call.Task!;
        VmOps.Begin(db, vm, task, op);
        db.Set(vm, "scheduled_to_be_resident_on", target.Ref);
        Placement.UpdateFreeMemory(db, target);
        return new LongOp(async step =>
        {
            try
            {
                await step.Delay(duration, 0.0, 0.9).ConfigureAwait(false);
                step.Locked(() =>
                {
                    afterBoot?.Invoke();
                    PowerState.Boot(call.Farm, db, vm, target, paused);
                    VmOps.End(db, vm, task);
                });
                var delay = step.Locked(() => vm.Int("start_delay"));
                if (delay > 0) await step.Delay(TimeSpan.FromSeconds(delay)).ConfigureAwait(false);
                return null;
            }
            finally
            {
                step.Locked(() =>
                {
                    if (vm.Str("scheduled_to_be_resident_on") == target.Ref) db.Set(vm, "scheduled_to_be_resident_on", Wire.NullRef);
                    VmOps.End(db, vm, task);
                    Placement.UpdateFreeMemory(db, target);
                });
            }
        });
    }

    private static object? Shutdown(Call call, string op, bool clean, bool checkedAlready = false)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        if (!checkedAlready) VmOps.Assert(db, vm, op, legacy: PowerState.Legacy(call.Farm));
        var task = call.Task!;
        VmOps.Begin(db, vm, task, op);
        return new LongOp(async step =>
        {
            try
            {
                await step.Delay(clean ? Durations.CleanShutdown : Durations.HardShutdown, 0.0, 0.9, clean ? 4 : 1).ConfigureAwait(false);
                var delay = step.Locked(() =>
                {
                    db.Set(vm, "ha_always_run", false);
                    if (vm.Str("power_state") == "Suspended") PowerState.DropSuspendImage(db, vm);
                    if (vm.Str("power_state") != "Halted") PowerState.Down(db, vm, "Halted");
                    VmOps.End(db, vm, task);
                    return clean ? vm.Int("shutdown_delay") : 0;
                });
                if (delay > 0) await step.Delay(TimeSpan.FromSeconds(delay)).ConfigureAwait(false);
                return null;
            }
            finally
            {
                step.Locked(() => VmOps.End(db, vm, task));
            }
        });
    }

    private static object? Reboot(Call call, string op, TimeSpan down)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        VmOps.Assert(db, vm, op, legacy: PowerState.Legacy(call.Farm));
        var task = call.Task!;
        VmOps.Begin(db, vm, task, op);
        return new LongOp(async step =>
        {
            try
            {
                await step.Delay(down + Durations.Boot, 0.0, 0.9).ConfigureAwait(false);
                step.Locked(() =>
                {
                    if (vm.Str("power_state") is not ("Running" or "Paused")) throw VmOps.BadPowerState(vm, VmOps.PowerStates(op, vm));
                    var host = db.Get("host", vm.Str("resident_on"));
                    PowerState.Boot(call.Farm, db, vm, host, paused: false);
                });
                return null;
            }
            finally
            {
                step.Locked(() => VmOps.End(db, vm, task));
            }
        });
    }

    /// <summary>The suspend SR: the first of VM.suspend_SR, pool.suspend_image_SR, host.suspend_image_sr visible from the host.</summary>
    private static Rec? SuspendSr(Db db, Rec vm, Rec host)
    {
        foreach (var sr in new[] { vm.Str("suspend_SR"), SimFarm.Pool(db).Str("suspend_image_SR"), host.Str("suspend_image_sr") })
            if (db.TryGet("SR", sr) is { } r && Placement.SrVisible(db, r.Ref, host)) return r;
        return null;
    }

    private static object? Suspend(Call call)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        VmOps.Assert(db, vm, "suspend", legacy: PowerState.Legacy(call.Farm));
        var host = db.Get("host", vm.Str("resident_on"));
        var sr = SuspendSr(db, vm, host) ?? throw new XenApiException("VM_NO_SUSPEND_SR", vm.Ref);
        var task = call.Task!;
        VmOps.Begin(db, vm, task, "suspend");
        return new LongOp(async step =>
        {
            try
            {
                await step.Delay(Durations.Memory(vm), 0.0, 0.9).ConfigureAwait(false);
                step.Locked(() =>
                {
                    if (vm.Str("power_state") != "Running") throw VmOps.BadPowerState(vm, new[] { "Running" });
                    var size = vm.Int("memory_static_max") + 8 * 1024 * 1024;
                    var vdi = Disks.NewVdi(db, sr, "Suspend image", "Suspend image", size, "suspend", new Dictionary<string, object?>(), checkSpace: false);
                    db.Set(vm, "ha_always_run", false);
                    PowerState.Down(db, vm, "Suspended");
                    db.Set(vm, "suspend_VDI", vdi.Ref);
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

    private static object? Resume(Call call, Rec? host, string op, bool paused)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        VmOps.Assert(db, vm, op, legacy: PowerState.Legacy(call.Farm));
        var target = host ?? Placement.Choose(db, vm);
        Placement.AssertCanBootHere(db, vm, target);
        call.Farm.Ha.AssertVmArrival(db, vm, target);
        return Boot(call, vm, target, op, paused, Durations.Memory(vm), () => PowerState.DropSuspendImage(db, vm));
    }

    private static object? Pause(Call call, string op, string state)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        VmOps.Assert(db, vm, op, legacy: PowerState.Legacy(call.Farm));
        db.Set(vm, "power_state", state);
        if (db.TryGet("VM_metrics", vm.Str("metrics")) is { } m)
        {
            m.Fields["state"] = new List<object?> { state == "Paused" ? "paused" : "running" };
            db.Touch(m);
        }

        VmOps.Recompute(db, vm);
        return null;
    }

    /// <summary>xapi_vm.ml power_state_reset: control domains refused; a live VM only when its host is dead.</summary>
    private static object? PowerStateReset(Call call)
    {
        var db = call.Db;
        var vm = call.Obj("VM", 0);
        if (vm.Bool("is_control_domain")) throw new XenApiException("CANNOT_RESET_CONTROL_DOMAIN", vm.Ref);
        if (vm.Str("power_state") is "Running" or "Paused" && db.TryGet("host", vm.Str("resident_on")) is { } host)
        {
            if (host.Ref == call.EndpointHost.Ref && Placement.IsLive(db, host))
                throw new XenApiException("DOMAIN_EXISTS", vm.Ref, vm.Int("domid").ToString(CultureInfo.InvariantCulture));
            // Xapi_host.is_host_alive: live in the database AND answering (a silent host counts as dead).
            if (HaHandlers.IsHostAlive(call.Farm, db, host)) throw new XenApiException("HOST_IS_LIVE", host.Ref);
        }

        if (vm.Str("power_state") == "Suspended") db.Set(vm, "suspend_VDI", Wire.NullRef);
        vm.Map("current_operations").Clear();
        PowerState.Down(db, vm, "Halted");
        return null;
    }
}
