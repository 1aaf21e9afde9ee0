using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Ha;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Handlers;

/// <summary>
/// HA (§8): pool.enable_ha/disable_ha and the planner calls, VM protection setters, assert_agile;
/// dead-host recovery (§4.4): host.declare_dead, pool.emergency_transition_to_master, recover_slaves;
/// message.* (§3.18).
/// </summary>
internal static class HaHandlers
{
    private const long MiB = 1024L * 1024;

    /// <summary>Xha_statefile.minimum_statefile_size: 4 KiB global + 64 hosts × 4 KiB.</summary>
    public const long StatefileSize = 4096 + 64 * 4096;

    /// <summary>Redo_log.minimum_vdi_size: 256 MiB up to 8.2; (4e9 / 4 MiB − 2) × 4 MiB on current builds.</summary>
    public static long RedoLogSize(SimFarm farm) => farm.Options.ApiVersion == "2.21" ? (4_000_000_000L / (4 * MiB) - 2) * 4 * MiB : 256 * MiB;

    /// <summary>Enabling: each of the 3 × hosts steps (preconfigure, join liveset, arm) takes this long.</summary>
    public static readonly TimeSpan EnableStep = TimeSpan.FromSeconds(1);

    public static void Register(MethodTable t)
    {
        VmHandlers.Long(t, "pool.enable_ha", 2, EnableHa);
        t.Add("pool.disable_ha", 0, DisableHa, async: true);
        t.Add("pool.set_ha_host_failures_to_tolerate", 2, SetNtol, async: true);
        t.Add("pool.ha_compute_max_host_failures_to_tolerate", 0, call =>
        {
            var db = call.Db;
            var planner = call.Farm.Ha.Planner(db);
            var max = planner.MaxHostFailuresToTolerate();
            var pool = SimFarm.Pool(db);
            if (pool.Bool("ha_enabled"))
                call.Farm.Ha.Apply(db, FailoverPlanner.PoolStatusAfterComputeMax(
                    new PoolHaState(pool.Int("ha_host_failures_to_tolerate"), pool.Int("ha_plan_exists_for"), pool.Bool("ha_overcommitted")), max));
            return (long)max;
        }, async: true);
        t.Add("pool.ha_compute_hypothetical_max_host_failures_to_tolerate", 1, call =>
        {
            var config = call.Map(0).ToDictionary(kv => kv.Key, kv => Wire.AsString(kv.Value), StringComparer.Ordinal);
            foreach (var vm in config.Keys) _ = call.Db.Get("VM", vm);
            return (long)call.Farm.Ha.Planner(call.Db).ComputeHypotheticalMax(config, HaModel.Priorities(call.Farm));
        }, async: true);
        t.Add("pool.ha_failover_plan_exists", 1, call => call.Farm.Ha.Planner(call.Db).FailoverPlanExists(call.Long(0)), async: true);
        t.Add("pool.ha_compute_vm_failover_plan", 2, call =>
        {
            var hosts = call.List(0).Select(Wire.AsString).ToList();
            var vms = call.List(1).Select(Wire.AsString).ToList();
            foreach (var h in hosts) _ = call.Db.Get("host", h);
            foreach (var v in vms) _ = call.Db.Get("VM", v);
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var row in call.Farm.Ha.Planner(call.Db).PlanFor(hosts, vms))
            {
                var m = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (row.HostRef is not null) m["host"] = row.HostRef;
                if (row.ErrorCode is not null) m["error_code"] = row.ErrorCode;
                result[row.VmRef] = m;
            }

            return result;
        }, async: true);
        t.Add("pool.ha_prevent_restarts_for", 1, call =>
        {
            var seconds = call.Long(0);
            if (!SimFarm.Pool(call.Db).Bool("ha_enabled")) throw new XenApiException("HA_NOT_ENABLED");
            call.Farm.Ha.PreventRestartsUntil(call.Db, seconds);
            return null;
        }, async: true);
        t.Add("pool.set_ha_allow_overcommit", 2, call =>
        {
            var pool = call.Obj("pool", 0);
            call.Db.Set(pool, "ha_allow_overcommit", call.Bool(1));
            return null;
        }, async: true);

        t.Add("VM.set_ha_restart_priority", 2, SetRestartPriority, async: true);
        t.Add("VM.set_ha_always_run", 2, SetAlwaysRun, async: true);
        t.Add("VM.assert_agile", 1, call =>
        {
            if (HaModel.Agility(call.Db, call.Obj("VM", 0)) is { } e) throw e;
            return null;
        }, async: true);
        t.Add("VM.set_is_a_template", 2, call =>
        {
            var vm = call.Obj("VM", 0);
            var value = call.Bool(1);
            // The operation check (make_into_template needs Halted) runs first; then xapi_vm_helpers' VM_IS_PROTECTED
            // for a halted VM HA is about to restart.
            if (value && vm.Str("power_state") != "Halted") throw VmOps.BadPowerState(vm, new[] { "Halted" });
            if (value && SimFarm.Pool(call.Db).Bool("ha_enabled") && HaModel.IsProtected(call.Farm, vm))
                throw new XenApiException("VM_IS_PROTECTED", vm.Ref);
            call.Db.Set(vm, "is_a_template", value);
            if (value) call.Db.Set(vm, "ha_always_run", false);
            VmOps.Recompute(call.Db, vm);
            return null;
        }, async: true);

        t.Add("host.declare_dead", 1, DeclareDead, async: true);
        t.Add("pool.emergency_transition_to_master", 0, EmergencyTransition, async: false);
        t.Add("pool.emergency_reset_master", 1, call =>
        {
            if (SimFarm.Pool(call.Db).Bool("ha_enabled")) throw new XenApiException("HA_IS_ENABLED");
            var address = call.Str(0);
            var target = call.Db.All("host").FirstOrDefault(h => h.Str("address") == address);
            if (target is not null && call.Farm.Faults.For(address).Serving) call.Db.Set(SimFarm.Pool(call.Db), "master", target.Ref);
            return null;
        }, async: false);
        t.Add("pool.recover_slaves", 0, call =>
        {
            var db = call.Db;
            var master = SimFarm.Coordinator(db);
            return db.All("host").Where(h => h.Ref != master.Ref && call.Farm.Faults.Talk(master.Str("address"), h.Str("address")))
                .Select(h => (object?)h.Ref).ToList();
        }, async: true);

        t.Add("message.create", 5, call =>
        {
            var cls = call.Str(2);
            if (cls is not ("VM" or "Host" or "SR" or "Pool" or "VMPP" or "VMSS" or "PVS_proxy" or "VDI" or "Certificate"))
                throw new XenApiException("INVALID_VALUE", "cls", cls);
            return Messages.Add(call.Db, call.Str(0), call.Long(1), cls, call.Str(3), call.Str(4), call.Now).Ref;
        });
        t.Add("message.destroy", 1, call => { call.Db.Delete(call.Obj("message", 0)); return null; });
        t.Add("message.destroy_many", 1, call =>
        {
            foreach (var r in call.List(0).Select(Wire.AsString).ToList()) call.Db.Delete(call.Db.Get("message", r));
            return null;
        });
        t.Add("message.get_since", 1, call =>
        {
            var since = Wire.AsDate(call.Arg(0));
            return Records(call.Db, m => (DateTime)m.Fields["timestamp"]! > since);
        });
        t.Add("message.get", 3, call =>
        {
            var cls = call.Str(0);
            var uuid = call.Str(1);
            var since = Wire.AsDate(call.Arg(2));
            return Records(call.Db, m => m.Str("cls") == cls && m.Str("obj_uuid") == uuid && (DateTime)m.Fields["timestamp"]! > since);
        });
    }

    private static Dictionary<string, object?> Records(Db db, Func<Rec, bool> filter) =>
        db.All("message").Where(filter).ToDictionary(m => m.Ref, m => (object?)db.Snapshot(m), StringComparer.Ordinal);

    // ------------------------------------------------------------------ enable / disable

    /// <summary>Xha_statefile.assert_sr_can_host_statefile (PBDs, SM capability, space); returns nothing or throws.</summary>
    private static void AssertSrCanHostStatefile(SimFarm farm, Db db, Rec sr)
    {
        var pbds = db.All("PBD").Where(p => p.Str("SR") == sr.Ref).ToList();
        if (pbds.Select(p => p.Str("host")).Distinct().Count() < db.Count("host")) throw new XenApiException("SR_HAS_NO_PBDS", sr.Ref);
        if (pbds.Any(p => !p.Bool("currently_attached"))) throw new XenApiException("SR_HAS_NO_PBDS", sr.Ref);
        if (sr.Str("type") is "iso" or "udev" || sr.Str("content_type") == "iso") throw new XenApiException("SR_OPERATION_NOT_SUPPORTED", sr.Ref);
        Fits(farm, db, sr, "ha_statefile", StatefileSize);
        Fits(farm, db, sr, "redo_log", RedoLogSize(farm));
    }

    /// <summary>ha_fits_sr: an existing VDI of the type is reused, else the SR needs room for both (rounded to 4 MiB).</summary>
    private static Rec? Fits(SimFarm farm, Db db, Rec sr, string type, long minimum)
    {
        var existing = db.All("VDI").FirstOrDefault(v => v.Str("SR") == sr.Ref && v.Str("type") == type && v.Int("virtual_size") >= minimum);
        if (existing is not null) return existing;
        var needed = RoundUp(StatefileSize) + RoundUp(RedoLogSize(farm));
        var used = Math.Max(sr.Int("physical_utilisation"), db.All("VDI").Where(v => v.Str("SR") == sr.Ref).Sum(v => v.Int("physical_utilisation")));
        if (sr.Int("physical_size") - used < needed) throw new XenApiException("SR_SOURCE_SPACE_INSUFFICIENT", sr.Ref);
        return null;
    }

    private static long RoundUp(long n) => (n + 4 * MiB - 1) / (4 * MiB) * (4 * MiB);

    private static object? EnableHa(Call call)
    {
        var farm = call.Farm;
        var db = call.Db;
        var pool = SimFarm.Pool(db);
        var srs = call.List(0).Select(Wire.AsString).ToList();
        var configuration = call.Map(1).ToDictionary(kv => kv.Key, kv => (object?)Wire.AsString(kv.Value), StringComparer.Ordinal);
        var ha = farm.Ha.For(db);
        if (pool.Bool("ha_enabled")) throw new XenApiException("HA_IS_ENABLED");
        if (ha.Enabling) throw new XenApiException("HA_ENABLE_IN_PROGRESS");
        if (farm.Options.FreeEdition) throw new XenApiException("LICENCE_RESTRICTION", "HA");
        var unplugged = db.All("PIF").Where(p => p.Fields.TryGetValue("disallow_unplug", out var d) && d is true && !p.Bool("currently_attached")).Select(p => p.Ref).ToArray();
        if (unplugged.Length > 0) throw new XenApiException("REQUIRED_PIF_IS_UNPLUGGED", unplugged);
        foreach (var h in db.All("host"))
            if (!Placement.IsLive(db, h)) throw new XenApiException("HOST_OFFLINE", h.Ref);

        Rec sr;
        if (srs.Count == 0)
        {
            sr = db.All("SR").FirstOrDefault(s =>
            {
                try { AssertSrCanHostStatefile(farm, db, s); return true; }
                catch (XenApiException) { return false; }
            }) ?? throw new XenApiException("CANNOT_CREATE_STATE_FILE");
        }
        else
        {
            sr = db.Get("SR", srs[0]);
        }

        AssertSrCanHostStatefile(farm, db, sr);
        ha.Enabling = true;
        var statefile = Fits(farm, db, sr, "ha_statefile", StatefileSize)
                        ?? Disks.NewVdi(db, sr, "Statefile for HA", "Used for storage heartbeating", StatefileSize, "ha_statefile",
                            new Dictionary<string, object?> { ["type"] = "raw" }, checkSpace: false, physical: StatefileSize, sharable: true);
        var redo = Fits(farm, db, sr, "redo_log", RedoLogSize(farm))
                   ?? Disks.NewVdi(db, sr, "Metadata for HA", "Used for master failover", RedoLogSize(farm), "redo_log",
                       new Dictionary<string, object?>(), checkSpace: false, physical: RedoLogSize(farm), sharable: true);
        db.Set(pool, "ha_statefiles", new List<object?> { statefile.Ref });
        db.Set(pool, "ha_configuration", configuration);
        db.Set(pool, "ha_plan_exists_for", 0L);
        db.Set(pool, "ha_cluster_stack", "xhad");
        var hosts = db.All("host").OrderBy(h => h.Uuid, StringComparer.Ordinal).ToList();
        var steps = 3 * hosts.Count;
        return new LongOp(async step =>
        {
            try
            {
                for (var i = 1; i <= steps; i++)
                {
                    await step.Delay(EnableStep).ConfigureAwait(false);
                    step.Progress((double)i / steps);
                }

                step.Locked(() =>
                {
                    var off = hosts.FirstOrDefault(h => db.TryGet("host", h.Ref) is null || !farm.Faults.For(h.Str("address")).Serving);
                    if (off is not null)
                    {
                        db.Set(pool, "ha_statefiles", new List<object?>());
                        throw new XenApiException("HA_FAILED_TO_FORM_LIVESET");
                    }

                    var peers = hosts.Select(h => (object?)h.Str("address")).ToList();
                    foreach (var h in hosts)
                    {
                        db.Set(h, "ha_statefiles", new List<object?> { statefile.Ref });
                        db.Set(h, "ha_network_peers", peers.Where(p => (string?)p != h.Str("address")).ToList());
                        ha.Liveset.Add(h.Ref);
                        farm.Faults.For(h.Str("address")).SilentSince = null;
                    }

                    ha.LastLiveset = new HashSet<string>(StringComparer.Ordinal);
                    ha.TriedBestEffort.Clear();
                    db.Set(pool, "ha_enabled", true);
                    farm.Ha.UpdatePoolStatus(db);
                    farm.Ha.Evaluate(db);
                });
                _ = farm.Ha.RunRoundAsync(db, new List<string>());
                return null;
            }
            finally
            {
                step.Locked(() => ha.Enabling = false);
            }
        });
    }

    private static object? DisableHa(Call call)
    {
        var db = call.Db;
        var pool = SimFarm.Pool(db);
        if (!pool.Bool("ha_enabled")) throw new XenApiException("HA_NOT_ENABLED");
        db.Set(pool, "ha_enabled", false);
        db.Set(pool, "ha_statefiles", new List<object?>());
        var ha = call.Farm.Ha.For(db);
        ha.Liveset.Clear();
        ha.LastLiveset.Clear();
        foreach (var h in db.All("host").ToList())
        {
            db.Set(h, "ha_statefiles", new List<object?>());
            db.Set(h, "ha_network_peers", new List<object?>());
            var f = call.Farm.Faults.For(h.Str("address"));
            if (f.WaitingLiveset) f.WaitingLiveset = false;
            f.SilentSince = null;
        }

        call.Farm.Ha.Changed();
        return null;
    }

    private static object? SetNtol(Call call)
    {
        var db = call.Db;
        var pool = call.Obj("pool", 0);
        var value = call.Long(1);
        if (value < 0) throw new XenApiException("INVALID_VALUE", "ha_host_failures_to_tolerate", value.ToString(CultureInfo.InvariantCulture));
        if (pool.Int("ha_plan_exists_for") > 0)
            call.Farm.Ha.AssertPreserves(db, _ => new ConfigurationChange { NumFailures = (int)Math.Min(value, int.MaxValue) });
        db.Set(pool, "ha_host_failures_to_tolerate", value);
        call.Farm.Ha.UpdatePoolStatus(db);
        return null;
    }

    // ------------------------------------------------------------------ VM protection

    private static object? SetRestartPriority(Call call)
    {
        var db = call.Db;
        var farm = call.Farm;
        var vm = call.Obj("VM", 0);
        var value = call.Str(1);
        var priorities = HaModel.Priorities(farm);
        if (!priorities.Valid.Contains(value)) throw new XenApiException("INVALID_VALUE", "ha_restart_priority", value);
        var current = vm.Str("ha_restart_priority");
        if (HaModel.Legacy(farm))
        {
            // 5.x: "" only while ha_always_run is false; protection is switched by ha_always_run.
            if (value == "" && vm.Bool("ha_always_run")) throw new XenApiException("INVALID_VALUE", "ha_restart_priority", value);
            if (current != value) db.Set(vm, "ha_restart_priority", value);
            farm.Ha.UpdatePoolStatus(db);
            return null;
        }

        if (current != "restart" && value == "restart")
        {
            if (vm.Str("power_state") != "Halted")
                farm.Ha.AssertPreserves(db, _ => new ConfigurationChange { NewVmsToProtect = new[] { vm.Ref } });
        }

        if (current != value)
        {
            db.Set(vm, "ha_restart_priority", value);
            if (vm.Str("power_state") == "Running") db.Set(vm, "ha_always_run", value == "restart");
        }

        farm.Ha.UpdatePoolStatus(db);
        return null;
    }

    private static object? SetAlwaysRun(Call call)
    {
        var db = call.Db;
        var farm = call.Farm;
        var vm = call.Obj("VM", 0);
        var value = call.Bool(1);
        if (HaModel.Legacy(farm))
        {
            if (value)
            {
                var p = vm.Str("ha_restart_priority");
                if (p == "") throw new XenApiException("INVALID_VALUE", "ha_restart_priority", p);
                if (!vm.Bool("ha_always_run") && HaModel.Priorities(farm).ProtectedValues.Contains(p))
                    farm.Ha.AssertPreserves(db, _ => new ConfigurationChange { NewVmsToProtect = new[] { vm.Ref } });
            }

            db.Set(vm, "ha_always_run", value);
            farm.Ha.UpdatePoolStatus(db);
            return null;
        }

        // Deprecated since boston: true = priority restart; false = priority "" (xapi_vm.ml).
        return SetRestartPriority(new Call
        {
            Farm = farm, Db = db, EndpointHost = call.EndpointHost, Method = call.Method, Session = call.Session, Task = call.Task,
            Args = new List<object?> { vm.Ref, value ? "restart" : "" },
        });
    }

    // ------------------------------------------------------------------ dead hosts

    /// <summary>Xapi_host.is_host_alive: live in the DB and answering the coordinator.</summary>
    public static bool IsHostAlive(SimFarm farm, Db db, Rec host)
    {
        if (!Placement.IsLive(db, host)) return false;
        var master = SimFarm.Coordinator(db);
        return host.Ref == master.Ref || farm.Faults.Talk(master.Str("address"), host.Str("address")) && farm.Faults.For(host.Str("address")).Serving;
    }

    private static object? DeclareDead(Call call)
    {
        if (PowerState.Legacy(call.Farm)) throw new XenApiException("MESSAGE_METHOD_UNKNOWN", call.Method);
        var db = call.Db;
        var host = call.Obj("host", 0);
        if (IsHostAlive(call.Farm, db, host) || host.Ref == SimFarm.Coordinator(db).Ref) throw new XenApiException("HOST_IS_LIVE", host.Ref);
        foreach (var vm in db.All("VM").Where(v => v.Str("resident_on") == host.Ref && !v.Bool("is_control_domain")).ToList())
        {
            vm.Map("current_operations").Clear();
            if (vm.Str("power_state") == "Suspended") db.Set(vm, "suspend_VDI", Wire.NullRef);
            PowerState.Down(db, vm, "Halted");
        }

        if (host.Bool("enabled")) db.Set(host, "enabled", false);
        HostHandlers.Recompute(db, host);
        return null;
    }

    private static object? EmergencyTransition(Call call)
    {
        var db = call.Db;
        var pool = SimFarm.Pool(db);
        if (pool.Bool("ha_enabled")) throw new XenApiException("HA_IS_ENABLED");
        var me = call.EndpointHost;
        if (pool.Str("master") == me.Ref) return null;
        var old = SimFarm.Coordinator(db);
        db.Set(pool, "master", me.Ref);
        foreach (var s in db.All("session").Where(s => s.Str("this_host") == old.Ref).ToList()) db.Delete(s);
        Messages.Add(db, "POOL_MASTER_TRANSITION", 4, "Host", me.Uuid, $"The server '{me.Str("name_label")}' is now the pool coordinator", call.Now);
        foreach (var h in db.All("host")) call.Farm.Faults.For(h.Str("address")).SilentSince = null;
        call.Farm.Ha.Changed();
        return null;
    }
}
