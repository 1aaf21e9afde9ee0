using System;
using System.Diagnostics;
using System.Linq;
using XenHa.Simulator;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Benchmarks;

/// <summary>Simulated farms and wire bytes made by the simulator's own builder and encoder.</summary>
internal static class Farms
{
    /// <summary>The scale farm: one pool, <paramref name="hosts"/> hosts, <paramref name="vms"/> guest VMs spread over them.</summary>
    public static SimulatorOptions ScaleOptions(int hosts, int vms, double speed = 1) => new()
    {
        Speed = speed,
        ControlToken = "bench",
        Farm = { Hosts = hosts, Preset = "pooled-with-vms", Vms = vms, MemoryGb = 512 },
    };

    /// <summary>The VM.get_all_records response of the scale farm, exactly as xensim sends it.</summary>
    public static byte[] VmRecordsResponse(int hosts, int vms)
    {
        var options = ScaleOptions(hosts, vms);
        var watch = Stopwatch.StartNew();
        var farm = new SimFarm(options.Farm, new ScaledClock(1));
        FarmBuilder.Build(farm, options.BindBase);
        Console.Out.WriteLine($"farm of {hosts} hosts and {vms} VMs built in {watch.Elapsed.TotalSeconds:0.00} s");
        lock (farm.Lock)
        {
            var db = farm.Pools[0];
            watch.Restart();
            var records = new RecordSet(db, Schema.Get("VM"), db.All("VM").ToList());
            using var response = XmlRpc.Success(records);
            var bytes = response.ToArray();
            Console.Out.WriteLine($"VM.get_all_records encoded in {watch.Elapsed.TotalSeconds:0.00} s");
            return bytes;
        }
    }
}
