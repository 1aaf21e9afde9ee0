using System;
using System.Text.Json;

namespace XenHa.Benchmarks;

/// <summary>
/// One measurement in the Bench contract (docs/performance.md): a value, the baseline measured in the
/// same run, their ratio (Value / BaselineValue) and the goal. Printed as one "BENCHROW {json}" line
/// that tests/Benchmarks/Measure-InProcess.ps1 collects.
/// </summary>
internal sealed record Row(string Name, double Value, string Unit, string Baseline = "", double? BaselineValue = null, string Goal = "", bool? GoalMet = null)
{
    public double? Ratio => BaselineValue is { } b && b != 0 ? Value / b : null;

    public const string Prefix = "BENCHROW ";

    public void Print()
    {
        var json = JsonSerializer.Serialize(new
        {
            Name,
            Value = Math.Round(Value, 4),
            Unit,
            Baseline,
            BaselineValue = BaselineValue is { } b ? Math.Round(b, 4) : (double?)null,
            Ratio = Ratio is { } r ? Math.Round(r, 3) : (double?)null,
            Goal,
            GoalMet,
        });
        Console.Out.WriteLine(Prefix + json);
        Console.Out.Flush();
    }
}
