using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client;
using XenHa.Simulator;

namespace XenHa.Benchmarks;

/// <summary>Item 4b: HA restarts the protected VMs of a host that loses power (simulated clock 100x).</summary>
internal static class HaRestart
{
    private const double Speed = 100;

    public static async Task RunAsync(int vms)
    {
        var options = new SimulatorOptions { Speed = Speed, ControlToken = "bench", Farm = { Hosts = 4, Preset = "pooled", MemoryGb = 512 } };
        await using var kit = await SimKit.StartAsync(options).ConfigureAwait(false);
        var sr = await kit.NfsSr().ConfigureAwait(false);
        await kit.Call("pool.enable_ha", new List<object?> { sr }, new Dictionary<string, object?>()).ConfigureAwait(false);
        var setup = Stopwatch.StartNew();
        await kit.StartGuests(vms, "xennode02", 256, protect: true).ConfigureAwait(false);
        Console.Out.WriteLine($"{vms} protected VMs running on xennode02 after {setup.Elapsed.TotalSeconds:0.0} s");
        var dead = await kit.HostRef("xennode02").ConfigureAwait(false);
        var simStart = kit.Host.Clock.UtcNow;
        var watch = Stopwatch.StartNew();
        await kit.Control("hosts/xennode02/power-off").ConfigureAwait(false);
        var deadline = TimeSpan.FromMinutes(5);
        while (true)
        {
            var protectedVms = await kit.Session.GetAllRecordsWhereAsync<Vm>("field \"ha_restart_priority\"=\"restart\"", CancellationToken.None).ConfigureAwait(false);
            var restarted = protectedVms.Count(v => v.PowerState == VmPowerState.Running && v.ResidentOn.OpaqueRef != dead);
            if (restarted >= vms) break;
            if (watch.Elapsed > deadline) throw new TimeoutException($"only {restarted} of {vms} protected VMs restarted within {deadline.TotalMinutes} min");
            await Task.Delay(50).ConfigureAwait(false);
        }

        var wall = watch.Elapsed.TotalSeconds;
        var simulated = (kit.Host.Clock.UtcNow - simStart).TotalSeconds;
        new Row($"HA restart of {vms} protected VMs after their host lost power, wall time at clock x{Speed}", wall, "s").Print();
        new Row($"HA restart of {vms} protected VMs after their host lost power, simulated time (60 s HA timeout included)", simulated, "s").Print();
    }
}
