using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using XenHa.Simulator.Ha;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>Random pools: the planner's promises checked by simulating the failures and the restarts.</summary>
public sealed class FailoverPlannerPropertyTests
{
    /// <summary>Host: memory in GiB and state (0 live, 1 disabled, 2 dead).</summary>
    public sealed record HostSpec(int MemGiB, int State);

    /// <summary>VM: size in GiB, host index (-1 halted), protected, agile.</summary>
    public sealed record VmSpec(int SizeGiB, int Host, bool Protected, bool Agile);

    /// <summary>A pool; <c>PadDeadHosts</c> extra dead hosts push n over 32 (approximate heuristic).</summary>
    public sealed record PoolSpec(HostSpec[] Hosts, VmSpec[] Vms, int PadDeadHosts)
    {
        public override string ToString() =>
            $"hosts=[{string.Join(", ", Hosts.Select(h => $"{h.MemGiB}G/{h.State}"))}] pad={PadDeadHosts} " +
            $"vms=[{string.Join(", ", Vms.Select(v => $"{v.SizeGiB}G@{v.Host}{(v.Protected ? "P" : "")}{(v.Agile ? "" : "!")}"))}]";
    }

    private static readonly Gen<HostSpec> GenHost =
        Gen.Select(Gen.Int[8, 96], Gen.Frequency((8, 0), (1, 1), (1, 2)), (m, s) => new HostSpec(m, s));

    private static readonly Gen<PoolSpec> GenPool =
        from hosts in GenHost.Array[1, 5]
        from vms in Gen.Select(Gen.Int[1, 40], Gen.Int[-1, hosts.Length - 1], Gen.Frequency((3, true), (1, false)),
            Gen.Frequency((12, true), (1, false)), (s, h, p, a) => new VmSpec(s, h, p, a)).Array[0, 9]
        from pad in Gen.Frequency((3, 0), (1, 30))
        select new PoolSpec(hosts, vms, pad);

    private const long GiB = PlannerPool.GiB;

    private static string HostName(int i) => $"h{i:D2}";

    private static PlannerPool Build(PoolSpec spec)
    {
        var pool = new PlannerPool();
        for (var i = 0; i < spec.Hosts.Length; i++)
            pool.AddHost(HostName(i), spec.Hosts[i].MemGiB, enabled: spec.Hosts[i].State != 1, live: spec.Hosts[i].State != 2);
        for (var i = 0; i < spec.PadDeadHosts; i++) pool.AddHost($"pad{i:D2}", 64, live: false);
        for (var i = 0; i < spec.Vms.Length; i++)
        {
            var v = spec.Vms[i];
            pool.AddVm($"vm{i:D2}", v.Host < 0 ? null : HostName(v.Host), v.SizeGiB, v.Protected,
                v.Agile ? null : "HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED", v.Agile ? null : new[] { HostName(0) });
        }
        return pool;
    }

    private static bool Usable(PlannerPool.Host h) => h.Enabled && h.Live;

    /// <summary>
    /// What the HA monitor does: compute the restart plan for the current state and, when it is complete, start the VMs
    /// where it says (an incomplete plan is not executed: xapi falls back to plain VM.start). Agile VMs must only be planned
    /// onto usable, non-failed hosts within their free memory; offline non-agile VMs are pinned (possibly to a dead host)
    /// and always make the plan incomplete, as in xapi. Returns whether the plan was complete.
    /// </summary>
    private static bool RestartOfflineProtectedVms(PlannerPool pool, ISet<string> failed)
    {
        var plan = pool.Planner().ComputeRestartPlan(0);
        PlannerPool.Vm VmOf(string vmRef) => pool.Vms.Single(v => PlannerPool.VmRef(v.Name) == vmRef);
        foreach (var group in plan.Plan.Where(kv => VmOf(kv.Key).AgilityError is null).GroupBy(kv => kv.Value))
        {
            var host = pool.Hosts.Single(h => PlannerPool.HostRef(h.Name) == group.Key);
            Assert.True(Usable(host), $"placed on unusable host {host.Name}");
            Assert.DoesNotContain(host.Name, failed);
            var need = group.Sum(kv => VmOf(kv.Key).Size);
            Assert.True(need <= pool.FreeOf(host), $"{host.Name}: {need / GiB} GiB placed, {pool.FreeOf(host) / GiB} GiB free");
        }
        if (!plan.IsComplete) return false;
        Assert.DoesNotContain(plan.Plan, kv => VmOf(kv.Key).AgilityError is not null);
        foreach (var (vmRef, hostRef) in plan.Plan) VmOf(vmRef).On = hostRef["OpaqueRef:".Length..];
        return true;
    }

    private static void Fail(PlannerPool pool, string hostName)
    {
        pool.Hosts.Single(h => h.Name == hostName).Live = false;
        foreach (var vm in pool.Vms.Where(v => v.On == hostName)) vm.On = null; // fenced: halted, resident nowhere
    }

    private static PlannerPool Clone(PlannerPool pool)
    {
        var copy = new PlannerPool { UpperBound = pool.UpperBound };
        foreach (var h in pool.Hosts) copy.Hosts.Add(new PlannerPool.Host { Name = h.Name, Total = h.Total, Enabled = h.Enabled, Live = h.Live });
        foreach (var v in pool.Vms)
            copy.Vms.Add(new PlannerPool.Vm
            {
                Name = v.Name, Size = v.Size, On = v.On, Protected = v.Protected, AgilityError = v.AgilityError,
                BootableOn = v.BootableOn, EvacuationSize = v.EvacuationSize,
            });
        return copy;
    }

    private static IEnumerable<List<string>> Sequences(IReadOnlyList<string> hosts, int length)
    {
        if (length == 0) { yield return new List<string>(); yield break; }
        foreach (var h in hosts)
            foreach (var rest in Sequences(hosts.Where(x => x != h).ToList(), length - 1))
            {
                rest.Insert(0, h);
                yield return rest;
            }
    }

    private static IEnumerable<List<string>> Subsets(IReadOnlyList<string> hosts, int size, int start = 0)
    {
        if (size == 0) { yield return new List<string>(); yield break; }
        for (var i = start; i <= hosts.Count - size; i++)
            foreach (var rest in Subsets(hosts, size - 1, i + 1))
            {
                rest.Insert(0, hosts[i]);
                yield return rest;
            }
    }

    /// <summary>
    /// (a) Whenever a plan exists for n, every sequence of n host failures (every set, in every order, with the HA
    /// monitor restarting after each) restarts every protected VM on a surviving host within its free memory.
    /// </summary>
    [Fact]
    public void PlanForN_SurvivesEveryOrderedSequenceOfNFailures()
    {
        var checkedPlans = 0;
        GenPool.Select(Gen.Int[0, 5]).Sample((spec, nRaw) =>
        {
            var pool = Build(spec);
            var n = Math.Min(nRaw, pool.Hosts.Count);
            if (pool.Planner().PlanExists(n) != PlanStatus.PlanExistsForAllVms) return;
            checkedPlans++;

            // The monitor first starts protected VMs that are offline (step 1 of the planner).
            Assert.True(RestartOfflineProtectedVms(pool, new HashSet<string>()), "offline protected VMs left out with a plan");
            var usable = pool.Hosts.Where(Usable).Select(h => h.Name).ToList();
            foreach (var sequence in Sequences(usable, n))
            {
                var world = Clone(pool);
                var failed = new HashSet<string>();
                foreach (var host in sequence)
                {
                    failed.Add(host);
                    Fail(world, host);
                    Assert.True(RestartOfflineProtectedVms(world, failed),
                        $"n={n}: failing {string.Join(",", sequence)} left a protected VM down at {host}");
                }
                Assert.All(world.Vms.Where(v => v.Protected), v => Assert.NotNull(v.On));
            }
        }, iter: 400, print: t => $"{t.Item1} n={t.Item2}");
        Assert.True(checkedPlans > 20, $"only {checkedPlans} pools had a plan");
    }

    /// <summary>
    /// (a') The same promise when the n hosts fail at once (one liveset change; one restart plan for all their VMs).
    /// </summary>
    [Fact]
    public void PlanForN_SurvivesNSimultaneousFailures()
    {
        GenPool.Select(Gen.Int[0, 5]).Sample((spec, nRaw) =>
        {
            var pool = Build(spec);
            var n = Math.Min(nRaw, pool.Hosts.Count);
            if (pool.Planner().PlanExists(n) != PlanStatus.PlanExistsForAllVms) return;
            Assert.True(RestartOfflineProtectedVms(pool, new HashSet<string>()));
            var usable = pool.Hosts.Where(Usable).Select(h => h.Name).ToList();
            foreach (var set in Subsets(usable, n))
            {
                var world = Clone(pool);
                foreach (var host in set) Fail(world, host);
                Assert.True(RestartOfflineProtectedVms(world, new HashSet<string>(set)),
                    $"n={n}: failing {string.Join(",", set)} at once left a protected VM down");
            }
        }, iter: 400, print: t => $"{t.Item1} n={t.Item2}");
    }

    /// <summary>
    /// (d) Exactness of the exhaustive heuristic: where xapi picks it, "plan for n" holds exactly when the offline protected
    /// VMs can be started, none is non-agile, and every ordered sequence of n failures survives the simulation (the
    /// converse of (a): the planner is not merely safe but says no only when some failure order really loses a VM).
    /// </summary>
    [Fact]
    public void ExhaustivePlanForN_IsExactlyEverySequenceSurviving()
    {
        GenPool.Select(Gen.Int[0, 5]).Sample((spec, nRaw) =>
        {
            var pool = Build(spec);
            var usableCount = pool.Hosts.Count(Usable);
            var n = Math.Min(nRaw, usableCount);
            if (FailoverPlanner.ChooseHeuristic(pool.Hosts.Count, n) != PlannerHeuristic.Exhaustive) return;
            var status = pool.Planner().PlanExists(n);

            var expected = pool.Vms.All(v => !v.Protected || v.AgilityError is null)
                && RestartOfflineProtectedVms(pool, new HashSet<string>());
            if (expected)
            {
                var usable = pool.Hosts.Where(Usable).Select(h => h.Name).ToList();
                expected = Sequences(usable, n).All(sequence =>
                {
                    var world = Clone(pool);
                    var failed = new HashSet<string>();
                    foreach (var host in sequence)
                    {
                        failed.Add(host);
                        Fail(world, host);
                        if (!RestartOfflineProtectedVms(world, failed)) return false;
                    }
                    return true;
                });
            }
            Assert.Equal(expected, status == PlanStatus.PlanExistsForAllVms);
        }, iter: 600, print: t => $"{t.Item1} n={t.Item2}");
    }

    /// <summary>(b) Max ntol is monotone: a plan exists for every 1 ≤ n ≤ max and for no n above it.</summary>
    [Fact]
    public void MaxNtol_IsMonotone()
    {
        GenPool.Sample(spec =>
        {
            var p = Build(spec).Planner();
            var max = p.MaxHostFailuresToTolerate();
            var total = p.Model.Hosts.Count;
            Assert.InRange(max, 0, total);
            for (var n = 1; n <= max; n++) Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(n));
            for (var n = max + 1; n <= total; n++) Assert.NotEqual(PlanStatus.PlanExistsForAllVms, p.PlanExists(n));
            var live = p.Model.Hosts.Count(h => h.Enabled && h.Live);
            if (!p.Model.Vms.Any(v => v.Protected)) Assert.Equal(live, max);
            else Assert.True(max <= Math.Max(0, live - 1));
        }, iter: 600, print: s => s.ToString());
    }

    /// <summary>(c) No plan ever puts a VM on a failed, dead or (for restarts) disabled host.</summary>
    [Fact]
    public void Plans_NeverUseAFailedHost()
    {
        GenPool.Select(Gen.Int[0, 31]).Sample((spec, mask) =>
        {
            var pool = Build(spec);
            var failed = pool.Hosts.Where((h, i) => i < 5 && (mask & (1 << i)) != 0).Select(h => PlannerPool.HostRef(h.Name)).ToHashSet();
            var failedVms = pool.Vms.Where(v => v.On is not null && failed.Contains(PlannerPool.HostRef(v.On))).Select(v => PlannerPool.VmRef(v.Name)).ToList();
            var rows = pool.Planner().PlanFor(failed, failedVms);
            Assert.Equal(failedVms.Count, rows.Count);
            foreach (var row in rows)
            {
                Assert.True((row.HostRef is null) != (row.ErrorCode is null));
                if (row.HostRef is null) continue;
                Assert.DoesNotContain(row.HostRef, failed);
                Assert.True(pool.Hosts.Single(h => PlannerPool.HostRef(h.Name) == row.HostRef).Live);
            }

            foreach (var name in failed.Select(r => r["OpaqueRef:".Length..])) Fail(pool, name);
            RestartOfflineProtectedVms(pool, failed.Select(r => r["OpaqueRef:".Length..]).ToHashSet()); // asserts targets
        }, iter: 600, print: t => $"{t.Item1} mask={t.Item2}");
    }
}
