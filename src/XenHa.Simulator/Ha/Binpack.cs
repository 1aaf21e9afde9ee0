using System;
using System.Collections.Generic;

namespace XenHa.Simulator.Ha;

/// <summary>
/// A binpack configuration (xapi <c>Binpack.configuration</c>) over integer ids: live hosts with free memory (in a fixed
/// order that matters for tie-breaking), protected agile VMs with their sizes, and the current placement.
/// </summary>
internal sealed class BinpackConfig
{
    /// <summary>Live hosts (planner host indices), in order.</summary>
    public required int[] HostIds { get; init; }

    /// <summary>Free memory of <see cref="HostIds"/>[i].</summary>
    public required long[] HostFree { get; init; }

    /// <summary>Size of each VM (indexed by VM id 0..n-1); every id is one of the config's VMs.</summary>
    public required long[] VmSize { get; init; }

    /// <summary>Placement order (VM ids); it decides tie-breaking between equal VM sizes.</summary>
    public required int[] PlacementOrder { get; init; }

    /// <summary>Host (planner host index) each VM id is placed on; -1: not placed.</summary>
    public required int[] HostOf { get; init; }

    /// <summary>Hosts in the whole pool ('n' of the heuristic choice), live or not.</summary>
    public required int TotalHosts { get; init; }

    /// <summary>Failures to tolerate ('r').</summary>
    public required int NumFailures { get; init; }
}

/// <summary>xapi's <c>binpack.ml</c>: biggest-fit-decreasing, the two heuristics and the choice between them.</summary>
internal static class Binpack
{
    /// <summary>Thrown where xapi's int64 helpers raise <c>Overflow</c>.</summary>
    private sealed class OverflowSignal : Exception { }

    /// <summary>
    /// Biggest-fit-decreasing: things sorted by size descending (stable), each put in the bin with most room
    /// (bins sorted descending, stable; a bin that shrinks is re-inserted before the first bin not bigger than it);
    /// a thing that does not fit the biggest bin is left out. Returns (thing, bin) in xapi's order: last allocation first.
    /// </summary>
    public static List<(int Thing, int Bin)> BiggestFitDecreasing(
        IReadOnlyList<(int Id, long Size)> things, IReadOnlyList<(int Id, long Size)> bins)
    {
        var sortedThings = StableDescending(things);
        var sortedBins = StableDescending(bins);
        var mapping = new List<(int Thing, int Bin)>(sortedThings.Count);
        foreach (var (thing, size) in sortedThings)
        {
            if (sortedBins.Count == 0) continue;
            var (binId, binSize) = sortedBins[0];
            var remaining = binSize - size;
            if (remaining < 0) continue;
            sortedBins.RemoveAt(0);
            sortedBins.Insert(InsertPosition(sortedBins, remaining), (binId, remaining));
            mapping.Add((thing, binId));
        }
        mapping.Reverse();
        return mapping;
    }

    /// <summary>First index whose size is ≤ <paramref name="size"/> in a list sorted descending (binary search).</summary>
    private static int InsertPosition(List<(int Id, long Size)> descending, long size)
    {
        int lo = 0, hi = descending.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (descending[mid].Size <= size) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    private static List<(int Id, long Size)> StableDescending(IReadOnlyList<(int Id, long Size)> items)
    {
        var idx = new int[items.Count];
        for (var i = 0; i < idx.Length; i++) idx[i] = i;
        Array.Sort(idx, (a, b) =>
        {
            var c = items[b].Size.CompareTo(items[a].Size);
            return c != 0 ? c : a.CompareTo(b);
        });
        var list = new List<(int Id, long Size)>(idx.Length);
        foreach (var i in idx) list.Add(items[i]);
        return list;
    }

    /// <summary><c>choose_heuristic</c>: n &gt; 32 → approximate; else exhaustive iff C(n,r)·r! &lt; 3500 (int64 arithmetic with
    /// xapi's sign-based overflow detection; overflow → approximate).</summary>
    public static PlannerHeuristic Choose(int totalHosts, int numFailures)
    {
        if (totalHosts > 32) return PlannerHeuristic.Approximate;
        try
        {
            var product = Mul(Binomial(totalHosts, numFailures), Factorial(numFailures));
            return product < 3500 ? PlannerHeuristic.Exhaustive : PlannerHeuristic.Approximate;
        }
        catch (OverflowSignal)
        {
            return PlannerHeuristic.Approximate;
        }
    }

    private static long Add(long a, long b)
    {
        var r = unchecked(a + b);
        if (r < 0) throw new OverflowSignal();
        return r;
    }

    private static long Mul(long a, long b)
    {
        var r = unchecked(a * b);
        if (r < 0) throw new OverflowSignal();
        return r;
    }

    private static long Binomial(int n, int r)
    {
        if (r < 0 || r > n) throw new ArgumentOutOfRangeException(nameof(r));
        // Pascal's triangle, rows 0..n: C(i, 0) = C(i, i) = 1, C(i, j) = C(i-1, j-1) + C(i-1, j).
        var row = new long[n + 1];
        for (var i = 0; i <= n; i++)
        {
            row[i] = 1;
            for (var j = i - 1; j >= 1; j--) row[j] = Add(row[j - 1], row[j]);
        }
        return row[r];
    }

    private static long Factorial(int r)
    {
        long f = 1;
        for (var x = 1; x <= r; x++) f = Mul(x, f);
        return f;
    }

    /// <summary><c>plan_trivially_never_possible</c>: fewer live hosts than r, or exactly r with VMs to protect.</summary>
    private static bool TriviallyNeverPossible(BinpackConfig c) =>
        c.HostIds.Length < c.NumFailures || (c.HostIds.Length == c.NumFailures && c.VmSize.Length > 0);

    /// <summary><c>plan_always_possible</c> of the chosen heuristic.</summary>
    public static bool PlanAlwaysPossible(BinpackConfig c) =>
        Choose(c.TotalHosts, c.NumFailures) == PlannerHeuristic.Exhaustive ? Exhaustive(c) : Approximate(c);

    /// <summary>
    /// Exhaustive: for every combination of r live hosts and every order of their failure, simulate the failures one by
    /// one. Every ordered sequence of r distinct hosts is exactly that set; a depth-first walk shares prefixes (the
    /// simulation is deterministic, so the answer is the same as xapi's restart-from-scratch loops).
    /// </summary>
    public static bool Exhaustive(BinpackConfig c)
    {
        if (TriviallyNeverPossible(c)) return false;
        return AllSequencesSurvive(new State(c.HostIds, c.HostFree, c.HostOf), c, c.NumFailures);
    }

    private readonly record struct State(int[] HostIds, long[] HostFree, int[] HostOf);

    private static bool AllSequencesSurvive(State s, BinpackConfig c, int remainingFailures)
    {
        if (remainingFailures == 0) return true;
        foreach (var dead in s.HostIds)
        {
            var next = SimulateFailure(s, c, dead);
            if (next is null || !AllSequencesSurvive(next.Value, c, remainingFailures - 1)) return false;
        }
        return true;
    }

    /// <summary><c>simulate_failure</c>: drop the host, pack its VMs (placement order) onto the rest; null if any is left out.</summary>
    private static State? SimulateFailure(State s, BinpackConfig c, int dead)
    {
        var failed = new List<(int Id, long Size)>();
        foreach (var vm in c.PlacementOrder)
            if (s.HostOf[vm] == dead) failed.Add((vm, c.VmSize[vm]));

        var ids = new int[s.HostIds.Length - 1];
        var free = new long[ids.Length];
        var bins = new List<(int Id, long Size)>(ids.Length);
        for (int i = 0, j = 0; i < s.HostIds.Length; i++)
        {
            if (s.HostIds[i] == dead) continue;
            ids[j] = s.HostIds[i];
            free[j] = s.HostFree[i];
            bins.Add((ids[j], free[j]));
            j++;
        }

        var plan = BiggestFitDecreasing(failed, bins);
        if (plan.Count != failed.Count) return null;

        var hostOf = (int[])s.HostOf.Clone();
        foreach (var (vm, host) in plan)
        {
            hostOf[vm] = host;
            free[Array.IndexOf(ids, host)] -= c.VmSize[vm];
        }
        return new State(ids, free, hostOf);
    }

    /// <summary>
    /// Approximate (<c>simulate_failure_approximation</c>): every VM as big as the biggest protected VM; per-host capacity
    /// = free / biggest (truncated); the r hosts with most capacity fail and hold the most VMs; a plan exists iff
    /// (Σ of the r largest VM counts) ≤ (Σ of the remaining capacities). No VMs: always true (after the trivial check).
    /// A biggest VM of size 0 divides by zero, as in xapi (the caller turns that into "no plan").
    /// </summary>
    public static bool Approximate(BinpackConfig c)
    {
        if (TriviallyNeverPossible(c)) return false;
        if (c.VmSize.Length == 0) return true;

        long maxVm = 0;
        foreach (var size in c.VmSize) maxVm = Math.Max(maxVm, size);

        var capacity = new long[c.HostIds.Length];
        var counts = new long[c.HostIds.Length];
        var position = new Dictionary<int, int>(c.HostIds.Length);
        for (var i = 0; i < c.HostIds.Length; i++)
        {
            capacity[i] = c.HostFree[i] / maxVm;
            position[c.HostIds[i]] = i;
        }
        foreach (var host in c.HostOf)
            if (host >= 0 && position.TryGetValue(host, out var p)) counts[p]++;

        Array.Sort(capacity, (a, b) => b.CompareTo(a));
        Array.Sort(counts, (a, b) => b.CompareTo(a));
        long leftCapacity = 0, vmsToMove = 0;
        for (var i = c.NumFailures; i < capacity.Length; i++) leftCapacity += capacity[i];
        for (var i = 0; i < c.NumFailures && i < counts.Length; i++) vmsToMove += counts[i];
        return vmsToMove <= leftCapacity;
    }
}
