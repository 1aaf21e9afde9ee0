using System;
using System.Diagnostics;
using System.Threading.Tasks;
using XenHa.Simulator;

namespace XenHa.Benchmarks;

/// <summary>Item 5: host.evacuate of a host with many running VMs, xapi's parallel batches against one VM at a time.</summary>
internal static class EvacuationBench
{
    private const double Speed = 100;

    public static async Task RunAsync(int vms)
    {
        var batched = await EvacuateAsync(vms, 10).ConfigureAwait(false);
        var serial = await EvacuateAsync(vms, 1).ConfigureAwait(false);
        new Row($"host.evacuate of {vms} VMs in parallel batches of 10, simulated time", batched.Simulated, "s", "one by one (batch size 1)", serial.Simulated).Print();
        new Row($"host.evacuate of {vms} VMs in parallel batches of 10, wall time at clock x{Speed}", batched.Wall, "s", "one by one (batch size 1)", serial.Wall).Print();
    }

    private static async Task<(double Wall, double Simulated)> EvacuateAsync(int vms, int batch)
    {
        var options = new SimulatorOptions { Speed = Speed, Farm = { Hosts = 3, Preset = "pooled", MemoryGb = 1024 } };
        await using var kit = await SimKit.StartAsync(options).ConfigureAwait(false);
        await kit.StartGuests(vms, "xennode02", 1024, protect: false).ConfigureAwait(false);
        var host = await kit.HostRef("xennode02").ConfigureAwait(false);
        await kit.Call("host.disable", host).ConfigureAwait(false);
        var simStart = kit.Host.Clock.UtcNow;
        var watch = Stopwatch.StartNew();
        await kit.Call("host.evacuate", host, "OpaqueRef:NULL", (long)batch).ConfigureAwait(false);
        var wall = watch.Elapsed.TotalSeconds;
        var simulated = (kit.Host.Clock.UtcNow - simStart).TotalSeconds;
        var left = (object?[])(await kit.Call("host.get_resident_VMs", host).ConfigureAwait(false))!;
        if (left.Length > 1)
        {
            throw new InvalidOperationException($"{left.Length - 1} VMs are still on the evacuated host");
        }

        Console.Out.WriteLine($"evacuate, batch {batch}: {wall:0.00} s wall, {simulated:0.0} s simulated");
        return (wall, simulated);
    }
}
