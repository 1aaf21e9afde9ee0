using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>--vms spreads a total number of guests over the hosts (the scale farm of the benchmarks).</summary>
public sealed class FarmScaleTests
{
    [Fact]
    public void Cli_takes_a_total_vm_count_only_with_the_pooled_with_vms_preset()
    {
        var (o, _) = Program.Parse(new[] { "--hosts", "64", "--preset", "pooled-with-vms", "--vms", "10000" });
        Assert.Equal(10000, o.Farm.Vms);
        Assert.Equal(157, o.Farm.GuestVmsOn(1));
        Assert.Equal(156, o.Farm.GuestVmsOn(64));
        Assert.Equal(10000, Enumerable.Range(1, 64).Sum(o.Farm.GuestVmsOn));
        Assert.Throws<ArgumentException>(() => Program.Parse(new[] { "--hosts", "3", "--vms", "10" }));
        Assert.Throws<ArgumentException>(() => Program.Parse(new[] { "--preset", "pooled-with-vms", "--vms", "-1" }));
    }

    [Fact]
    public async Task A_total_of_guests_is_spread_over_the_hosts_and_get_all_records_matches_the_per_field_getters()
    {
        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { Farm = { Hosts = 3, Preset = "pooled-with-vms", Vms = 10 } });
        using var c = new SimClient(sim.CoordinatorUrl);
        var s = await c.LoginAsync();
        var guests = await c.ResultAsync("VM.get_all_records_where", s, "field \"is_a_template\"=\"false\" and field \"is_control_domain\"=\"false\"");
        var names = guests.EnumerateObject().Select(p => p.Value.GetProperty("name_label").GetString()!).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[]
        {
            "xennode01-vm1", "xennode01-vm2", "xennode01-vm3", "xennode01-vm4",
            "xennode02-vm1", "xennode02-vm2", "xennode02-vm3",
            "xennode03-vm1", "xennode03-vm2", "xennode03-vm3",
        }, names);

        // Reverse-reference sets come from an index in get_all_records and from a table scan in get_<field>.
        var all = await c.ResultAsync("VM.get_all_records", s);
        foreach (var vm in all.EnumerateObject())
        {
            foreach (var field in new[] { "VBDs", "VIFs", "snapshots", "children" })
            {
                var single = await c.ResultAsync("VM.get_" + field, s, vm.Name);
                Assert.Equal(single.EnumerateArray().Select(x => x.GetString()), vm.Value.GetProperty(field).EnumerateArray().Select(x => x.GetString()));
            }
        }

        // Running guests get distinct domids after dom0 on each host.
        var running = guests.EnumerateObject().Where(p => p.Value.GetProperty("power_state").GetString() == "Running").ToList();
        Assert.Equal(6, running.Count);
        foreach (var host in running.GroupBy(p => p.Value.GetProperty("resident_on").GetString()))
        {
            var domids = host.Select(p => p.Value.GetProperty("domid").GetInt64()).OrderBy(d => d).ToArray();
            Assert.Equal(Enumerable.Range(2, domids.Length).Select(d => (long)d), domids);
        }
    }
}
