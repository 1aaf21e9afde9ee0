using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace XenHa.Benchmarks;

/// <summary>Runs the BenchmarkDotNet classes in this process (no generated project to build) and reads medians back.</summary>
internal static class Micro
{
    public static IReadOnlyDictionary<string, (double MedianMs, double AllocatedMb)> Run<T>(bool quick, string artifacts)
    {
        // Nine measured iterations (not ShortRun's three): the median then survives other load on a shared machine.
        var job = (quick ? Job.Dry : Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(9)).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(job)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
        var summary = BenchmarkRunner.Run<T>(config);
        var results = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (var report in summary.Reports)
        {
            var stats = report.ResultStatistics
                        ?? throw new InvalidOperationException("BenchmarkDotNet produced no result for " + report.BenchmarkCase.DisplayInfo + " (see its output above).");
            var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
            results[report.BenchmarkCase.Descriptor.WorkloadMethod.Name] = (stats.Median / 1e6, bytes / 1048576.0);
        }

        return results;
    }

    public static (double MedianMs, double AllocatedMb) Get(IReadOnlyDictionary<string, (double, double)> results, string name) =>
        results.TryGetValue(name, out var r) ? r : throw new InvalidOperationException($"no benchmark '{name}' in [{string.Join(", ", results.Keys)}]");

    public static string ArtifactsPath(string outDir) => Path.Combine(outDir, "BenchmarkDotNet");
}
