using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace XenHa.Benchmarks;

/// <summary>Item 1: decode of a real-shaped VM.get_all_records response.</summary>
internal static class DecodeCommand
{
    public const string FileName = "vm-get-all-records.xml";

    public static void Run(int hosts, int vms, bool quick, string outDir)
    {
        var bytes = Farms.VmRecordsResponse(hosts, vms);
        File.WriteAllBytes(Path.Combine(outDir, FileName), bytes);
        Console.Out.WriteLine($"VM.get_all_records for {vms} guest VMs on {hosts} hosts: {bytes.Length / 1048576.0:0.0} MiB");
        DecodeBenchmarks.Bytes = bytes;
        var results = Micro.Run<DecodeBenchmarks>(quick, Micro.ArtifactsPath(outDir));
        var scan = Micro.Get(results, nameof(DecodeBenchmarks.RawScan));
        var xenha = Micro.Get(results, nameof(DecodeBenchmarks.XenHaDecode));
        var ratio = xenha.MedianMs / scan.MedianMs;
        var label = $"decode VM.get_all_records, {vms} VMs ({bytes.Length / 1048576.0:0.0} MiB)";
        new Row(label, xenha.MedianMs, "ms", "XmlReader scan", scan.MedianMs, "ratio <= 2", ratio <= 2).Print();
        new Row(label + ", allocated", xenha.AllocatedMb, "MiB", "XmlReader scan", scan.AllocatedMb).Print();

        // What a user's first Get-XenVM pays: the same decode as the first work of a new process, before any tiering.
        var file = Path.Combine(outDir, FileName);
        var runs = quick ? 1 : 5;
        var firstXenHa = new List<double>();
        var firstScan = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            firstXenHa.Add(Spawn(file, "xenha"));
            firstScan.Add(Spawn(file, "scan"));
        }

        new Row(label + ", first decode in a fresh process (median of " + runs + ")", Medians.Of(firstXenHa), "ms",
            "XmlReader scan, first in a fresh process", Medians.Of(firstScan)).Print();
    }

    /// <summary>One decode (or scan) of <paramref name="bytes"/>, in milliseconds.</summary>
    public static double Once(byte[] bytes, string what)
    {
        var benchmarks = new DecodeBenchmarks();
        DecodeBenchmarks.Bytes = bytes;
        var watch = Stopwatch.StartNew();
        _ = what == "scan" ? benchmarks.RawScan() : benchmarks.XenHaDecode();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Spawn(string file, string what)
    {
        var self = typeof(DecodeCommand).Assembly.Location;
        var host = Environment.ProcessPath!;
        var viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (viaDotnet)
        {
            start.ArgumentList.Add(self);
        }

        foreach (var argument in new[] { "decode-once", "--file", file, "--what", what })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("decode-once " + what + " failed with exit code " + process.ExitCode);
        }

        return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }
}
