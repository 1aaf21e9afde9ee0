namespace XenHa.Benchmarks;

/// <summary>Item 4a: the HA planner for a large pool.</summary>
internal static class PlannerCommand
{
    public static void Run(int hosts, int vms, bool quick, string outDir)
    {
        PlannerBenchmarks.Hosts = hosts;
        PlannerBenchmarks.ProtectedVms = vms;
        var results = Micro.Run<PlannerBenchmarks>(quick, Micro.ArtifactsPath(outDir));
        var max = Micro.Get(results, nameof(PlannerBenchmarks.MaxFailures));
        var plan = Micro.Get(results, nameof(PlannerBenchmarks.RestartPlan));
        var what = $"{hosts} hosts, {vms} protected VMs";
        new Row($"HA max failures to tolerate, {what}", max.MedianMs, "ms", Goal: "< 1000 ms", GoalMet: max.MedianMs < 1000).Print();
        new Row($"HA restart plan after a host loss, {what}", plan.MedianMs, "ms", Goal: "< 1000 ms", GoalMet: plan.MedianMs < 1000).Print();
    }
}
