using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using XenHa.Simulator.Ha;
using XenHa.Simulator.Protocol;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>A small pool description for planner tests: names double as uuids (so uuid order = name order) and refs.</summary>
internal sealed class PlannerPool
{
    public const long GiB = 1L << 30;

    public sealed class Host
    {
        public required string Name { get; init; }
        public required long Total { get; init; }
        public bool Enabled { get; set; } = true;
        public bool Live { get; set; } = true;
    }

    public sealed class Vm
    {
        public required string Name { get; init; }
        public required long Size { get; init; }
        public string? On { get; set; }
        public bool Protected { get; set; } = true;
        public string? AgilityError { get; init; }
        public string[] BootableOn { get; init; } = Array.Empty<string>();
        public long? EvacuationSize { get; init; }
    }

    public List<Host> Hosts { get; } = new();
    public List<Vm> Vms { get; } = new();
    public int? UpperBound { get; set; }

    public PlannerPool AddHost(string name, long totalGiB, bool enabled = true, bool live = true)
    {
        Hosts.Add(new Host { Name = name, Total = totalGiB * GiB, Enabled = enabled, Live = live });
        return this;
    }

    public PlannerPool AddVm(string name, string? on, long sizeGiB, bool isProtected = true, string? agilityError = null,
        string[]? bootableOn = null, long? evacuationGiB = null)
    {
        Vms.Add(new Vm
        {
            Name = name, Size = sizeGiB * GiB, On = on, Protected = isProtected, AgilityError = agilityError,
            BootableOn = bootableOn ?? Array.Empty<string>(), EvacuationSize = evacuationGiB * GiB,
        });
        return this;
    }

    public static string HostRef(string name) => "OpaqueRef:" + name;

    public static string VmRef(string name) => "OpaqueRef:" + name;

    public long FreeOf(Host h) => HaMemory.HostFree(h.Total, 0, Vms.Where(v => v.On == h.Name).Select(v => v.Size));

    public PlannerModel Model() => new(
        Hosts.Select(h => new PlannerHost(HostRef(h.Name), h.Name)
        {
            Enabled = h.Enabled,
            Live = h.Live,
            FreeMemory = FreeOf(h),
            FreeMemoryMaxCompression = HaMemory.HostFree(h.Total, 0, Vms.Where(v => v.On == h.Name).Select(v => v.EvacuationSize ?? v.Size)),
        }).ToList(),
        Vms.Select(v => new PlannerVm(VmRef(v.Name), v.Name)
        {
            RestartMemory = v.Size,
            EvacuationMemory = v.EvacuationSize ?? v.Size,
            ResidentOn = v.On is null ? null : HostRef(v.On),
            Protected = v.Protected,
            AgilityError = v.AgilityError,
            BootableOn = v.BootableOn.Select(HostRef).ToList(),
        }).ToList())
    { MaxFailuresUpperBound = UpperBound };

    public FailoverPlanner Planner() => new(Model());
}

public sealed class FailoverPlannerTests
{
    private const long GiB = PlannerPool.GiB;
    private static string H(string name) => PlannerPool.HostRef(name);
    private static string V(string name) => PlannerPool.VmRef(name);

    // --- xapi's own unit-test vectors (ocaml/tests/test_ha_vm_failover.ml), 256 GiB hosts -------------------------

    [Fact]
    public void TwoHosts_OneVmUsingUnderHalfAHost_PlanForOneFailure()
    {
        var p = new PlannerPool().AddHost("master", 256).AddHost("slave", 256).AddVm("vm1", "master", 120).Planner();
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(1));
    }

    [Fact]
    public void TwoHosts_TwoVmsFillingOneHost_PlanForOneFailure()
    {
        var p = new PlannerPool().AddHost("master", 256).AddHost("slave", 256)
            .AddVm("vm1", "master", 120).AddVm("vm2", "master", 120).Planner();
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(1));
        Assert.Equal(1, p.MaxHostFailuresToTolerate());
    }

    [Fact]
    public void TwoHosts_BothFull_Overcommitted()
    {
        var p = new PlannerPool().AddHost("master", 256).AddHost("slave", 256)
            .AddVm("vm1", "master", 120).AddVm("vm2", "master", 120)
            .AddVm("vm3", "slave", 120).AddVm("vm4", "slave", 120).Planner();
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(1));
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(0));
        Assert.Equal(0, p.MaxHostFailuresToTolerate());
    }

    [Fact]
    public void NewProtectedVm_FitsThePlan_IsAllowed()
    {
        var pool = new PlannerPool().AddHost("master", 256).AddHost("slave", 256)
            .AddVm("vm1", "master", 120).AddVm("new", null, 120, isProtected: false);
        var change = new ConfigurationChange { NewVmsToProtect = new[] { V("new") } };
        Assert.True(pool.Planner().ChangePreservesPlan(change, 1));
    }

    [Fact]
    public void NewProtectedVm_BreakingThePlan_IsRefused()
    {
        var pool = new PlannerPool().AddHost("master", 256).AddHost("slave", 256)
            .AddVm("vm1", "master", 120).AddVm("vm2", "master", 120).AddVm("new", null, 120, isProtected: false);
        var change = new ConfigurationChange { NewVmsToProtect = new[] { V("new") } };
        Assert.False(pool.Planner().ChangePreservesPlan(change, 1));
    }

    [Fact]
    public void NewProtectedVm_PoolAlreadyOvercommitted_IsAllowed()
    {
        var pool = new PlannerPool().AddHost("master", 256).AddHost("slave", 256)
            .AddVm("vm1", "master", 120).AddVm("vm2", "master", 120).AddVm("vm3", "slave", 120)
            .AddVm("new", null, 120, isProtected: false);
        Assert.Equal(PlanStatus.NoPlanExists, pool.Planner().PlanExists(1));
        var change = new ConfigurationChange { NewVmsToProtect = new[] { V("new") } };
        Assert.True(pool.Planner().ChangePreservesPlan(change, 1));
    }

    // --- hand-worked cases from the reference -----------------------------------------------------------------------

    /// <summary>
    /// A: 100+60+30 (free 66), B: 120 (free 136), C: 50+50 (free 156). One failure: A's VMs go 100→C, 60→B, 30→B;
    /// B's 120→C; C's 50s→B,B. Two failures A then B: B now holds 120+60+30 but C has only 56 left → no plan. Max 1.
    /// </summary>
    [Fact]
    public void ThreeHosts_VariousSizes_ToleratesExactlyOneFailure()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256)
            .AddVm("v100", "a", 100).AddVm("v60", "a", 60).AddVm("v30", "a", 30)
            .AddVm("v120", "b", 120).AddVm("v50a", "c", 50).AddVm("v50b", "c", 50).Planner();
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(0));
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(1));
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(2));
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(3));
        Assert.Equal(1, p.MaxHostFailuresToTolerate());
        Assert.True(p.ComputeRestartPlan(1).IsComplete);
        Assert.Empty(p.ComputeRestartPlan(1).Plan);
    }

    [Fact]
    public void ThreeHosts_SmallVms_ToleratesTwo()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256)
            .AddVm("v1", "a", 10).AddVm("v2", "b", 20).AddVm("v3", "c", 30).Planner();
        Assert.Equal(2, p.MaxHostFailuresToTolerate());
    }

    [Fact]
    public void NoProtectedVms_MaxIsTheNumberOfLiveEnabledHosts()
    {
        var pool = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256)
            .AddVm("u1", "a", 100, isProtected: false);
        Assert.Equal(3, pool.Planner().MaxHostFailuresToTolerate());
        pool.Hosts[2].Enabled = false;
        Assert.Equal(2, pool.Planner().MaxHostFailuresToTolerate());
        pool.Hosts[1].Live = false;
        Assert.Equal(1, pool.Planner().MaxHostFailuresToTolerate());
    }

    [Fact]
    public void AnyProtectedVm_MaxIsAtMostLiveHostsMinusOne()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256)
            .AddVm("tiny", "a", 1).Planner();
        Assert.Equal(2, p.MaxHostFailuresToTolerate());
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(3));
    }

    [Fact]
    public void ExactlyRLiveHostsWithAProtectedVm_NoPlan()
    {
        var pool = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256, enabled: false)
            .AddVm("tiny", "a", 1);
        var p = pool.Planner();
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(2));
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(1));
        Assert.Equal(1, p.MaxHostFailuresToTolerate());

        pool.Hosts[2].Enabled = true;
        pool.Hosts[2].Live = false;
        Assert.Equal(PlanStatus.NoPlanExists, pool.Planner().PlanExists(2));
    }

    [Fact]
    public void VmTooBigForAnySurvivor_NoPlan()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256)
            .AddVm("big", "a", 200).AddVm("load", "b", 100, isProtected: false).Planner();
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(0));
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(1));
        Assert.Equal(0, p.MaxHostFailuresToTolerate());
        Assert.False(p.FailoverPlanExists(1));
        Assert.True(p.FailoverPlanExists(0));
    }

    [Fact]
    public void NonAgileProtectedVm_PlanOnlyExcludingNonAgile()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256)
            .AddVm("agile", "a", 10)
            .AddVm("local", "a", 10, agilityError: "HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED", bootableOn: new[] { "a" })
            .Planner();
        Assert.Equal(PlanStatus.PlanExistsExcludingNonAgileVms, p.PlanExists(1));
        Assert.False(p.FailoverPlanExists(1));
        Assert.Equal(0, p.MaxHostFailuresToTolerate());
        var status = p.PoolStatus(new PoolHaState(1, 1, false));
        Assert.True(status.Overcommitted);
        Assert.True(status.RaiseOvercommittedMessage);
        Assert.Equal(0, status.PlanExistsFor);
        Assert.Equal(0, status.DropInPlanExistsFor);
    }

    [Fact]
    public void OfflineNonAgileProtectedVm_IsPinnedButCountsAsNotRestarted()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256)
            .AddVm("local", null, 10, agilityError: "VM_HAS_VGPU", bootableOn: new[] { "b", "a" })
            .Planner();
        var plan = p.ComputeRestartPlan(0);
        Assert.Equal(new[] { new KeyValuePair<string, string>(V("local"), H("a")) }, plan.Plan);
        Assert.Equal(new[] { V("local") }, plan.NotRestarted);
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(0));
    }

    [Fact]
    public void OfflineAgileProtectedVms_AreBinPackedBiggestFirstOntoTheHostWithMostRoom()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256)
            .AddVm("loadA", "a", 100, isProtected: false).AddVm("loadB", "b", 50, isProtected: false)
            .AddVm("x", null, 100).AddVm("y", null, 120).AddVm("z", null, 10).Planner();
        // free a=156, b=206, c=256: y(120)→c (136), x(100)→b (106), z(10)→a? no: a=156 is the biggest now → a.
        var plan = p.ComputeRestartPlan(0).Plan.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(H("c"), plan[V("y")]);
        Assert.Equal(H("b"), plan[V("x")]);
        Assert.Equal(H("a"), plan[V("z")]);
        // xapi's order: last allocation first.
        Assert.Equal(new[] { V("z"), V("x"), V("y") }, p.ComputeRestartPlan(0).Plan.Select(kv => kv.Key));
    }

    [Fact]
    public void ProtectedVmThatCannotStartAtAll_NoPlanEvenForZeroFailures_ButMaxIsZero()
    {
        var p = new PlannerPool().AddHost("a", 64).AddVm("huge", null, 100).Planner();
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(0));
        Assert.False(p.ComputeRestartPlan(0).IsComplete);
        Assert.Equal(0, p.MaxHostFailuresToTolerate()); // bisection returns its lower bound untested
    }

    [Fact]
    public void InvalidNumberOfFailures_IsNoPlan()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256).Planner();
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(-1));
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(3));
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(2));
        Assert.Throws<InvalidOperationException>(() => p.ComputeRestartPlan(3));
    }

    // --- heuristic choice --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(3, 1, PlannerHeuristic.Exhaustive)]
    [InlineData(8, 4, PlannerHeuristic.Exhaustive)]    // 70 × 24 = 1680
    [InlineData(9, 4, PlannerHeuristic.Exhaustive)]    // 126 × 24 = 3024
    [InlineData(10, 4, PlannerHeuristic.Approximate)]  // 210 × 24 = 5040
    [InlineData(16, 3, PlannerHeuristic.Exhaustive)]   // 560 × 6 = 3360
    [InlineData(17, 3, PlannerHeuristic.Approximate)]  // 680 × 6 = 4080
    [InlineData(7, 5, PlannerHeuristic.Exhaustive)]    // 21 × 120 = 2520
    [InlineData(7, 6, PlannerHeuristic.Approximate)]   // 7 × 720 = 5040
    [InlineData(6, 6, PlannerHeuristic.Exhaustive)]    // 1 × 720
    [InlineData(32, 2, PlannerHeuristic.Exhaustive)]   // 496 × 2 = 992
    [InlineData(32, 3, PlannerHeuristic.Approximate)]
    [InlineData(32, 0, PlannerHeuristic.Exhaustive)]
    [InlineData(32, 32, PlannerHeuristic.Approximate)] // 32! overflows int64
    [InlineData(33, 0, PlannerHeuristic.Approximate)]  // n > 32
    [InlineData(33, 1, PlannerHeuristic.Approximate)]
    [InlineData(64, 1, PlannerHeuristic.Approximate)]
    public void HeuristicChoice(int n, int r, PlannerHeuristic expected) =>
        Assert.Equal(expected, FailoverPlanner.ChooseHeuristic(n, r));

    /// <summary>
    /// Two live hosts; A holds 100+1+1+1 (free 153), B is empty. Exhaustive: A's four VMs fit B → plan. Approximate: every
    /// VM counted as 100 GiB, capacities [B=2, A=1], the biggest fails → 1 slot for 4 VMs → no plan. n counts every host
    /// in the pool, dead ones too: 32 hosts → exhaustive, 33 → approximate.
    /// </summary>
    [Theory]
    [InlineData(30, PlanStatus.PlanExistsForAllVms)]
    [InlineData(31, PlanStatus.NoPlanExists)]
    public void HeuristicBoundary_DeadHostsCountInN(int deadHosts, PlanStatus expected)
    {
        var pool = new PlannerPool().AddHost("a", 256).AddHost("b", 256)
            .AddVm("v100", "a", 100).AddVm("v1a", "a", 1).AddVm("v1b", "a", 1).AddVm("v1c", "a", 1);
        for (var i = 0; i < deadHosts; i++) pool.AddHost($"dead{i:D2}", 256, live: false);
        Assert.Equal(expected, pool.Planner().PlanExists(1));
    }

    // --- bisection ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Bisection_FindsTheLargestTrueValueOfAMonotonePredicate()
    {
        for (var k = 0; k <= 10; k++)
        {
            var kk = k;
            Assert.Equal(k, FailoverPlanner.Bisect(n => n <= kk, 0, 10));
        }
    }

    [Fact]
    public void Bisection_ReturnsLowerUntested_AndMissesNonMonotoneTrues()
    {
        var tested = new List<int>();
        Assert.Equal(0, FailoverPlanner.Bisect(n => { tested.Add(n); return false; }, 0, 5));
        Assert.DoesNotContain(0, tested);
        var trues = new HashSet<int> { 0, 1, 2, 5 };
        Assert.Equal(2, FailoverPlanner.Bisect(trues.Contains, 0, 5));
    }

    [Fact]
    public void MaxIsCappedByTheUpperBound_Corosync()
    {
        var pool = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256).AddHost("d", 256);
        Assert.Equal(4, pool.Planner().MaxHostFailuresToTolerate());
        pool.UpperBound = HaMemory.CorosyncMaxHostFailures(4, 0);
        Assert.Equal(1, pool.Planner().MaxHostFailuresToTolerate());
    }

    // --- hypothetical changes ----------------------------------------------------------------------------------------

    private static PlannerPool ChangePool() => new PlannerPool()
        .AddHost("a", 256).AddHost("b", 256).AddHost("c", 256)
        .AddVm("x", "a", 200).AddVm("load", "b", 100, isProtected: false).AddVm("u", null, 100, isProtected: false);

    [Fact]
    public void Change_StartingAnUnprotectedVm_CanBreakThePlan()
    {
        var pool = ChangePool();
        var p = pool.Planner();
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(1)); // x → c (256 free)
        var u = p.Model.Vms.Single(v => v.Ref == V("u"));
        Assert.False(p.ChangePreservesPlan(new ConfigurationChange { VmsArriving = new[] { new VmMove(H("c"), u) } }, 1));
        Assert.True(p.ChangePreservesPlan(new ConfigurationChange { VmsArriving = new[] { new VmMove(H("a"), u) } }, 1));
    }

    [Fact]
    public void Change_MigratingLoadAway_KeepsThePlan()
    {
        var p = ChangePool().Planner();
        var load = p.Model.Vms.Single(v => v.Ref == V("load"));
        var move = new ConfigurationChange
        {
            VmsLeaving = new[] { new VmMove(H("b"), load) },
            VmsArriving = new[] { new VmMove(H("c"), load) },
        };
        Assert.True(p.ChangePreservesPlan(move, 1)); // b becomes 256 free, c 156: x → b
    }

    [Fact]
    public void Change_MigratingTheProtectedVm_MovesItsPlacement()
    {
        var p = ChangePool().Planner();
        var x = p.Model.Vms.Single(v => v.Ref == V("x"));
        var move = new ConfigurationChange
        {
            VmsLeaving = new[] { new VmMove(H("a"), x) },
            VmsArriving = new[] { new VmMove(H("c"), x) },
        };
        // x on c: if c fails, x needs 200 on a (256) → fine.
        Assert.Equal(PlanStatus.PlanExistsForAllVms, p.PlanExists(1, move));
        var bigger = x with { RestartMemory = 300 * GiB };
        var grow = new ConfigurationChange { VmsArriving = new[] { new VmMove(H("a"), bigger) }, VmsLeaving = new[] { new VmMove(H("a"), x) } };
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(1, grow));
    }

    [Fact]
    public void Change_DisablingTheOnlyHostWithRoom_BreaksThePlan()
    {
        var p = ChangePool().Planner();
        Assert.False(p.ChangePreservesPlan(new ConfigurationChange { HostsToDisable = new[] { H("c") } }, 1));
        Assert.True(p.ChangePreservesPlan(new ConfigurationChange { HostsToDisable = new[] { H("b") } }, 1));
    }

    [Fact]
    public void Change_RaisingNtol_BreaksThePlan()
    {
        var p = ChangePool().Planner();
        Assert.False(p.ChangePreservesPlan(new ConfigurationChange { NumFailures = 2 }, 1));
        Assert.True(p.ChangePreservesPlan(new ConfigurationChange { NumFailures = 0 }, 1));
    }

    [Fact]
    public void Change_UnknownNewVm_IsNoPlan()
    {
        var p = ChangePool().Planner();
        Assert.Equal(PlanStatus.NoPlanExists, p.PlanExists(1, new ConfigurationChange { NewVmsToProtect = new[] { "OpaqueRef:nope" } }));
    }

    // --- hypothetical max --------------------------------------------------------------------------------------------

    [Fact]
    public void HypotheticalMax_ReplacesTheProtectedSet()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256)
            .AddVm("big", "a", 200)                             // protected now
            .AddVm("small", "b", 10, isProtected: false).AddVm("loadC", "c", 100, isProtected: false).Planner();
        Assert.Equal(1, p.MaxHostFailuresToTolerate());
        Assert.Equal(2, p.ComputeHypotheticalMax(new Dictionary<string, string> { [V("small")] = "restart", [V("big")] = "best-effort" }));
        Assert.Equal(3, p.ComputeHypotheticalMax(new Dictionary<string, string>()));
        Assert.Equal(1, p.ComputeHypotheticalMax(new Dictionary<string, string> { [V("small")] = "restart", [V("big")] = "restart" }));
    }

    [Fact]
    public void HypotheticalMax_ValidatesPriorities()
    {
        var p = new PlannerPool().AddHost("a", 256).AddVm("v", "a", 1).Planner();
        var e = Assert.Throws<XenApiException>(() => p.ComputeHypotheticalMax(new Dictionary<string, string> { [V("v")] = "1" }));
        Assert.Equal("INVALID_VALUE", e.Code);
        Assert.Equal(new[] { "ha_restart_priority", "1" }, e.Parameters);
        Assert.Equal(0, p.ComputeHypotheticalMax(new Dictionary<string, string> { [V("v")] = "1" }, HaPriorities.Legacy(false)));
        Assert.Throws<XenApiException>(() => p.ComputeHypotheticalMax(new Dictionary<string, string> { [V("v")] = "0" }, HaPriorities.Legacy(false)));
        Assert.Equal(1, p.ComputeHypotheticalMax(new Dictionary<string, string> { [V("v")] = "best-effort" }, HaPriorities.Legacy(true)));
        Assert.Equal("HANDLE_INVALID", Assert.Throws<XenApiException>(() =>
            p.ComputeHypotheticalMax(new Dictionary<string, string> { ["OpaqueRef:nope"] = "restart" })).Code);
    }

    // --- pool.ha_compute_vm_failover_plan ----------------------------------------------------------------------------

    [Fact]
    public void PlanFor_PlacesWhatFits_AndExplainsTheRest()
    {
        var pool = new PlannerPool().AddHost("a", 512).AddHost("b", 256).AddHost("c", 256, enabled: false)
            .AddVm("v100", "a", 100, evacuationGiB: 40)
            .AddVm("v300", "a", 300)
            .AddVm("local30", "a", 30, agilityError: "HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED")
            .AddVm("local500", "a", 500, agilityError: "VM_HAS_VGPU")
            .AddVm("loadB", "b", 100, isProtected: false, evacuationGiB: 10);
        var rows = pool.Planner().PlanFor(new[] { H("a") }, new[] { V("v100"), V("v300"), V("local30"), V("local500") });
        // free at max compression: b = 256 − 10 = 246, c (disabled but live: still a target) = 256.
        // 500 → no; 300 → no; 40 → c (216, re-sorted behind b); 30 → b (216).
        Assert.Equal(
            new[]
            {
                new VmFailoverResult(V("v300"), null, "HOST_NOT_ENOUGH_FREE_MEMORY"),
                new VmFailoverResult(V("local500"), null, "VM_HAS_VGPU"),
                new VmFailoverResult(V("local30"), H("b"), null),
                new VmFailoverResult(V("v100"), H("c"), null),
            },
            rows);
    }

    [Fact]
    public void PlanFor_NeverTargetsAFailedOrDeadHost()
    {
        var pool = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 512, live: false).AddHost("d", 64)
            .AddVm("v1", "a", 50).AddVm("v2", "a", 50).AddVm("v3", "b", 60);
        var rows = pool.Planner().PlanFor(new[] { H("a"), H("b") }, new[] { V("v1"), V("v2"), V("v3") });
        Assert.Equal(new[] { H("d") }, rows.Where(r => r.HostRef is not null).Select(r => r.HostRef).Distinct());
        Assert.Equal(2, rows.Count(r => r.ErrorCode == "HOST_NOT_ENOUGH_FREE_MEMORY")); // 60 → d (64); the 50s do not fit
    }

    // --- pool status -------------------------------------------------------------------------------------------------

    [Fact]
    public void PoolStatus_PlanExistsForNtol()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256).AddVm("v", "a", 10).Planner();
        var s = p.PoolStatus(new PoolHaState(2, 0, true));
        Assert.Equal(new PoolStatusUpdate(false, 2, true, false, null), s);
        Assert.False(p.PoolStatus(new PoolHaState(2, 2, false)).Changed);
    }

    [Fact]
    public void PoolStatus_OvercommittedTransition_DropsPlanExistsFor()
    {
        var p = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddVm("v", "a", 200)
            .AddVm("load", "b", 100, isProtected: false).Planner(); // max 0
        Assert.Equal(new PoolStatusUpdate(true, 0, true, true, 0), p.PoolStatus(new PoolHaState(1, 1, false)));
        // Already overcommitted and already at max: nothing changes.
        Assert.Equal(new PoolStatusUpdate(true, 0, false, false, null), p.PoolStatus(new PoolHaState(1, 0, true)));
        // plan_exists_for below max but ≠ max: raised to min(ntol, max) without a drop message.
        var q = new PlannerPool().AddHost("a", 256).AddHost("b", 256).AddHost("c", 256)
            .AddVm("v100", "a", 100).AddVm("v60", "a", 60).AddVm("v30", "a", 30)
            .AddVm("v120", "b", 120).AddVm("v50a", "c", 50).AddVm("v50b", "c", 50).Planner(); // max 1
        Assert.Equal(new PoolStatusUpdate(true, 1, true, false, null), q.PoolStatus(new PoolHaState(3, 0, true)));
    }

    [Fact]
    public void PoolStatusAfterComputeMax_MirrorsTheApiRefresh()
    {
        Assert.Equal(new PoolStatusUpdate(true, 1, true, false, 1), FailoverPlanner.PoolStatusAfterComputeMax(new PoolHaState(2, 2, false), 1));
        Assert.Equal(new PoolStatusUpdate(false, 1, true, false, null), FailoverPlanner.PoolStatusAfterComputeMax(new PoolHaState(1, 0, true), 3));
    }

    // --- scale ---------------------------------------------------------------------------------------------------------

    private static PlannerPool BigPool(int hosts, int vms)
    {
        var pool = new PlannerPool();
        for (var h = 0; h < hosts; h++) pool.AddHost($"h{h:D3}", 1024);
        var rng = new Random(42);
        for (var v = 0; v < vms; v++) pool.AddVm($"vm{v:D5}", $"h{rng.Next(hosts):D3}", 1 + rng.Next(8));
        return pool;
    }

    [Fact]
    public void Scale_64Hosts4000ProtectedVms_PlansWellUnderASecond()
    {
        var model = BigPool(64, 4000).Model();
        var sw = Stopwatch.StartNew();
        var p = new FailoverPlanner(model);
        var max = p.MaxHostFailuresToTolerate();
        var status = p.PoolStatus(new PoolHaState(max, max, false));
        var exists = p.PlanExists(max + 1);
        sw.Stop();
        Assert.InRange(max, 1, 63);
        Assert.False(status.Overcommitted);
        Assert.Equal(PlanStatus.NoPlanExists, exists);
        Assert.True(sw.ElapsedMilliseconds < 1000, $"took {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Scale_32Hosts4000ProtectedVms_ExhaustivePathStaysFast()
    {
        var p = BigPool(32, 4000).Planner();
        Assert.Equal(PlannerHeuristic.Exhaustive, FailoverPlanner.ChooseHeuristic(32, 2));
        var sw = Stopwatch.StartNew();
        var two = p.PlanExists(2);
        sw.Stop();
        Assert.Equal(PlanStatus.PlanExistsForAllVms, two);
        Assert.True(sw.ElapsedMilliseconds < 1000, $"took {sw.ElapsedMilliseconds} ms");
    }
}
