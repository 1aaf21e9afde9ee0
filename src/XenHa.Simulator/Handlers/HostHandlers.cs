using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Handlers;

/// <summary>host.* custom messages: memory, maintenance (disable/enable/evacuate), shutdown/reboot/power_on (§7).</summary>
internal static class HostHandlers
{
    /// <summary>Hosts on which a clean shutdown/reboot was initiated (xapi's localdb host_disabled_until_reboot).</summary>
    private static readonly ConcurrentDictionary<string, bool> DisabledUntilReboot = new(StringComparer.Ordinal);

    public static void Register(MethodTable t)
    {
        t.Add("host.get_management_interface", 1, call =>
        {
            var host = call.Obj("host", 0);
            return call.Db.All("PIF").FirstOrDefault(p => p.Str("host") == host.Ref && p.Bool("management"))?.Ref
                ?? throw new XenApiException("HOST_HAS_NO_MANAGEMENT_IP");
        }, async: true);
        t.Add("host.compute_free_memory", 1, call => FreeMemory(call.Db, call.Obj("host", 0)), async: true);
        t.Add("host.compute_memory_overhead", 1, call => call.Obj("host", 0).Int("memory_overhead"), async: true);
        t.Add("host.get_servertime", 1, call => { _ = call.Obj("host", 0); return call.Now; }, async: true);
        t.Add("host.get_server_localtime", 1, call => { _ = call.Obj("host", 0); return call.Now; }, async: true);
        t.Add("host.list_methods", 0, call => call.Farm.Methods.Names.Select(n => (object?)n).ToList());

        t.Add("host.disable", 1, call =>
        {
            var host = call.Obj("host", 0);
            if (call.Has(1)) _ = call.Bool(1);
            if (host.Bool("enabled"))
                call.Farm.Ha.AssertPreserves(call.Db, _ => new Ha.ConfigurationChange { HostsToDisable = new[] { host.Ref } });
            if (host.Bool("enabled")) call.Db.Set(host, "enabled", false);
            Recompute(call.Db, host);
            return null;
        }, async: true, optional: 1);
        t.Add("host.enable", 1, call =>
        {
            var host = call.Obj("host", 0);
            if (DisabledUntilReboot.ContainsKey(host.Ref)) throw new XenApiException("HOST_DISABLED_UNTIL_REBOOT", host.Ref);
            if (!host.Bool("enabled")) call.Db.Set(host, "enabled", true);
            Recompute(call.Db, host);
            return null;
        }, async: true);
        t.Add("host.get_vms_which_prevent_evacuation", 1, call =>
        {
            var plan = Evacuation.Plan(call.Farm, call.Db, call.Obj("host", 0));
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (vm, (_, error)) in plan)
                if (error is not null) result[vm.Ref] = error.Description().ToList();
            return result;
        }, async: true);
        t.Add("host.assert_can_evacuate", 1, call =>
        {
            var plan = Evacuation.Plan(call.Farm, call.Db, call.Obj("host", 0));
            var errors = plan.Values.Where(p => p.Error is not null).Select(p => string.Join(",", p.Error!.Description().Select(x => (string)x!))).ToList();
            if (errors.Count > 0) throw new XenApiException("CANNOT_EVACUATE_HOST", string.Join("|", errors));
            return null;
        }, async: true);
        VmHandlers.Long(t, "host.evacuate", 1, Evacuation.Evacuate, cancellable: true, optional: 2);
        t.Add("host.shutdown", 1, call => HostPower.ShutdownOrReboot(call, reboot: false), async: true);
        t.Add("host.reboot", 1, call => HostPower.ShutdownOrReboot(call, reboot: true), async: true);
        t.Add("host.power_on", 1, HostPower.PowerOn, async: true);
        t.Add("host.set_power_on_mode", 3, call =>
        {
            var host = call.Obj("host", 0);
            call.Db.Set(host, "power_on_mode", call.Str(1));
            call.Db.Set(host, "power_on_config", call.Map(2).ToDictionary(kv => kv.Key, kv => (object?)Wire.AsString(kv.Value)));
            Recompute(call.Db, host);
            return null;
        }, async: true);
    }

    /// <summary>Total memory minus the host overhead and every resident (or arriving) VM's footprint (incl. dom0).</summary>
    public static long FreeMemory(Db db, Rec host) => Placement.FreeMemory(db, host);

    /// <summary>Writes host_metrics.memory_free from the resident VMs.</summary>
    public static void UpdateFreeMemory(Db db, Rec host) => Placement.UpdateFreeMemory(db, host);

    public static bool IsDisabledUntilReboot(Rec host) => DisabledUntilReboot.ContainsKey(host.Ref);

    public static void SetDisabledUntilReboot(Rec host, bool value)
    {
        if (value) DisabledUntilReboot[host.Ref] = true;
        else DisabledUntilReboot.TryRemove(host.Ref, out _);
    }

    private static readonly string[] LiveOps = { "provision", "evacuate", "shutdown", "reboot", "vm_start", "vm_resume", "vm_migrate" };

    /// <summary>host.allowed_operations: a live host allows the usual set minus whatever conflicts with a running evacuate/shutdown/reboot; a dead one only power_on (if configured).</summary>
    public static void Recompute(Db db, Rec host)
    {
        List<object?> ops;
        if (!Placement.IsLive(db, host))
            ops = host.Str("power_on_mode") != "" ? new List<object?> { "power_on" } : new List<object?>();
        else
        {
            var busy = host.Map("current_operations").Values.Select(v => Wire.AsString(v)).Any(v => v is "evacuate" or "shutdown" or "reboot");
            ops = LiveOps.Where(o => !busy || o is not ("evacuate" or "shutdown" or "reboot" or "provision")).Select(o => (object?)o).ToList();
        }

        if (!host.List("allowed_operations").SequenceEqual(ops)) db.Set(host, "allowed_operations", ops);
    }

    /// <summary>OTHER_OPERATION_IN_PROGRESS ["host", host, op, task] when evacuate/shutdown/reboot already runs.</summary>
    public static void AssertNoHostOperation(Rec host)
    {
        var current = host.Map("current_operations");
        if (current.Count > 0)
        {
            var first = current.First();
            throw new XenApiException("OTHER_OPERATION_IN_PROGRESS", "host", host.Ref, Wire.AsString(first.Value), first.Key);
        }
    }
}

/// <summary>host.evacuate and its planner (xapi_host.ml compute_evacuation_plan_no_wlb, evacuate).</summary>
internal static class Evacuation
{
    public const int DefaultBatchSize = 10;

    /// <summary>
    /// vm → (target, null) or (null, error) for every resident non-control-domain VM: no other enabled host →
    /// NO_HOSTS_AVAILABLE [vm]; assert_can_boot_here (no memory) on EVERY target; then the strict pool_migrate
    /// operation check (overrides); then a memory binpack (biggest VM first onto the target with most free memory),
    /// unplaceable → HOST_NOT_ENOUGH_FREE_MEMORY [vm].
    /// </summary>
    public static Dictionary<Rec, (Rec? Target, XenApiException? Error)> Plan(SimFarm farm, Db db, Rec host)
    {
        var plans = new Dictionary<Rec, (Rec?, XenApiException?)>();
        var targets = db.All("host").Where(h => h.Ref != host.Ref && h.Bool("enabled") && Placement.IsLive(db, h)).ToList();
        var vms = db.All("VM").Where(v => v.Str("resident_on") == host.Ref && !v.Bool("is_control_domain") && v.Str("power_state") is "Running" or "Paused")
            .OrderBy(v => v.Str("name_label"), StringComparer.Ordinal).ToList();
        if (targets.Count == 0)
        {
            foreach (var vm in vms) plans[vm] = (null, new XenApiException("NO_HOSTS_AVAILABLE", vm.Ref));
            return plans;
        }

        if (SimFarm.Pool(db).Bool("ha_enabled"))
            foreach (var vm in vms.Where(v => !(v.Bool("ha_always_run") || v.Str("ha_restart_priority") == "restart")))
                plans[vm] = (null, new XenApiException("HOST_NOT_ENOUGH_FREE_MEMORY", vm.Ref));
        var migratable = new List<Rec>();
        foreach (var vm in vms.Where(v => !plans.ContainsKey(v)))
        {
            var error = targets.Select(h => Placement.CanBootHere(db, vm, h, memory: false)).FirstOrDefault(e => e is not null);
            if (error is null) migratable.Add(vm);
            else plans[vm] = (null, error);
        }

        foreach (var vm in vms)
            if (VmOps.Check(db, vm, "pool_migrate", strict: true, legacy: PowerState.Legacy(farm)) is { } e)
                plans[vm] = (null, e);

        var free = targets.ToDictionary(h => h.Ref, h => Placement.FreeMemory(db, h));
        foreach (var vm in migratable.OrderByDescending(Placement.Footprint))
        {
            var best = targets.OrderByDescending(h => free[h.Ref]).First();
            if (free[best.Ref] < Placement.Footprint(vm))
            {
                plans[vm] = (null, new XenApiException("HOST_NOT_ENOUGH_FREE_MEMORY", vm.Ref));
                continue;
            }

            free[best.Ref] -= Placement.Footprint(vm);
            if (!plans.ContainsKey(vm)) plans[vm] = (best, null);
        }

        return vms.Where(plans.ContainsKey).ToDictionary(v => v, v => plans[v]);
    }

    /// <summary>host.evacuate(host[, network][, evacuate_batch_size]): plan, then Async.VM.pool_migrate sub-tasks in parallel batches.</summary>
    public static object? Evacuate(Call call)
    {
        var db = call.Db;
        var host = call.Obj("host", 0);
        var network = call.Has(1) ? call.Str(1) : "";
        if (network != "" && network != Wire.NullRef) _ = call.Obj("network", 1);
        var batch = call.Has(2) ? (int)call.Long(2) : DefaultBatchSize;
        if (batch <= 0) batch = DefaultBatchSize;
        call.Farm.Ha.AssertPreserves(db, _ => new Ha.ConfigurationChange { HostsToDisable = new[] { host.Ref } });
        HostHandlers.AssertNoHostOperation(host);
        var plan = Plan(call.Farm, db, host);
        if (plan.Values.FirstOrDefault(p => p.Error is not null).Error is { } first) throw first;
        var task = call.Task!;
        host.Map("current_operations")[task.Ref] = "evacuate";
        db.Changed(host);
        HostHandlers.Recompute(db, host);
        var moves = plan.Select(kv => (Vm: kv.Key, Target: kv.Value.Target!)).ToList();
        return new LongOp(async step =>
        {
            try
            {
                await Migrate(step, db, host, moves, batch, network).ConfigureAwait(false);
                step.Locked(() => AssertEmpty(db, host));
                return null;
            }
            finally
            {
                step.Locked(() =>
                {
                    if (host.Map("current_operations").Remove(task.Ref)) db.Changed(host);
                    HostHandlers.Recompute(db, host);
                });
            }
        });
    }

    /// <summary>Runs the migrations batch by batch; per-VM failures are left in their sub-tasks (a VM halted meanwhile is fine).</summary>
    public static async Task Migrate(Step step, Db db, Rec host, List<(Rec Vm, Rec Target)> moves, int batch, string network)
    {
        var done = 0;
        var options = new Dictionary<string, object?> { ["live"] = "true" };
        if (network is not ("" or Wire.NullRef)) options["network"] = network;
        foreach (var chunk in moves.Chunk(batch))
        {
            step.ThrowIfCancelled();
            await Task.WhenAll(chunk.Select(async m =>
            {
                try
                {
                    await step.Farm.Tasks.RunChild(db, "Async.VM.pool_migrate", step.Task,
                        t => Migration.Prepare(step.Farm, db, m.Vm, m.Target, options, t), cancellable: true, step.Token).ConfigureAwait(false);
                }
                catch (XenApiException)
                {
                }

                var n = System.Threading.Interlocked.Increment(ref done);
                step.Progress((double)n / moves.Count);
            })).ConfigureAwait(false);
        }

        step.ThrowIfCancelled();
    }

    public static void AssertEmpty(Db db, Rec host)
    {
        var left = db.All("VM").Count(v => v.Str("resident_on") == host.Ref && !v.Bool("is_control_domain") && v.Str("power_state") is "Running" or "Paused");
        if (left > 0) throw new XenApiException("INTERNAL_ERROR", $"evacuate: {left} VMs are still resident on {host.Ref}");
    }
}

/// <summary>host.shutdown / host.reboot / host.power_on (§7): returns at once, the host goes down on the clock.</summary>
internal static class HostPower
{
    public static object? ShutdownOrReboot(Call call, bool reboot)
    {
        var db = call.Db;
        var farm = call.Farm;
        var host = call.Obj("host", 0);
        if (host.Bool("enabled")) throw new XenApiException("HOST_NOT_DISABLED");
        HostHandlers.AssertNoHostOperation(host);
        var op = reboot ? "reboot" : "shutdown";
        var task = farm.Tasks.Create(db, "host." + op, "", SimFarm.Coordinator(db), cancellable: false);
        host.Map("current_operations")[task.Ref] = op;
        db.Changed(host);
        HostHandlers.SetDisabledUntilReboot(host, true);
        HostHandlers.Recompute(db, host);
        _ = Task.Run(async () =>
        {
            try
            {
                var result = await farm.Tasks.RunLong(db, task, new LongOp(step => GoDown(step, host, reboot))).ConfigureAwait(false);
                lock (farm.Lock) farm.Tasks.Complete(db, task, result);
            }
            catch (XenApiException e)
            {
                lock (farm.Lock) farm.Tasks.Fail(db, task, e);
            }
        });
        return null;
    }

    /// <summary>
    /// xapi's pre-poweroff (vm_evacuation.ml): the VMs get_vms_which_prevent_evacuation reports are shut down
    /// (clean if the guest can, else hard), the rest live-migrate away, anything left is hard-stopped; then PBDs
    /// unplug and the host is not live. A reboot comes back (live, PBDs plugged, enabled) after the boot time.
    /// </summary>
    private static async Task<object?> GoDown(Step step, Rec host, bool reboot)
    {
        var db = step.Db;
        await step.Delay(Durations.HostShutdownDelay).ConfigureAwait(false);
        var moves = step.Locked(() =>
        {
            var plan = Evacuation.Plan(step.Farm, db, host);
            foreach (var (vm, (_, error)) in plan)
                if (error is not null) PowerState.Down(db, vm, "Halted");
            return plan.Where(kv => kv.Value.Target is not null).Select(kv => (kv.Key, kv.Value.Target!)).ToList();
        });
        if (moves.Count > 0) await Evacuation.Migrate(step, db, host, moves, Evacuation.DefaultBatchSize, "").ConfigureAwait(false);
        await step.Delay(Durations.CleanShutdown).ConfigureAwait(false);
        step.Locked(() =>
        {
            foreach (var vm in db.All("VM").Where(v => v.Str("resident_on") == host.Ref && !v.Bool("is_control_domain")).ToList())
                PowerState.Down(db, vm, "Halted");
            foreach (var pbd in db.All("PBD").Where(p => p.Str("host") == host.Ref).ToList()) db.Set(pbd, "currently_attached", false);
            SetLive(db, host, false);
            host.Map("current_operations").Clear();
            db.Changed(host);
            HostHandlers.Recompute(db, host);
        });
        if (reboot) await Boot(step.Farm, db, host).ConfigureAwait(false);
        return null;
    }

    private static void SetLive(Db db, Rec host, bool live)
    {
        var m = db.Get("host_metrics", host.Str("metrics"));
        db.Set(m, "live", live);
        db.Set(m, "last_updated", DateTime.UtcNow);
    }

    /// <summary>The host boots: live again, PBDs plugged, re-enabled (auto_enable), disabled_until_reboot cleared.</summary>
    public static async Task Boot(SimFarm farm, Db db, Rec host)
    {
        await farm.Clock.Delay(Durations.HostBoot).ConfigureAwait(false);
        lock (farm.Lock)
        {
            if (db.TryGet("host", host.Ref) is null) return;
            foreach (var pbd in db.All("PBD").Where(p => p.Str("host") == host.Ref).ToList()) db.Set(pbd, "currently_attached", true);
            SetLive(db, host, true);
            var seconds = (farm.Clock.UtcNow - DateTime.UnixEpoch).TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
            host.Map("other_config")["boot_time"] = seconds;
            host.Map("other_config")["agent_start_time"] = seconds;
            host.Map("current_operations").Clear();
            HostHandlers.SetDisabledUntilReboot(host, false);
            db.Set(host, "enabled", true);
            HostHandlers.Recompute(db, host);
            Placement.UpdateFreeMemory(db, host);
        }
    }

    public static object? PowerOn(Call call)
    {
        var db = call.Db;
        var host = call.Obj("host", 0);
        if (Placement.IsLive(db, host)) throw new XenApiException("HOST_IS_LIVE", host.Ref);
        if (host.Str("power_on_mode") == "") throw new XenApiException("HOST_POWER_ON_MODE_DISABLED");
        host.Map("current_operations")[Wire.NewRef()] = "power_on";
        db.Changed(host);
        _ = Task.Run(() => Boot(call.Farm, db, host));
        return null;
    }
}
