using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Faults;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Ha;

/// <summary>HA state of one pool that is not in its database (xhad's liveset, the restart bookkeeping of xapi_ha_vm_failover).</summary>
internal sealed class PoolHa
{
    /// <summary>Host refs in the HA liveset (empty while HA is off).</summary>
    public HashSet<string> Liveset { get; } = new(StringComparer.Ordinal);

    /// <summary>The liveset seen by the previous restart round.</summary>
    public HashSet<string> LastLiveset { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Protected VMs for which HA_PROTECTED_VM_RESTART_FAILED was sent (at most one alert each).</summary>
    public HashSet<string> RestartFailed { get; } = new(StringComparer.Ordinal);

    /// <summary>Last restart attempt per VM (a failed VM is not retried for 120 s).</summary>
    public Dictionary<string, DateTime> LastStartAttempt { get; } = new(StringComparer.Ordinal);

    /// <summary>Best-effort VMs that failed to start, with their attempt count (ha_best_effort_max_retries = 2).</summary>
    public Dictionary<string, int> TriedBestEffort { get; } = new(StringComparer.Ordinal);

    public SemaphoreSlim Round { get; } = new(1, 1);

    public bool Enabling { get; set; }

    /// <summary>pool.ha_prevent_restarts_for: no restart rounds before this simulated time.</summary>
    public DateTime PreventRestartsUntil { get; set; }
}

/// <summary>
/// Host liveness and HA on the simulated clock: power loss/on, partitions, the non-HA liveness timeout,
/// the HA liveset, self-fencing, coordinator failover and xapi's restart_auto_run_vms.
/// </summary>
internal sealed class HaRuntime
{
    /// <summary>xapi's HA monitor poll (ha_monitor_interval).</summary>
    public static readonly TimeSpan MonitorInterval = TimeSpan.FromSeconds(20);

    /// <summary>A failed protected VM is not retried sooner (xapi_ha_vm_failover.ml).</summary>
    public static readonly TimeSpan RetryHoldOff = TimeSpan.FromSeconds(120);

    public const int BestEffortMaxRetries = 2;

    private readonly SimFarm _farm;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<Db, PoolHa> _pools = new();

    public HaRuntime(SimFarm farm) => _farm = farm;

    public FaultState Faults => _farm.Faults;

    public PoolHa For(Db db)
    {
        if (!_pools.TryGetValue(db, out var p)) _pools[db] = p = new PoolHa();
        return p;
    }

    public TimeSpan LivenessTimeout => TimeSpan.FromSeconds(_farm.Options.LivenessTimeoutSeconds);

    /// <summary>ha_configuration timeout → pool.other_config default_ha_timeout → 60 s.</summary>
    public static TimeSpan HaTimeout(Db db)
    {
        var pool = SimFarm.Pool(db);
        foreach (var (map, key) in new[] { (pool.Map("ha_configuration"), "timeout"), (pool.Map("other_config"), "default_ha_timeout") })
            if (map.TryGetValue(key, out var v) && long.TryParse(Wire.AsString(v), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s > 0)
                return TimeSpan.FromSeconds(s);
        return TimeSpan.FromSeconds(60);
    }

    public void Start() => _ = Task.Run(MonitorLoop);

    public void PreventRestartsUntil(Db db, long seconds) =>
        For(db).PreventRestartsUntil = seconds <= 0 ? DateTime.MinValue : _farm.Clock.UtcNow + TimeSpan.FromSeconds(seconds);

    public void Stop() => _stop.Cancel();

    private async Task MonitorLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _farm.Clock.Delay(MonitorInterval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            List<Db> pools;
            lock (_farm.Lock) pools = _farm.Pools.Where(db => SimFarm.Pool(db).Bool("ha_enabled")).ToList();
            foreach (var db in pools)
            {
                bool needed;
                lock (_farm.Lock)
                {
                    Evaluate(db);
                    needed = SimFarm.Pool(db).Bool("ha_enabled") && Coordinator(db) is not null
                             && (db.All("VM").Any(v => HaModel.IsGuest(v) && HaModel.IsProtected(_farm, v) && v.Str("power_state") == "Halted")
                                 || For(db).TriedBestEffort.Count > 0);
                    UpdatePoolStatus(db);
                }

                if (needed) _ = RunRoundAsync(db, new List<string>());
            }
        }
    }

    private HostFault F(Rec host) => Faults.For(host.Str("address"));

    /// <summary>The pool's coordinator if it is running, else null.</summary>
    private Rec? Coordinator(Db db)
    {
        var c = SimFarm.Coordinator(db);
        return F(c).Running ? c : null;
    }

    private void Schedule(Db db, TimeSpan after)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await _farm.Clock.Delay(after, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_farm.Lock)
            {
                if (_farm.Pools.Contains(db)) Evaluate(db);
            }
        });
    }

    /// <summary>Re-evaluates every pool after a fault changed. Under the lock.</summary>
    public void Changed()
    {
        foreach (var db in _farm.Pools.ToList()) Evaluate(db);
    }

    private static void SetLive(Db db, Rec host, bool live, DateTime now)
    {
        if (db.TryGet("host_metrics", host.Str("metrics")) is not { } m) return;
        if (m.Bool("live") != live) db.Set(m, "live", live);
        m.Fields["last_updated"] = now;
        HostHandlers.Recompute(db, host);
    }

    /// <summary>Heartbeats as the coordinator sees them: liveness without HA, the liveset with HA. Under the lock.</summary>
    public void Evaluate(Db db)
    {
        if (SimFarm.Pool(db).Bool("ha_enabled")) EvaluateHa(db);
        else EvaluateNonHa(db);
    }

    private void EvaluateNonHa(Db db)
    {
        var now = _farm.Clock.UtcNow;
        var master = SimFarm.Coordinator(db);
        var mf = F(master);
        foreach (var h in db.All("host").ToList())
        {
            var f = F(h);
            if (h.Ref == master.Ref) { f.SilentSince = null; continue; }
            if (!mf.Running) continue; // nobody is judging
            if (f.Serving && Faults.Talk(master.Str("address"), h.Str("address")))
            {
                f.SilentSince = null;
                if (!Placement.IsLive(db, h)) SetLive(db, h, true, now);
                continue;
            }

            if (f.SilentSince is null)
            {
                f.SilentSince = now;
                Schedule(db, LivenessTimeout);
            }
            else if (now - f.SilentSince.Value >= LivenessTimeout - TimeSpan.FromMilliseconds(50))
            {
                if (Placement.IsLive(db, h)) SetLive(db, h, false, now);
            }
            else
            {
                // A timer that fired early (scaled clock granularity) must not lose the deadline: check again then.
                Schedule(db, LivenessTimeout - (now - f.SilentSince.Value));
            }
        }
    }

    /// <summary>The surviving partition: most liveset members, ties → the one holding the lowest host uuid.</summary>
    private int? SurvivorGroup(Db db, PoolHa ha)
    {
        var members = db.All("host").Where(h => ha.Liveset.Contains(h.Ref) && F(h).Running).ToList();
        if (members.Count == 0) return null;
        return members.GroupBy(h => F(h).Group)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Select(h => h.Uuid).OrderBy(u => u, StringComparer.Ordinal).First(), StringComparer.Ordinal)
            .First().Key;
    }

    private void EvaluateHa(Db db)
    {
        var now = _farm.Clock.UtcNow;
        var ha = For(db);
        var timeout = HaTimeout(db);
        var survivors = SurvivorGroup(db, ha);
        var failed = new List<Rec>();
        foreach (var h in db.All("host").Where(h => ha.Liveset.Contains(h.Ref)).ToList())
        {
            var f = F(h);
            if (f.Running && survivors == f.Group) { f.SilentSince = null; continue; }
            if (f.SilentSince is null)
            {
                f.SilentSince = now;
                Schedule(db, timeout);
            }
            else if (now - f.SilentSince.Value >= timeout - TimeSpan.FromMilliseconds(50))
            {
                failed.Add(h);
            }
            else
            {
                Schedule(db, timeout - (now - f.SilentSince.Value));
            }
        }

        if (failed.Count > 0)
        {
            foreach (var h in failed)
            {
                ha.Liveset.Remove(h.Ref);
                // A running host outside the surviving partition self-fences (watchdog reboot).
                if (F(h).Running) Fence(db, h);
            }

            // Coordinator lost: the first survivor (by uuid) takes over; the others now point at it.
            var master = SimFarm.Coordinator(db);
            if (!ha.Liveset.Contains(master.Ref))
            {
                var next = db.All("host").Where(h => ha.Liveset.Contains(h.Ref)).OrderBy(h => h.Uuid, StringComparer.Ordinal).FirstOrDefault();
                if (next is not null)
                {
                    db.Set(SimFarm.Pool(db), "master", next.Ref);
                    Messages.Add(db, "POOL_MASTER_TRANSITION", 4, "Host", next.Uuid, $"The server '{next.Str("name_label")}' is now the pool coordinator", now);
                    foreach (var s in db.All("session").Where(s => s.Str("this_host") == master.Ref).ToList()) db.Delete(s);
                }
            }

            var reset = DeclareFailed(db, failed, now);
            if (Coordinator(db) is not null) _ = RunRoundAsync(db, reset);
        }

        // Booted hosts waiting for the liveset join it once they can see the coordinator's partition.
        var coordinator = Coordinator(db);
        var grew = false;
        foreach (var h in db.All("host").ToList())
        {
            var f = F(h);
            if (!f.WaitingLiveset || !f.Running || coordinator is null) continue;
            if (!Faults.Talk(coordinator.Str("address"), h.Str("address"))) continue;
            f.WaitingLiveset = false;
            f.SilentSince = null;
            ha.Liveset.Add(h.Ref);
            SetLive(db, h, true, now);
            if (!h.Bool("enabled") && !HostHandlers.IsDisabledUntilReboot(h)) db.Set(h, "enabled", true);
            HostHandlers.Recompute(db, h);
            grew = true;
        }

        if (grew)
        {
            UpdatePoolStatus(db);
            _ = RunRoundAsync(db, new List<string>());
        }
    }

    /// <summary>
    /// restart_auto_run_vms, first half: live=false, HA_HOST_FAILED (3), every non-control VM running or paused there
    /// force-reset to Halted, pool status recomputed. Returns the reset VMs.
    /// </summary>
    private List<string> DeclareFailed(Db db, List<Rec> hosts, DateTime now)
    {
        var reset = new List<string>();
        foreach (var h in hosts)
        {
            var vms = db.All("VM").Where(v => !v.Bool("is_control_domain") && v.Str("resident_on") == h.Ref).ToList();
            reset.AddRange(vms.Select(v => v.Ref));
            if (Placement.IsLive(db, h))
            {
                Messages.Add(db, "HA_HOST_FAILED", 3, "Host", h.Uuid, $"Server '{h.Str("name_label")}' has failed", now);
                SetLive(db, h, false, now);
            }

            foreach (var vm in vms.Where(v => v.Str("power_state") is "Running" or "Paused"))
            {
                vm.Map("current_operations").Clear();
                PowerState.Down(db, vm, "Halted");
            }

            foreach (var vm in db.All("VM").Where(v => v.Str("scheduled_to_be_resident_on") == h.Ref).ToList())
                db.Set(vm, "scheduled_to_be_resident_on", Wire.NullRef);
        }

        UpdatePoolStatus(db);
        return reset;
    }

    // ------------------------------------------------------------------ power

    /// <summary>Pulls the power: the endpoint stops answering, the domains are gone, heartbeats stop. Under the lock.</summary>
    public void PowerOff(Db db, Rec host)
    {
        var f = F(host);
        f.Off = true;
        f.Booting = false;
        f.WaitingLiveset = false;
        f.PowerEpoch++;
        Changed();
    }

    /// <summary>Self-fence: the watchdog reboots the host; it comes back waiting to rejoin the liveset.</summary>
    private void Fence(Db db, Rec host)
    {
        PowerOff(db, host);
        PowerOn(db, host);
    }

    /// <summary>Boots a powered-off host (endpoint back after the boot time). Under the lock.</summary>
    public bool PowerOn(Db db, Rec host)
    {
        var f = F(host);
        if (!f.Off) return false;
        f.Off = false;
        f.Booting = true;
        var epoch = ++f.PowerEpoch;
        var address = host.Str("address");
        _ = Task.Run(async () =>
        {
            try
            {
                await _farm.Clock.Delay(Durations.HostBoot, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_farm.Lock) Booted(address, epoch);
        });
        return true;
    }

    private void Booted(string address, long epoch)
    {
        var f = Faults.For(address);
        if (f.PowerEpoch != epoch || !f.Booting) return;
        f.Booting = false;
        if (_farm.HostByAddress(address) is not var (db, host)) return;
        var now = _farm.Clock.UtcNow;

        // The domains died with the power: whatever the database still has resident here is halted.
        foreach (var vm in db.All("VM").Where(v => !v.Bool("is_control_domain") && v.Str("resident_on") == host.Ref
                                                   && v.Str("power_state") is "Running" or "Paused").ToList())
        {
            vm.Map("current_operations").Clear();
            PowerState.Down(db, vm, "Halted");
        }

        foreach (var pbd in db.All("PBD").Where(p => p.Str("host") == host.Ref).ToList())
            db.Set(pbd, "currently_attached", !f.StorageLost.Contains(pbd.Str("SR")));
        var seconds = (now - DateTime.UnixEpoch).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        host.Map("other_config")["boot_time"] = seconds;
        host.Map("other_config")["agent_start_time"] = seconds;
        host.Map("current_operations").Clear();
        HostHandlers.SetDisabledUntilReboot(host, false);
        if (SimFarm.Pool(db).Bool("ha_enabled"))
        {
            f.WaitingLiveset = true;
        }
        else
        {
            if (!host.Bool("enabled")) db.Set(host, "enabled", true);
            // The coordinator marks itself live; supporters become live when it hears them (Evaluate).
            if (!SimFarm.IsSupporter(db, host)) SetLive(db, host, true, now);
        }

        db.Changed(host);
        Placement.UpdateFreeMemory(db, host);
        Changed();
    }

    /// <summary>Storage loss on a host: its PBDs for those SRs unplug. Under the lock.</summary>
    public void StorageLoss(Db db, Rec host, IEnumerable<Rec> srs)
    {
        var f = F(host);
        foreach (var sr in srs)
        {
            f.StorageLost.Add(sr.Ref);
            foreach (var pbd in db.All("PBD").Where(p => p.Str("host") == host.Ref && p.Str("SR") == sr.Ref).ToList())
                if (pbd.Bool("currently_attached")) db.Set(pbd, "currently_attached", false);
        }

        UpdatePoolStatus(db);
    }

    public void StorageRestore(Db db, Rec host)
    {
        var f = F(host);
        foreach (var sr in f.StorageLost.ToList())
            foreach (var pbd in db.All("PBD").Where(p => p.Str("host") == host.Ref && p.Str("SR") == sr).ToList())
                if (f.Running) db.Set(pbd, "currently_attached", true);
        f.StorageLost.Clear();
        UpdatePoolStatus(db);
    }

    // ------------------------------------------------------------------ pool status and overcommit protection

    public FailoverPlanner Planner(Db db)
    {
        var ha = SimFarm.Pool(db).Bool("ha_enabled") ? For(db).Liveset : null;
        return new FailoverPlanner(HaModel.Build(_farm, db, ha));
    }

    /// <summary>update_pool_status: ha_overcommitted / ha_plan_exists_for and their messages. Under the lock.</summary>
    public void UpdatePoolStatus(Db db)
    {
        var pool = SimFarm.Pool(db);
        if (!pool.Bool("ha_enabled")) return;
        var current = new PoolHaState(pool.Int("ha_host_failures_to_tolerate"), pool.Int("ha_plan_exists_for"), pool.Bool("ha_overcommitted"));
        var u = Planner(db).PoolStatus(current);
        Apply(db, u);
    }

    public void Apply(Db db, PoolStatusUpdate u)
    {
        var pool = SimFarm.Pool(db);
        var now = _farm.Clock.UtcNow;
        if (pool.Bool("ha_overcommitted") != u.Overcommitted) db.Set(pool, "ha_overcommitted", u.Overcommitted);
        if (pool.Int("ha_plan_exists_for") != u.PlanExistsFor) db.Set(pool, "ha_plan_exists_for", u.PlanExistsFor);
        if (u.RaiseOvercommittedMessage)
            Messages.Add(db, "HA_POOL_OVERCOMMITTED", 3, "Pool", pool.Uuid,
                "The pool has become overcommitted: it can no longer guarantee to restart protected VMs if the configured number of server failures occurs.", now);
        if (u.DropInPlanExistsFor is long d)
            Messages.Add(db, "HA_POOL_DROP_IN_PLAN_EXISTS_FOR", 3, "Pool", pool.Uuid, d.ToString(CultureInfo.InvariantCulture), now);
    }

    /// <summary>assert_configuration_change_preserves_ha_plan: only with HA on, no overcommit allowed, and a plan now.</summary>
    public void AssertPreserves(Db db, Func<PlannerModel, ConfigurationChange> change)
    {
        var pool = SimFarm.Pool(db);
        if (!pool.Bool("ha_enabled") || pool.Bool("ha_allow_overcommit")) return;
        var planner = Planner(db);
        if (!planner.ChangePreservesPlan(change(planner.Model), pool.Int("ha_plan_exists_for")))
            throw new XenApiException("HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN");
    }

    /// <summary>A VM arriving on a host (start, resume, migration target); a protected one counts as newly protected.</summary>
    public void AssertVmArrival(Db db, Rec vm, Rec target, Rec? leaving = null) =>
        AssertPreserves(db, m =>
        {
            var pvm = HaModel.PlannerVmOf(m, vm);
            var willBeProtected = HaModel.Priorities(_farm).ProtectedValues.Contains(vm.Str("ha_restart_priority"));
            return new ConfigurationChange
            {
                VmsArriving = new[] { new VmMove(target.Ref, pvm) },
                VmsLeaving = leaving is null ? Array.Empty<VmMove>() : new[] { new VmMove(leaving.Ref, pvm) },
                NewVmsToProtect = willBeProtected && !pvm.Protected ? new[] { vm.Ref } : Array.Empty<string>(),
            };
        });

    // ------------------------------------------------------------------ restarts

    private Task<object?> Invoke(Db db, string method, params object?[] args) =>
        _farm.Tasks.RunChild(db, "Async." + method, null, task =>
        {
            if (!_farm.Methods.TryGet(method, out var spec)) throw new XenApiException("MESSAGE_METHOD_UNKNOWN", method);
            var call = new Call
            {
                Farm = _farm,
                Db = db,
                EndpointHost = SimFarm.Coordinator(db),
                Method = "Async." + method,
                Args = args.ToList(),
                IsAsync = true,
                Task = task,
            };
            var result = spec.Body(call);
            return result as LongOp ?? new LongOp(_ => Task.FromResult(result));
        }, cancellable: false, _stop.Token);

    /// <summary>restart_vm: rate-limited (120 s after a failure), HA_OPERATION_WOULD_BREAK → mark overcommitted and retry once.</summary>
    private async Task<bool> RestartVm(Db db, PoolHa ha, string vm, string? host)
    {
        async Task Go()
        {
            lock (_farm.Lock)
            {
                var now = _farm.Clock.UtcNow;
                if (ha.LastStartAttempt.TryGetValue(vm, out var last) && now - last <= RetryHoldOff)
                    throw new XenApiException("INTERNAL_ERROR", $"VM: {vm} restart attempt delayed for 120s");
                ha.LastStartAttempt[vm] = now;
            }

            if (host is null) await Invoke(db, "VM.start", vm, false, true).ConfigureAwait(false);
            else await Invoke(db, "VM.start_on", vm, host, false, true).ConfigureAwait(false);
        }

        try
        {
            await Go().ConfigureAwait(false);
            return true;
        }
        catch (XenApiException e) when (e.Code == "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN")
        {
            lock (_farm.Lock)
            {
                var pool = SimFarm.Pool(db);
                if (!pool.Bool("ha_overcommitted")) db.Set(pool, "ha_overcommitted", true);
                ha.LastStartAttempt.Remove(vm);
            }

            try
            {
                await Go().ConfigureAwait(false);
                return true;
            }
            catch (XenApiException)
            {
                return false;
            }
        }
        catch (XenApiException)
        {
            return false;
        }
    }

    /// <summary>Runs <paramref name="f"/> on the items grouped by order ascending: parallel inside a group, groups one after another.</summary>
    private async Task<List<(string Vm, bool Ok)>> MapParallel(Db db, IEnumerable<(string Vm, string? Host)> items, Func<string, string?, Task<bool>> f)
    {
        List<IGrouping<long, (string Vm, string? Host)>> groups;
        lock (_farm.Lock)
            groups = items.Where(i => db.TryGet("VM", i.Vm) is not null)
                .GroupBy(i => HaModel.Order(_farm, db.Get("VM", i.Vm))).OrderBy(g => g.Key).ToList();
        var results = new List<(string, bool)>();
        foreach (var g in groups)
        {
            var done = await Task.WhenAll(g.Select(async i => (i.Vm, await f(i.Vm, i.Host).ConfigureAwait(false)))).ConfigureAwait(false);
            results.AddRange(done);
        }

        return results;
    }

    /// <summary>restart_auto_run_vms, second half: the restart plan by order groups, fallback, alerts, then best-effort VMs.</summary>
    public async Task RunRoundAsync(Db db, List<string> resetVms)
    {
        var ha = For(db);
        try
        {
            await ha.Round.WaitAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            List<(string Vm, string? Host)> first;
            bool livesetGrew, livesetSame;
            lock (_farm.Lock)
            {
                if (!_farm.Pools.Contains(db) || !SimFarm.Pool(db).Bool("ha_enabled") || Coordinator(db) is null) return;
                if (_farm.Clock.UtcNow < ha.PreventRestartsUntil) return;
                livesetGrew = ha.Liveset.Count > ha.LastLiveset.Count;
                livesetSame = ha.Liveset.SetEquals(ha.LastLiveset);
                ha.LastLiveset = new HashSet<string>(ha.Liveset, StringComparer.Ordinal);
                RestartPlan plan;
                try
                {
                    plan = Planner(db).ComputeRestartPlan(0);
                }
                catch (Exception e) when (e is InvalidOperationException or XenApiException)
                {
                    plan = new RestartPlan(Array.Empty<KeyValuePair<string, string>>(), new[] { "" }, false);
                }

                if (plan.IsComplete)
                    first = plan.Plan.Select(kv => (kv.Key, (string?)kv.Value)).ToList();
                else
                    first = db.All("VM").Where(v => HaModel.IsGuest(v) && HaModel.IsProtected(_farm, v) && v.Str("power_state") == "Halted")
                        .OrderBy(v => v.Uuid, StringComparer.Ordinal).Select(v => (v.Ref, (string?)null)).ToList();
            }

            var started = await MapParallel(db, first, (vm, host) => RestartVm(db, ha, vm, host)).ConfigureAwait(false);
            var retried = await MapParallel(db, started.Select(s => (s.Vm, (string?)(s.Ok ? "ok" : null))),
                async (vm, marker) => marker == "ok" || await RestartVm(db, ha, vm, null).ConfigureAwait(false)).ConfigureAwait(false);

            List<string> bestEffort;
            lock (_farm.Lock)
            {
                var now = _farm.Clock.UtcNow;
                foreach (var (vm, ok) in retried)
                {
                    if (ok) continue;
                    if (ha.RestartFailed.Add(vm) && db.TryGet("VM", vm) is { } rec)
                        Messages.Add(db, "HA_PROTECTED_VM_RESTART_FAILED", 2, "VM", rec.Uuid, "", now);
                }

                var known = new HashSet<string>(retried.Select(r => r.Vm), StringComparer.Ordinal);
                foreach (var vm in ha.LastStartAttempt.Keys.Where(k => !known.Contains(k)).ToList()) ha.LastStartAttempt.Remove(vm);
                ha.RestartFailed.RemoveWhere(k => !known.Contains(k));

                bool IsBestEffort(Rec r) => r.Str("ha_restart_priority") == "best-effort" && r.Str("power_state") == "Halted" && HaModel.IsGuest(r);
                var allOk = retried.All(r => r.Ok);
                IEnumerable<string> candidates;
                if (allOk && livesetGrew)
                {
                    ha.TriedBestEffort.Clear();
                    candidates = db.All("VM").Select(v => v.Ref);
                }
                else if (allOk && livesetSame)
                {
                    foreach (var k in ha.TriedBestEffort.Keys.Where(k => db.TryGet("VM", k) is not { } r || !IsBestEffort(r)).ToList()) ha.TriedBestEffort.Remove(k);
                    candidates = ha.TriedBestEffort.Keys.Concat(resetVms).Distinct().ToList();
                }
                else
                {
                    ha.TriedBestEffort.Clear();
                    candidates = resetVms;
                }

                bestEffort = candidates.Where(r => db.TryGet("VM", r) is { } v && IsBestEffort(v)).ToList();
            }

            var outcome = await MapParallel(db, bestEffort.Select(v => (v, (string?)null)), async (vm, _) =>
            {
                try
                {
                    await Invoke(db, "VM.start", vm, false, true).ConfigureAwait(false);
                    return true;
                }
                catch (XenApiException)
                {
                    return false;
                }
            }).ConfigureAwait(false);
            lock (_farm.Lock)
            {
                foreach (var (vm, ok) in outcome)
                {
                    if (ok) { ha.TriedBestEffort.Remove(vm); continue; }
                    var n = ha.TriedBestEffort.TryGetValue(vm, out var c) ? c : 0;
                    if (n == 0) ha.TriedBestEffort[vm] = 1;
                    else if (n < BestEffortMaxRetries) ha.TriedBestEffort[vm] = n + 1;
                    else ha.TriedBestEffort.Remove(vm);
                }

                UpdatePoolStatus(db);
            }
        }
        finally
        {
            ha.Round.Release();
        }
    }
}

/// <summary>message records (§3.18): alerts are not in the main DB in xapi; here they are records of class message.</summary>
internal static class Messages
{
    public static Rec Add(Db db, string name, long priority, string cls, string objUuid, string body, DateTime now) =>
        db.Create("message", new Dictionary<string, object?>
        {
            ["name"] = name,
            ["priority"] = priority,
            ["cls"] = cls,
            ["obj_uuid"] = objUuid,
            ["timestamp"] = now,
            ["body"] = body,
        });
}
