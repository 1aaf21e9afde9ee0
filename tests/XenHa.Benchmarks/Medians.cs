using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;

namespace XenHa.Benchmarks;

/// <summary>Whole-operation timings for what BenchmarkDotNet cannot repeat cheaply: several runs, the median.</summary>
internal static class Medians
{
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) throw new ArgumentException("no values");
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Milliseconds per run of <paramref name="action"/>, median of <paramref name="runs"/> runs.</summary>
    public static async Task<double> TimeAsync(int runs, Func<Task> action)
    {
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await action().ConfigureAwait(false);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return Of(times);
    }
}
