using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Ha;

/// <summary>
/// xapi's HA failover planner (<c>xapi_ha_vm_failover.ml</c>, <c>binpack.ml</c>), pure: it answers questions about a
/// <see cref="PlannerModel"/> snapshot and never touches the database. HA handlers build the model, ask, and write back.
/// </summary>
/// <remarks>
/// <para>Planning (all but <see cref="PlanFor"/>): live hosts are enabled ∧ live ∧ in the liveset (minus hypothetically
/// disabled ones), sorted by uuid; protected VMs (plus hypothetical new ones) sorted by uuid; host free memory and VM sizes
/// at static_max. Step 1 places offline protected VMs (non-agile ones pinned; agile ones biggest-fit-decreasing); any
/// left over means no plan at all. Step 2 asks the chosen heuristic whether r failures are always survivable.</para>
/// <para>The instance is immutable and thread-safe; build a new one per database snapshot.</para>
/// </remarks>
public sealed class FailoverPlanner
{
    private readonly Dictionary<string, PlannerVm> _vmByRef;
    private readonly PlannerHost[] _hostsByUuid;

    /// <summary>A planner over a model snapshot.</summary>
    public FailoverPlanner(PlannerModel model)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _vmByRef = new Dictionary<string, PlannerVm>(StringComparer.Ordinal);
        foreach (var vm in model.Vms) _vmByRef.TryAdd(vm.Ref, vm);
        _hostsByUuid = model.Hosts.OrderBy(h => h.Uuid, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The snapshot the planner answers about.</summary>
    public PlannerModel Model { get; }

    /// <summary>The heuristic xapi uses for a pool of <paramref name="totalHosts"/> hosts (live or not) and r failures.</summary>
    public static PlannerHeuristic ChooseHeuristic(int totalHosts, int numFailures)
    {
        if (numFailures < 0 || numFailures > totalHosts)
            throw new ArgumentOutOfRangeException(nameof(numFailures), "0 <= numFailures <= totalHosts");
        return Binpack.Choose(totalHosts, numFailures);
    }

    /// <summary>
    /// The restart plan for offline protected VMs (<c>compute_restart_plan</c>), what the HA monitor executes after a
    /// failure (mark the failed hosts not live in the model first). <paramref name="numFailures"/> only matters because xapi
    /// validates it: negative or above the number of hosts throws <see cref="InvalidOperationException"/>, which the monitor
    /// treats as "no plan" (falls back to plain VM.start).
    /// </summary>
    public RestartPlan ComputeRestartPlan(int numFailures, ConfigurationChange? change = null)
    {
        var p = Prepare(ProtectedVms(), numFailures, change ?? ConfigurationChange.None);
        return new RestartPlan(p.Plan, p.NotRestarted, p.NonAgileExist);
    }

    /// <summary>
    /// <c>plan_for_n_failures</c>: can the protected VMs survive <paramref name="n"/> host failures, with an optional
    /// hypothetical change? Any error inside (bad n, unknown VM ref, zero-sized VMs) is "no plan", as in xapi.
    /// </summary>
    public PlanStatus PlanExists(int n, ConfigurationChange? change = null) =>
        PlanExists(ProtectedVms(), n, change ?? ConfigurationChange.None);

    /// <summary><c>pool.ha_failover_plan_exists(n)</c>: true only for a plan covering every protected VM.</summary>
    public bool FailoverPlanExists(long n) =>
        n is >= int.MinValue and <= int.MaxValue && PlanExists((int)n) == PlanStatus.PlanExistsForAllVms;

    /// <summary>
    /// <c>compute_max_host_failures_to_tolerate</c> (<c>pool.ha_compute_max_host_failures_to_tolerate</c> without the
    /// field refresh, see <see cref="PoolStatusAfterComputeMax"/>): the largest n in [0, hosts] with a plan for all
    /// protected VMs, by xapi's bisection (which assumes monotonicity and returns 0 without testing it).
    /// </summary>
    public int MaxHostFailuresToTolerate() => MaxHostFailuresToTolerate(ProtectedVms());

    /// <summary>
    /// <c>pool.ha_compute_hypothetical_max_host_failures_to_tolerate(configuration)</c>: the VMs in the map whose priority
    /// protects them are the protected set (replacing the current one; others in the map are ignored).
    /// An invalid priority throws <c>INVALID_VALUE ["ha_restart_priority", value]</c>; an unknown VM <c>HANDLE_INVALID</c>.
    /// </summary>
    public int ComputeHypotheticalMax(IReadOnlyDictionary<string, string> configuration, HaPriorities? priorities = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        priorities ??= HaPriorities.Modern;
        foreach (var (_, priority) in configuration)
            if (!priorities.Valid.Contains(priority))
                throw new XenApiException("INVALID_VALUE", "ha_restart_priority", priority);
        var protectedVms = new List<PlannerVm>();
        foreach (var (vmRef, priority) in configuration)
            if (priorities.ProtectedValues.Contains(priority))
                protectedVms.Add(_vmByRef.TryGetValue(vmRef, out var vm) ? vm : throw new XenApiException("HANDLE_INVALID", "VM", vmRef));
        return MaxHostFailuresToTolerate(protectedVms);
    }

    /// <summary>
    /// <c>pool.ha_compute_vm_failover_plan(failed_hosts, failed_vms)</c>: where each failed VM would restart. Targets are
    /// the hosts with <c>host_metrics.live</c> not in <paramref name="failedHosts"/> (enabled or not, in uuid order),
    /// free memory at maximum compression; VMs packed at <see cref="PlannerVm.EvacuationMemory"/> by biggest-fit-decreasing.
    /// VMs left out get their agility error code, or <c>HOST_NOT_ENOUGH_FREE_MEMORY</c>; as in xapi a non-agile VM that
    /// fits does get a host. Rows: errors first (in <paramref name="failedVms"/> order), then placements.
    /// An unknown VM throws <c>HANDLE_INVALID</c>.
    /// </summary>
    public IReadOnlyList<VmFailoverResult> PlanFor(IEnumerable<string> failedHosts, IEnumerable<string> failedVms)
    {
        ArgumentNullException.ThrowIfNull(failedHosts);
        ArgumentNullException.ThrowIfNull(failedVms);
        var failed = new HashSet<string>(failedHosts, StringComparer.Ordinal);
        var vms = failedVms.Select(r => _vmByRef.TryGetValue(r, out var vm) ? vm : throw new XenApiException("HANDLE_INVALID", "VM", r)).ToList();

        var bins = new List<(int Id, long Size)>();
        for (var i = 0; i < _hostsByUuid.Length; i++)
            if (_hostsByUuid[i].Live && !failed.Contains(_hostsByUuid[i].Ref))
                bins.Add((i, _hostsByUuid[i].FreeMemoryMaxCompression));
        var things = new List<(int Id, long Size)>(vms.Count);
        for (var i = 0; i < vms.Count; i++) things.Add((i, vms[i].EvacuationMemory));

        var plan = Binpack.BiggestFitDecreasing(things, bins);
        var placed = new HashSet<string>(plan.Select(p => vms[p.Thing].Ref), StringComparer.Ordinal);
        var rows = new List<VmFailoverResult>();
        foreach (var vm in vms)
            if (!placed.Contains(vm.Ref))
                rows.Add(new VmFailoverResult(vm.Ref, null, vm.AgilityError ?? "HOST_NOT_ENOUGH_FREE_MEMORY"));
        foreach (var (thing, bin) in plan)
            rows.Add(new VmFailoverResult(vms[thing].Ref, _hostsByUuid[bin].Ref, null));
        return rows;
    }

    /// <summary>
    /// <c>update_pool_status</c>: recompute <c>ha_overcommitted</c> / <c>ha_plan_exists_for</c> for the pool's ntol.
    /// Plan for ntol: not overcommitted, plan_exists_for = ntol. Otherwise (<c>mark_pool_as_overcommitted</c>): with
    /// max = <see cref="MaxHostFailuresToTolerate()"/>, if plan_exists_for ≠ max it becomes min(ntol, max) (and a drop
    /// raises <c>HA_POOL_DROP_IN_PLAN_EXISTS_FOR</c> with max); a transition to overcommitted raises
    /// <c>HA_POOL_OVERCOMMITTED</c> and runs the hook.
    /// </summary>
    public PoolStatusUpdate PoolStatus(PoolHaState current)
    {
        var ntol = current.HostFailuresToTolerate;
        var status = ntol is >= int.MinValue and <= int.MaxValue ? PlanExists((int)ntol) : PlanStatus.NoPlanExists;
        if (status == PlanStatus.PlanExistsForAllVms)
            return new PoolStatusUpdate(false, ntol, current.Overcommitted || current.PlanExistsFor != ntol, false, null);

        long max = MaxHostFailuresToTolerate();
        var planExistsFor = current.PlanExistsFor;
        long? drop = null;
        if (current.PlanExistsFor != max)
        {
            planExistsFor = Math.Min(ntol, max);
            if (max < current.PlanExistsFor) drop = max;
        }
        return new PoolStatusUpdate(true, planExistsFor, current.PlanExistsFor != max || !current.Overcommitted,
            !current.Overcommitted, drop);
    }

    /// <summary>
    /// The field refresh <c>pool.ha_compute_max_host_failures_to_tolerate</c> does when HA is on, given its result
    /// <paramref name="max"/>: overcommitted = ntol &gt; max; if plan_exists_for ≠ max it becomes min(ntol, max), with
    /// <c>HA_POOL_DROP_IN_PLAN_EXISTS_FOR</c> when max drops below it. No overcommitted message on this path.
    /// </summary>
    public static PoolStatusUpdate PoolStatusAfterComputeMax(PoolHaState current, long max)
    {
        var overcommitted = current.HostFailuresToTolerate > max;
        var planExistsFor = current.PlanExistsFor;
        long? drop = null;
        if (current.PlanExistsFor != max)
        {
            planExistsFor = Math.Min(current.HostFailuresToTolerate, max);
            if (max < current.PlanExistsFor) drop = max;
        }
        return new PoolStatusUpdate(overcommitted, planExistsFor,
            overcommitted != current.Overcommitted || planExistsFor != current.PlanExistsFor, false, drop);
    }

    /// <summary>
    /// <c>assert_configuration_change_preserves_ha_plan</c> once the caller has checked HA is on and
    /// <c>ha_allow_overcommit</c> is false: false (→ <c>HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN []</c>) only when a full
    /// plan exists now for <paramref name="planExistsFor"/> (<c>pool.ha_plan_exists_for</c>) but not after the change.
    /// </summary>
    public bool ChangePreservesPlan(ConfigurationChange change, long planExistsFor)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (planExistsFor is < int.MinValue or > int.MaxValue) return true;
        var n = (int)planExistsFor;
        var protectedVms = ProtectedVms();
        if (PlanExists(protectedVms, n, ConfigurationChange.None) != PlanStatus.PlanExistsForAllVms) return true;
        return PlanExists(protectedVms, n, change) == PlanStatus.PlanExistsForAllVms;
    }

    // ---------------------------------------------------------------------------------------------------------------

    private List<PlannerVm> ProtectedVms() => Model.Vms.Where(v => v.Protected).ToList();

    private int MaxHostFailuresToTolerate(IReadOnlyList<PlannerVm> protectedVms)
    {
        var upper = Model.MaxFailuresUpperBound ?? Model.Hosts.Count;
        if (upper < 0) throw new InvalidOperationException("bisection upper bound is negative");
        return Bisect(n => PlanExists(protectedVms, n, ConfigurationChange.None) == PlanStatus.PlanExistsForAllVms, 0, upper);
    }

    /// <summary><c>Helpers.bisect</c>: the largest value in [lower, upper] for which a monotonic predicate holds
    /// (lower is returned without being tested).</summary>
    internal static int Bisect(Func<int, bool> holds, int lower, int upper)
    {
        while (true)
        {
            if (upper - lower < 2) return holds(upper) ? upper : lower;
            var mid = lower + (upper - lower) / 2;
            if (holds(mid)) lower = mid; else upper = mid;
        }
    }

    private PlanStatus PlanExists(IReadOnlyList<PlannerVm> protectedVms, int n, ConfigurationChange change)
    {
        try
        {
            var p = Prepare(protectedVms, n, change);
            if (p.NotRestarted.Count > 0) return PlanStatus.NoPlanExists;
            if (!Binpack.PlanAlwaysPossible(p.Config)) return PlanStatus.NoPlanExists;
            return p.NonAgileExist ? PlanStatus.PlanExistsExcludingNonAgileVms : PlanStatus.PlanExistsForAllVms;
        }
        catch (Exception e) when (e is InvalidOperationException or XenApiException or DivideByZeroException)
        {
            return PlanStatus.NoPlanExists;
        }
    }

    private sealed record Prepared(
        List<KeyValuePair<string, string>> Plan,
        BinpackConfig Config,
        List<string> NotRestarted,
        bool NonAgileExist);

    /// <summary><c>compute_restart_plan</c>: the plan for offline protected VMs and the configuration after it.</summary>
    private Prepared Prepare(IReadOnlyList<PlannerVm> protectedVms, int numFailures, ConfigurationChange change)
    {
        var n = change.NumFailures ?? numFailures;

        // VMs to ensure running: the protected ones plus hypothetical new ones (an already-listed VM is not listed twice).
        var entries = new List<PlannerVm>(protectedVms);
        var listed = new HashSet<string>(protectedVms.Select(v => v.Ref), StringComparer.Ordinal);
        foreach (var r in change.NewVmsToProtect)
            if (listed.Add(r))
                entries.Add(_vmByRef.TryGetValue(r, out var vm) ? vm : throw new XenApiException("HANDLE_INVALID", "VM", r));

        // Arriving VMs take their new record, resident on the target; leaving ones are resident nowhere.
        for (var i = 0; i < entries.Count; i++)
        {
            var vmRef = entries[i].Ref;
            var arriving = change.VmsArriving.FirstOrDefault(m => m.Vm.Ref == vmRef);
            if (arriving is not null)
                entries[i] = arriving.Vm with { ResidentOn = arriving.HostRef };
            else if (change.VmsLeaving.Any(m => m.Vm.Ref == vmRef))
                entries[i] = entries[i] with { ResidentOn = null };
        }
        var vms = entries.OrderBy(v => v.Uuid, StringComparer.Ordinal).ToList();

        var toDisable = new HashSet<string>(change.HostsToDisable, StringComparer.Ordinal);
        var hostIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _hostsByUuid.Length; i++) hostIndex.TryAdd(_hostsByUuid[i].Ref, i);
        var liveIds = new List<int>();
        for (var i = 0; i < _hostsByUuid.Length; i++)
        {
            var h = _hostsByUuid[i];
            if (h.Enabled && !toDisable.Contains(h.Ref) && h.Live && h.InLiveSet) liveIds.Add(i);
        }
        var livePos = new Dictionary<int, int>();
        for (var i = 0; i < liveIds.Count; i++) livePos[liveIds[i]] = i;

        int AccountedTo(PlannerVm vm)
        {
            if (vm.ResidentOn is not null && hostIndex.TryGetValue(vm.ResidentOn, out var h) && livePos.ContainsKey(h)) return h;
            var scheduled = _vmByRef.TryGetValue(vm.Ref, out var dbVm) ? dbVm.ScheduledOn : throw new XenApiException("HANDLE_INVALID", "VM", vm.Ref);
            if (scheduled is not null && hostIndex.TryGetValue(scheduled, out var s) && livePos.ContainsKey(s)) return s;
            return -1;
        }

        // Free memory per live host, adjusted for VMs leaving and arriving.
        var free = new long[liveIds.Count];
        for (var i = 0; i < liveIds.Count; i++) free[i] = Math.Max(0L, _hostsByUuid[liveIds[i]].FreeMemory);
        foreach (var m in change.VmsLeaving)
            if (hostIndex.TryGetValue(m.HostRef, out var h) && livePos.TryGetValue(h, out var p)) free[p] += m.Vm.RestartMemory;
        foreach (var m in change.VmsArriving)
            if (hostIndex.TryGetValue(m.HostRef, out var h) && livePos.TryGetValue(h, out var p)) free[p] -= m.Vm.RestartMemory;

        var accounted = vms.Select(AccountedTo).ToArray();

        // Non-agile VMs: pinned to the first host (by uuid, live or not) that can boot them; offline ones are restarted
        // there and count as overhead of that host.
        var plan = new List<KeyValuePair<string, string>>();
        var nonAgileExist = false;
        for (var i = 0; i < vms.Count; i++)
        {
            if (vms[i].IsAgile) continue;
            nonAgileExist = true;
            var bootable = new HashSet<string>(vms[i].BootableOn, StringComparer.Ordinal);
            var pin = Array.FindIndex(_hostsByUuid, h => bootable.Contains(h.Ref));
            if (pin < 0 || accounted[i] >= 0) continue;
            plan.Add(new(vms[i].Ref, _hostsByUuid[pin].Ref));
            if (livePos.TryGetValue(pin, out var p)) free[p] -= vms[i].RestartMemory;
        }

        // Agile VMs: the binpack configuration (ids 0..k-1 in uuid order).
        var agile = new List<int>();
        for (var i = 0; i < vms.Count; i++) if (vms[i].IsAgile) agile.Add(i);
        var size = new long[agile.Count];
        var hostOf = new int[agile.Count];
        var placementOrder = new List<int>();
        var offline = new List<(int Id, long Size)>();
        for (var k = 0; k < agile.Count; k++)
        {
            size[k] = vms[agile[k]].RestartMemory;
            hostOf[k] = accounted[agile[k]];
            if (hostOf[k] >= 0) placementOrder.Add(k); else offline.Add((k, size[k]));
        }

        if (n < 0 || n > _hostsByUuid.Length)
            throw new InvalidOperationException($"num_failures {n} outside [0, {_hostsByUuid.Length}]");

        var bins = new List<(int Id, long Size)>(liveIds.Count);
        for (var i = 0; i < liveIds.Count; i++) bins.Add((liveIds[i], free[i]));
        var agilePlan = Binpack.BiggestFitDecreasing(offline, bins);

        // Apply the plan: hosts lose the memory, placement = plan (xapi's order) followed by the VMs already placed.
        var order = new List<int>(agilePlan.Count + placementOrder.Count);
        foreach (var (k, host) in agilePlan)
        {
            hostOf[k] = host;
            free[livePos[host]] -= size[k];
            order.Add(k);
            plan.Add(new(vms[agile[k]].Ref, _hostsByUuid[host].Ref));
        }
        order.AddRange(placementOrder);

        var restarted = new HashSet<string>(agilePlan.Select(p => vms[agile[p.Thing]].Ref), StringComparer.Ordinal);
        var notRestarted = new List<string>();
        for (var i = 0; i < vms.Count; i++)
            if (accounted[i] < 0 && !restarted.Contains(vms[i].Ref)) notRestarted.Add(vms[i].Ref);

        var config = new BinpackConfig
        {
            HostIds = liveIds.ToArray(),
            HostFree = free,
            VmSize = size,
            PlacementOrder = order.ToArray(),
            HostOf = hostOf,
            TotalHosts = _hostsByUuid.Length,
            NumFailures = n,
        };
        return new Prepared(plan, config, notRestarted, nonAgileExist);
    }
}
