using System;
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
    }
}
