using System;
using System.Collections.Generic;

namespace XenHa.Simulator.Ha;

/// <summary>
/// One host as the HA planner sees it (xapi <c>xapi_ha_vm_failover.ml</c>). Build it from the pool database;
/// the planner never reads the database itself.
/// </summary>
/// <param name="Ref">The host's opaque reference (what plans name).</param>
/// <param name="Uuid">The host's uuid: the planner orders hosts by it (ordinal), as xapi does.</param>
public sealed record PlannerHost(string Ref, string Uuid)
{
    /// <summary><c>host.enabled</c>. Disabled hosts take no part in planning (but still count in the pool's host total).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary><c>host_metrics.live</c>.</summary>
    public bool Live { get; init; } = true;

    /// <summary>In the HA liveset (xapi passes the liveset separately; without HA it is "enabled and live").</summary>
    public bool InLiveSet { get; init; } = true;

    /// <summary>
    /// Free memory with every resident and scheduled VM (dom0 included) counted at <c>static_max + memory_overhead</c>:
    /// <c>Memory_check.host_compute_free_memory_with_policy Static_max</c>. See <see cref="HaMemory.HostFree"/>.
    /// Used by every planning question except <see cref="FailoverPlanner.PlanFor"/>.
    /// </summary>
    public long FreeMemory { get; init; }

    /// <summary>
    /// Free memory with every VM compressed to <c>dynamic_min + memory_overhead</c>
    /// (<c>host_compute_free_memory_with_maximum_compression</c>); used only by <see cref="FailoverPlanner.PlanFor"/>
    /// (<c>pool.ha_compute_vm_failover_plan</c>).
    /// </summary>
    public long FreeMemoryMaxCompression { get; init; }
}

/// <summary>One VM as the HA planner sees it. Every VM that a question may name must be in the model, protected or not.</summary>
/// <param name="Ref">The VM's opaque reference.</param>
/// <param name="Uuid">The VM's uuid: protected VMs are ordered by it (ordinal), as xapi does.</param>
public sealed record PlannerVm(string Ref, string Uuid)
{
    /// <summary>Memory needed to (re)start it at <c>static_max</c>, overhead included
    /// (<c>total_memory_of_vm Static_max</c>); see <see cref="HaMemory.VmRestartMemory"/>.</summary>
    public long RestartMemory { get; init; }

    /// <summary>Memory the failover-plan call packs (<c>vm_memory</c>: dynamic_min for HVM/PV, static_max for PVH, overhead
    /// included); only <see cref="FailoverPlanner.PlanFor"/> uses it.</summary>
    public long EvacuationMemory { get; init; }

    /// <summary><c>VM.resident_on</c> (null when halted / NULL ref).</summary>
    public string? ResidentOn { get; init; }

    /// <summary><c>VM.scheduled_to_be_resident_on</c> (null when none). xapi reads it from the database even for
    /// hypothetical snapshots, so the planner always takes it from the model's copy of the VM.</summary>
    public string? ScheduledOn { get; init; }

    /// <summary>Protected: <c>ha_always_run &amp;&amp; ha_restart_priority = "restart"</c> (legacy pools: priority ≠ best-effort).</summary>
    public bool Protected { get; init; }

    /// <summary>Null when agile (<c>Agility.vm_assert_agile</c> passes); otherwise the error code it raises
    /// (e.g. <c>HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED</c>, <c>VM_HAS_VGPU</c>).</summary>
    public string? AgilityError { get; init; }

    /// <summary>For a non-agile VM: the hosts (refs, any order) where <c>assert_can_boot_here</c> without memory check passes.
    /// The planner pins the VM to the first of them by host uuid, live or not. Ignored for agile VMs.</summary>
    public IReadOnlyCollection<string> BootableOn { get; init; } = Array.Empty<string>();

    /// <summary>True when agile.</summary>
    public bool IsAgile => AgilityError is null;
}

/// <summary>The pool as the planner sees it: every host (live or not) and every VM a question may name.</summary>
public sealed record PlannerModel(IReadOnlyList<PlannerHost> Hosts, IReadOnlyList<PlannerVm> Vms)
{
    /// <summary>
    /// Upper bound of the bisection for the max failures to tolerate. Null: the number of hosts in the pool (xhad).
    /// Corosync pools pass <see cref="HaMemory.CorosyncMaxHostFailures"/>.
    /// </summary>
    public int? MaxFailuresUpperBound { get; init; }
}

/// <summary>An existing VM moving onto or off a host in a hypothetical change (<c>old_vms_arriving</c> / <c>old_vms_leaving</c>).</summary>
/// <param name="HostRef">The host it arrives on / leaves.</param>
/// <param name="Vm">The VM's record as it would be (an arriving VM's new configuration counts, e.g. new memory).</param>
public sealed record VmMove(string HostRef, PlannerVm Vm);

/// <summary>
/// xapi's <c>configuration_change</c>: the counterfactual the overcommit protection asks about
/// (VM.start/resume/migrate: arriving/leaving or a newly protected VM; host.disable/evacuate: hosts to disable;
/// pool.set_ha_host_failures_to_tolerate: a new number of failures).
/// </summary>
public sealed record ConfigurationChange
{
    /// <summary>No change.</summary>
    public static readonly ConfigurationChange None = new();

    /// <summary>VMs leaving a host: the host gains their static_max memory; a protected one no longer counts as running.</summary>
    public IReadOnlyList<VmMove> VmsLeaving { get; init; } = Array.Empty<VmMove>();

    /// <summary>VMs arriving on a host: the host loses their static_max memory; a protected one counts as running there.</summary>
    public IReadOnlyList<VmMove> VmsArriving { get; init; } = Array.Empty<VmMove>();

    /// <summary>Hosts to pretend are disabled.</summary>
    public IReadOnlyList<string> HostsToDisable { get; init; } = Array.Empty<string>();

    /// <summary>Overrides the number of failures to plan for.</summary>
    public int? NumFailures { get; init; }

    /// <summary>VMs (refs in the model) to plan for as if protected.</summary>
    public IReadOnlyList<string> NewVmsToProtect { get; init; } = Array.Empty<string>();
}

/// <summary>xapi's <c>plan_status</c>.</summary>
public enum PlanStatus
{
    /// <summary><c>Plan_exists_for_all_VMs</c>.</summary>
    PlanExistsForAllVms,

    /// <summary><c>Plan_exists_excluding_non_agile_VMs</c>: treated as "no plan" by every API and by the max computation.</summary>
    PlanExistsExcludingNonAgileVms,

    /// <summary><c>No_plan_exists</c>.</summary>
    NoPlanExists,
}

/// <summary>Which binpack heuristic xapi's <c>choose_heuristic</c> picks.</summary>
public enum PlannerHeuristic
{
    /// <summary><c>bin_pack_every_combination</c>: every ordered sequence of r failures, re-packed with biggest-fit-decreasing.</summary>
    Exhaustive,

    /// <summary><c>approximate_bin_pack</c>: one worst-case count (all VMs as big as the biggest, biggest hosts fail).</summary>
    Approximate,
}

/// <summary>The restart plan the HA monitor executes for offline protected VMs (<c>compute_restart_plan</c>).</summary>
/// <param name="Plan">VM ref → host ref, in xapi's order: pinned non-agile VMs first, then agile ones
/// (biggest-fit-decreasing allocation order, reversed as xapi conses it).</param>
/// <param name="NotRestarted">Offline protected VMs the plan leaves out (every offline non-agile VM is among them, as in xapi).
/// Non-empty: the pool is overcommitted even with no failure, and the monitor falls back to plain VM.start.</param>
/// <param name="NonAgileProtectedVmsExist">Some protected VM is not agile.</param>
public sealed record RestartPlan(
    IReadOnlyList<KeyValuePair<string, string>> Plan,
    IReadOnlyList<string> NotRestarted,
    bool NonAgileProtectedVmsExist)
{
    /// <summary>Every offline protected VM has a host.</summary>
    public bool IsComplete => NotRestarted.Count == 0;
}

/// <summary>One row of <c>pool.ha_compute_vm_failover_plan</c>: either a host or an error code.</summary>
/// <param name="VmRef">The failed VM.</param>
/// <param name="HostRef">Where it would restart (wire: <c>{"host": ref}</c>), or null.</param>
/// <param name="ErrorCode">Why it could not (wire: <c>{"error_code": code}</c>): its agility error if not agile,
/// else <c>HOST_NOT_ENOUGH_FREE_MEMORY</c>.</param>
public sealed record VmFailoverResult(string VmRef, string? HostRef, string? ErrorCode);

/// <summary>The pool's HA fields the status computations read.</summary>
/// <param name="HostFailuresToTolerate"><c>pool.ha_host_failures_to_tolerate</c>.</param>
/// <param name="PlanExistsFor"><c>pool.ha_plan_exists_for</c>.</param>
/// <param name="Overcommitted"><c>pool.ha_overcommitted</c>.</param>
public readonly record struct PoolHaState(long HostFailuresToTolerate, long PlanExistsFor, bool Overcommitted);

/// <summary>What a pool-status computation decided: new field values and the side effects xapi performs.</summary>
/// <param name="Overcommitted">New <c>pool.ha_overcommitted</c>.</param>
/// <param name="PlanExistsFor">New <c>pool.ha_plan_exists_for</c>.</param>
/// <param name="Changed">xapi's "something changed" result.</param>
/// <param name="RaiseOvercommittedMessage">Raise <c>HA_POOL_OVERCOMMITTED</c> (and run the pool-ha-overcommitted hook):
/// the pool just became overcommitted.</param>
/// <param name="DropInPlanExistsFor">Non-null: raise <c>HA_POOL_DROP_IN_PLAN_EXISTS_FOR</c> with this body.</param>
public sealed record PoolStatusUpdate(
    bool Overcommitted,
    long PlanExistsFor,
    bool Changed,
    bool RaiseOvercommittedMessage,
    long? DropInPlanExistsFor);

/// <summary>Restart priority vocabularies (<c>Constants.ha_valid_restart_priorities</c> across versions).</summary>
/// <param name="Valid">Accepted values.</param>
/// <param name="ProtectedValues">Values that make a VM protected when it should be running.</param>
public sealed record HaPriorities(IReadOnlySet<string> Valid, IReadOnlySet<string> ProtectedValues)
{
    /// <summary>XenServer 6.0 (boston) and later: "restart", "best-effort", "".</summary>
    public static readonly HaPriorities Modern = new(
        new HashSet<string>(StringComparer.Ordinal) { "restart", "best-effort", "" },
        new HashSet<string>(StringComparer.Ordinal) { "restart" });

    /// <summary>XenServer 5.x: "1", "2", "3", "best-effort" (5.6 FP1 adds "0"); protected ⇔ not best-effort.</summary>
    public static HaPriorities Legacy(bool withZero)
    {
        var valid = new HashSet<string>(StringComparer.Ordinal) { "1", "2", "3", "best-effort" };
        if (withZero) valid.Add("0");
        var prot = new HashSet<string>(valid, StringComparer.Ordinal);
        prot.Remove("best-effort");
        return new HaPriorities(valid, prot);
    }
}

/// <summary>Memory figures as xapi's <c>Memory_check</c> computes them for the planner.</summary>
public static class HaMemory
{
    /// <summary>
    /// Host free memory: <c>max 0 (memory_total − host.memory_overhead − Σ usage)</c> over every VM resident on or
    /// scheduled to the host, dom0 included (<c>host_compute_free_memory_with_policy</c>).
    /// </summary>
    /// <param name="memoryTotal"><c>host_metrics.memory_total</c>.</param>
    /// <param name="hostMemoryOverhead"><c>host.memory_overhead</c>.</param>
    /// <param name="vmUsages">Each resident/scheduled VM's usage from <see cref="VmUsage"/>.</param>
    public static long HostFree(long memoryTotal, long hostMemoryOverhead, IEnumerable<long> vmUsages)
    {
        long used = 0;
        foreach (var u in vmUsages) used += u;
        return Math.Max(0L, memoryTotal - hostMemoryOverhead - used);
    }

    /// <summary>A resident VM's usage (<c>vm_compute_used_memory</c>): the policy's figure plus <c>VM.memory_overhead</c>.
    /// The planner's policy is static_max (<c>staticMax</c>); the failover-plan call's is dynamic_min.</summary>
    public static long VmUsage(long policyMemory, long vmMemoryOverhead) => policyMemory + vmMemoryOverhead;

    /// <summary>Memory to start a VM at static_max: <c>static_max + memory_overhead</c> (xapi's footprint model).</summary>
    public static long VmRestartMemory(long staticMax, long vmMemoryOverhead) => staticMax + vmMemoryOverhead;

    /// <summary>Corosync pools: less than half the hosts may fail whilst keeping quorum
    /// (<c>Xapi_clustering.compute_corosync_max_host_failures</c>).</summary>
    public static int CorosyncMaxHostFailures(int hosts, int hostsWithClusteringDisabled) =>
        (hosts - hostsWithClusteringDisabled - 1) / 2 + hostsWithClusteringDisabled;
}
