using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>pool.* custom messages: join/join_force, eject, designate_new_master and the validated setters (reference §4).</summary>
internal static class PoolHandlers
{
    /// <summary>Simulated time between the join reply and the joiner's toolstack restart (then it answers HOST_IS_SLAVE).</summary>
    public static readonly TimeSpan JoinRestartDelay = TimeSpan.FromSeconds(1);

    /// <summary>Simulated time a new supporter stays enabled=false after its restart.</summary>
    public static readonly TimeSpan EnableDelay = TimeSpan.FromSeconds(2);

    /// <summary>Simulated reboot of an ejected host (enabled=false, not live, until it is over).</summary>
    public static readonly TimeSpan EjectRebootDelay = TimeSpan.FromSeconds(5);

    public static void Register(MethodTable t)
    {
        t.Add("pool.sync_database", 0, _ => null, async: true);
        t.Add("pool.get_license_state", 1, call =>
        {
            _ = call.Obj("pool", 0);
            return new Dictionary<string, object?> { ["edition"] = call.Farm.Options.FreeEdition ? "free" : "xenserver-premium", ["expiry"] = "30000101T00:00:00Z" };
        }, async: true);
        t.Add("pool.join", 3, call => Join(call, force: false), async: true);
        t.Add("pool.join_force", 3, call => Join(call, force: true), async: true);
        t.Add("pool.eject", 1, Eject, async: true);
        t.Add("pool.designate_new_master", 1, DesignateNewMaster, async: true);
        t.Add("pool.set_name_label", 2, call => { call.Db.Set(call.Obj("pool", 0), "name_label", call.Str(1)); return null; }, async: true);
        t.Add("pool.set_name_description", 2, call => { call.Db.Set(call.Obj("pool", 0), "name_description", call.Str(1)); return null; }, async: true);
        foreach (var f in new[] { "default_SR", "suspend_image_SR", "crash_dump_SR" })
        {
            var field = f;
            t.Add("pool.set_" + field, 2, call =>
            {
                var pool = call.Obj("pool", 0);
                var sr = call.Str(1);
                if (sr != Wire.NullRef) _ = call.Db.Get("SR", sr);
                call.Db.Set(pool, field, sr);
                return null;
            }, async: true);
        }
    }

    // ------------------------------------------------------------------ join

    private static object? Join(Call call, bool force)
    {
        var farm = call.Farm;
        var jdb = call.Db;
        var joiner = call.EndpointHost;
        var address = call.Str(0);
        var user = call.Str(1);
        var password = call.Str(2);

        // The joiner logs into the coordinator (xapi_pool.ml join_common): nothing listening → JOINING_HOST_CONNECTION_FAILED.
        if (farm.HostByAddress(address) is not var (pdb, target) || !farm.Faults.Reachable(address)) throw new XenApiException("JOINING_HOST_CONNECTION_FAILED");
        if (SimFarm.IsSupporter(pdb, target)) throw SimFarm.HostIsSlave(pdb);
        if (user != farm.Options.User || password != farm.Options.Password)
            throw new XenApiException("SESSION_AUTHENTICATION_FAILED", user, "Authentication failure");

        var pool = SimFarm.Pool(pdb);
        var master = SimFarm.Coordinator(pdb);

        // Pre-join checks in xapi's order (reference §4.1).
        if (farm.Options.FreeEdition && pdb.Count("host") >= 3) throw new XenApiException("LICENCE_RESTRICTION", "Pool_size");
        if (SimFarm.Pool(jdb).Bool("ha_enabled")) throw new XenApiException("HA_IS_ENABLED");
        if (pool.Bool("ha_enabled")) throw new XenApiException("HA_IS_ENABLED");
        if (master.Uuid == joiner.Uuid)
            throw new XenApiException("OPERATION_NOT_ALLOWED", jdb.Count("host") > 1 ? "Host is already part of a pool" : "Host cannot become slave of itself");
        if (jdb.Count("host") > 1) throw new XenApiException("JOINING_HOST_CANNOT_BE_MASTER_OF_OTHER_HOSTS");
        var guests = jdb.All("VM").Where(v => !v.Bool("is_control_domain") && !v.Bool("is_a_template") && !v.Bool("is_a_snapshot")).ToList();
        if (guests.Any(v => v.Str("power_state") == "Running")) throw new XenApiException("JOINING_HOST_CANNOT_HAVE_RUNNING_VMS");
        if (guests.Any(v => v.Map("current_operations").Count > 0)) throw new XenApiException("JOINING_HOST_CANNOT_HAVE_VMS_WITH_CURRENT_OPERATIONS");
        var js = joiner.Map("software_version");
        var ms = master.Map("software_version");
        string Sw(Dictionary<string, object?> d, string k) => d.TryGetValue(k, out var v) ? v as string ?? "" : "";
        if (Sw(js, "platform_version") != Sw(ms, "platform_version") || Sw(js, "product_brand") != Sw(ms, "product_brand"))
            throw new XenApiException("HOSTS_NOT_COMPATIBLE");
        if (!force)
        {
            if (Sw(js, "xapi") != Sw(ms, "xapi") || Sw(js, "git_id") != Sw(ms, "git_id"))
                throw new XenApiException("HOSTS_NOT_HOMOGENEOUS", "Software version differs");
            if (Sw(joiner.Map("cpu_info"), "vendor") != Sw(master.Map("cpu_info"), "vendor"))
                throw new XenApiException("HOSTS_NOT_HOMOGENEOUS", "CPUs differ");
        }

        if (jdb.All("SR").Any(s => s.Bool("shared"))) throw new XenApiException("JOINING_HOST_CANNOT_CONTAIN_SHARED_SRS");
        if (joiner.Int("API_version_major") != master.Int("API_version_major") || joiner.Int("API_version_minor") != master.Int("API_version_minor"))
            throw new XenApiException("POOL_JOINING_HOST_MUST_HAVE_SAME_API_VERSION",
                $"{joiner.Int("API_version_major")}.{joiner.Int("API_version_minor")}", $"{master.Int("API_version_major")}.{master.Int("API_version_minor")}");

        var state = Pending(farm);
        if (!state.Add(joiner.Ref)) throw new XenApiException("OTHER_OPERATION_IN_PROGRESS", "host", joiner.Ref, "pool_join");

        // The call (or its task) completes first; the joiner's toolstack then restarts as a supporter.
        _ = Task.Run(async () =>
        {
            await farm.Clock.Delay(JoinRestartDelay).ConfigureAwait(false);
            lock (farm.Lock)
            {
                state.Remove(joiner.Ref);
                if (!farm.Pools.Contains(jdb) || !farm.Pools.Contains(pdb)) return;
                Merge(farm, jdb, pdb, joiner);
            }

            await farm.Clock.Delay(EnableDelay).ConfigureAwait(false);
            lock (farm.Lock)
            {
                if (pdb.TryGet("host", joiner.Ref) is { } h) pdb.Set(h, "enabled", true);
            }
        });
        return null;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SimFarm, HashSet<string>> PendingJoins = new();

    private static HashSet<string> Pending(SimFarm farm) => PendingJoins.GetOrCreateValue(farm);

    /// <summary>Moves the joiner's host-level records into the pool database and drops the joiner's own pool. Under the farm lock.</summary>
    internal static void Merge(SimFarm farm, Db jdb, Db pdb, Rec joiner)
    {
        var moved = new List<Rec> { joiner };
        if (jdb.TryGet("host_metrics", joiner.Str("metrics")) is { } hm) moved.Add(hm);
        var pifs = jdb.All("PIF").Where(p => p.Str("host") == joiner.Ref).ToList();
        moved.AddRange(pifs);
        var pbds = jdb.All("PBD").Where(p => p.Str("host") == joiner.Ref).ToList();
        var srs = pbds.Select(p => jdb.TryGet("SR", p.Str("SR"))).Where(s => s is not null).Cast<Rec>().Distinct().ToList();
        moved.AddRange(srs);
        moved.AddRange(pbds);
        moved.AddRange(jdb.All("VDI").Where(v => srs.Any(s => s.Ref == v.Str("SR"))));
        var poolSecrets = new[] { SimFarm.Pool(jdb).Str("telemetry_uuid"), SimFarm.Pool(jdb).Str("repository_proxy_password") };
        moved.AddRange(jdb.All("secret").Where(x => !poolSecrets.Contains(x.Ref)));
        if (jdb.TryGet("VM", joiner.Str("control_domain")) is { } dom0)
        {
            moved.Add(dom0);
            if (jdb.TryGet("VM_metrics", dom0.Str("metrics")) is { } vmm) moved.Add(vmm);
            if (jdb.TryGet("VM_guest_metrics", dom0.Str("guest_metrics")) is { } gm) moved.Add(gm);
        }

        // Guest VMs and templates are not carried over (nor their VBDs: VDI.VBDs is computed in the pool database).
        foreach (var rec in moved) pdb.Adopt(rec);

        // Networks are matched by device name (xapi): the joiner's eth0 PIF joins the pool's eth0 network.
        foreach (var pif in pifs)
        {
            var poolNet = pdb.All("PIF").Where(p => p.Str("device") == pif.Str("device") && p.Str("host") != joiner.Ref && p.Int("VLAN") == pif.Int("VLAN"))
                .Select(p => p.Str("network")).FirstOrDefault();
            if (poolNet is not null && pdb.TryGet("network", poolNet) is not null)
            {
                pdb.Set(pif, "network", poolNet);
            }
            else if (jdb.TryGet("network", pif.Str("network")) is { } own && pdb.TryGet("network", own.Ref) is null)
            {
                pdb.Adopt(own);
            }
        }

        pdb.Set(joiner, "enabled", false);
        farm.Pools.Remove(jdb);
        System.Threading.Monitor.PulseAll(farm.Lock);

        // The new supporter plugs a PBD for every shared SR (copying the coordinator's device_config).
        var master = SimFarm.Coordinator(pdb);
        foreach (var sr in pdb.All("SR").Where(s => s.Bool("shared")).ToList())
        {
            var template = pdb.All("PBD").Where(p => p.Str("SR") == sr.Ref).OrderBy(p => p.Str("host") == master.Ref ? 0 : 1).FirstOrDefault();
            if (template is null || pdb.All("PBD").Any(p => p.Str("SR") == sr.Ref && p.Str("host") == joiner.Ref)) continue;
            var pbd = pdb.Create("PBD", new Dictionary<string, object?>
            {
                ["host"] = joiner.Ref,
                ["SR"] = sr.Ref,
                ["device_config"] = Db.Copy(template.Map("device_config")),
            });
            try
            {
                SrHandlers.Plug(farm, pdb, pbd);
            }
            catch (XenApiException)
            {
                // left unplugged, as xapi does when a supporter cannot reach the storage
            }
        }
    }

    // ------------------------------------------------------------------ eject

    private static object? Eject(Call call)
    {
        var db = call.Db;
        var host = call.Obj("host", 0);
        var pool = SimFarm.Pool(db);
        if (pool.Bool("ha_enabled")) throw new XenApiException("HA_IS_ENABLED");
        if (pool.Str("master") == host.Ref) throw new XenApiException("INTERNAL_ERROR", "Xapi_pool.Cannot_eject_master");
        if (db.All("VM").Any(v => v.Str("resident_on") == host.Ref && !v.Bool("is_control_domain") && v.Str("power_state") != "Halted"))
            throw new XenApiException("OPERATION_NOT_ALLOWED", "VM resident on host");

        var farm = call.Farm;
        var address = host.Str("address");
        var k = HostIndex(host);

        // unplug_pbds: its PBDs go, SRs only it used are forgotten (local SR, DVD drives) with their VDIs.
        var pbds = db.All("PBD").Where(p => p.Str("host") == host.Ref).ToList();
        var srs = pbds.Select(p => p.Str("SR")).Distinct().Where(sr => db.All("PBD").All(p => p.Str("SR") != sr || p.Str("host") == host.Ref)).ToList();
        foreach (var p in pbds) { SrHandlers.CleanSecrets(db, p); db.Delete(p); }
        var vdis = db.All("VDI").Where(v => srs.Contains(v.Str("SR"))).ToList();
        // Local VMs (resident there or with disks only on its local storage) are gone with the host.
        var vms = db.All("VM").Where(v => !v.Bool("is_a_template") && (v.Str("resident_on") == host.Ref
            || (!v.Bool("is_control_domain") && DisksOn(db, v, vdis)))).ToList();
        foreach (var vm in vms) DeleteVm(db, vm);
        foreach (var v in vdis) db.Delete(v);
        foreach (var sr in srs) if (db.TryGet("SR", sr) is { } r) db.Delete(r);
        foreach (var pif in db.All("PIF").Where(p => p.Str("host") == host.Ref).ToList()) db.Delete(pif);
        if (db.TryGet("host_metrics", host.Str("metrics")) is { } hm) db.Delete(hm);
        foreach (var s in db.All("session").Where(s => s.Str("this_host") == host.Ref).ToList()) db.Delete(s);
        db.Delete(host);
        foreach (var v in db.All("VM").ToList()) if (v.Str("affinity") == host.Ref) db.Set(v, "affinity", Wire.NullRef);

        // It reboots and comes back as a freshly installed standalone host.
        var (fdb, fresh) = SeedStandalone(farm, k, address);
        fresh.Fields["enabled"] = false;
        var metrics = fdb.Get("host_metrics", fresh.Str("metrics"));
        metrics.Fields["live"] = false;
        _ = Task.Run(async () =>
        {
            await farm.Clock.Delay(EjectRebootDelay).ConfigureAwait(false);
            lock (farm.Lock)
            {
                if (fdb.TryGet("host", fresh.Ref) is null) return;
                fdb.Set(fresh, "enabled", true);
                fdb.Set(metrics, "live", true);
            }
        });
        return null;
    }

    private static bool DisksOn(Db db, Rec vm, List<Rec> vdis)
    {
        var vbds = db.All("VBD").Where(b => b.Str("VM") == vm.Ref && b.Str("type") == "Disk").ToList();
        return vbds.Count > 0 && vbds.All(b => vdis.Any(v => v.Ref == b.Str("VDI")));
    }

    private static void DeleteVm(Db db, Rec vm)
    {
        foreach (var b in db.All("VBD").Where(b => b.Str("VM") == vm.Ref).ToList()) db.Delete(b);
        foreach (var v in db.All("VIF").Where(v => v.Str("VM") == vm.Ref).ToList()) db.Delete(v);
        if (db.TryGet("VM_metrics", vm.Str("metrics")) is { } m) db.Delete(m);
        if (db.TryGet("VM_guest_metrics", vm.Str("guest_metrics")) is { } g) db.Delete(g);
        db.Delete(vm);
    }

    private static int HostIndex(Rec host)
    {
        var name = host.Fields.TryGetValue("hostname", out var h) && h is string s && s.Length > 0 ? s : host.Str("name_label");
        var digits = new string(name.Reverse().TakeWhile(char.IsDigit).Reverse().ToArray());
        return digits.Length > 0 ? int.Parse(digits, CultureInfo.InvariantCulture) : 1;
    }

    /// <summary>A freshly installed standalone host in a new pool of one, seeded as the farm seeds hosts. Under the farm lock.</summary>
    internal static (Db Db, Rec Host) SeedStandalone(SimFarm farm, int k, string address)
    {
        var db = farm.NewPoolDb();
        var net = FarmBuilder.Network(db);
        var host = FarmBuilder.Host(farm, db, k, address, net);
        var localSr = db.All("SR").First(s => s.Str("name_label") == "Local storage");
        db.Create("pool", new Dictionary<string, object?>
        {
            ["name_label"] = "",
            ["master"] = host.Ref,
            ["default_SR"] = localSr.Ref,
            ["suspend_image_SR"] = localSr.Ref,
            ["crash_dump_SR"] = localSr.Ref,
            ["restrictions"] = FarmBuilder.Restrictions(),
            ["cpu_info"] = FarmBuilder.CpuInfo(farm.Options.Cpus),
            ["telemetry_uuid"] = db.Create("secret", new Dictionary<string, object?> { ["value"] = Wire.NewUuid() }).Ref,
            ["other_config"] = new Dictionary<string, object?> { ["memory-ratio-hvm"] = "0.25", ["memory-ratio-pv"] = "0.25" },
        });
        FarmBuilder.Templates(db);
        HostHandlers.UpdateFreeMemory(db, host);
        foreach (var vm in db.All("VM").ToList()) VmOps.Recompute(db, vm);
        return (db, host);
    }

    // ------------------------------------------------------------------ designate_new_master

    private static object? DesignateNewMaster(Call call)
    {
        var db = call.Db;
        var host = call.Obj("host", 0);
        var pool = SimFarm.Pool(db);
        if (pool.Bool("ha_enabled")) throw new XenApiException("HA_IS_ENABLED");
        if (pool.Str("master") == host.Ref) return null;
        db.Set(pool, "master", host.Ref);
        return null;
    }
}
