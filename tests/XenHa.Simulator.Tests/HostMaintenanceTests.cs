using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

public sealed class HostMaintenanceTests
{
    [Fact]
    public async Task Evacuation_blockers_are_listed_with_xapis_codes()
    {
        await using var k = await VmKit.StartAsync();
        var h1 = await k.HostRef("xennode01");
        var local = await k.Vm("xennode01-vm1");
        var sr = (await k.R("VDI.get_SR", (await k.R("VBD.get_VDI", (await k.R("VM.get_VBDs", local))[0].GetString())).GetString())).GetString()!;
        var win = await k.Diskless("Windows 10 (64-bit)", "win");
        await k.R("VM.start_on", win, h1, false, false);
        var blockers = await k.R("host.get_vms_which_prevent_evacuation", h1);
        Assert.Equal(new[] { "VM_REQUIRES_SR", local, sr }, blockers.GetProperty(local).EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(new[] { "VM_LACKS_FEATURE", win }, blockers.GetProperty(win).EnumerateArray().Select(x => x.GetString()));
        var e = await k.Err("host.assert_can_evacuate", h1);
        Assert.Equal("CANNOT_EVACUATE_HOST", e[0]);
        Assert.Contains($"VM_REQUIRES_SR,{local},{sr}", e[1].Split('|'));
        Assert.Contains($"VM_LACKS_FEATURE,{win}", e[1].Split('|'));
        Assert.Contains((await k.Err("host.evacuate", h1))[0], new[] { "VM_REQUIRES_SR", "VM_LACKS_FEATURE" });
        Assert.Equal(2, (await k.R("VM.get_all_records_where", $"field \"resident_on\" = \"{h1}\" and field \"is_control_domain\" = \"false\"")).EnumerateObject().Count());
        // No other enabled host: NO_HOSTS_AVAILABLE [vm] for each.
        await k.R("host.disable", await k.HostRef("xennode02"));
        await k.R("host.disable", await k.HostRef("xennode03"));
        Assert.Equal(new[] { "NO_HOSTS_AVAILABLE", win }, (await k.R("host.get_vms_which_prevent_evacuation", h1)).GetProperty(win).EnumerateArray().Select(x => x.GetString()));
    }

    [Fact]
    public async Task Evacuate_moves_every_vm_in_batches_and_reports_memory_shortage_with_one_parameter()
    {
        await using var k = await VmKit.StartAsync(preset: "pooled");
        var h1 = await k.HostRef("xennode01");
        var vms = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var vm = await k.Diskless(i % 2 == 0 ? "Debian Bookworm 12" : "CentOS Stream 9", "e" + i);
            await k.R("VM.start_on", vm, h1, false, false);
            vms.Add(vm);
        }

        // The HVM CentOS guests need their tools reported before they can move.
        await VmKit.Until(async () => (await k.R("host.get_vms_which_prevent_evacuation", h1)).EnumerateObject().Count() == 0, "tools reported");
        Assert.Empty((await k.R("host.get_vms_which_prevent_evacuation", h1)).EnumerateObject());
        await k.R("host.disable", h1);
        var task = await k.Str("Async.host.evacuate", h1, "OpaqueRef:NULL", 2);
        var rec = await k.WaitTask(task);
        Assert.Equal("success", rec.GetProperty("status").GetString());
        Assert.Equal(1.0, rec.GetProperty("progress").GetDouble());
        foreach (var vm in vms) Assert.NotEqual(h1, (await k.R("VM.get_resident_on", vm)).GetString());
        var subtasks = (await k.R("task.get_all_records")).EnumerateObject().Count(t => t.Value.GetProperty("subtask_of").GetString() == task);
        Assert.Equal(5, subtasks);

        // A VM bigger than any target's free memory: HOST_NOT_ENOUGH_FREE_MEMORY [vm].
        await k.R("host.enable", h1);
        var big = await k.Diskless("Debian Bookworm 12", "big");
        const long size = 200L * 1024 * 1024 * 1024;
        await k.R("VM.set_memory_limits", big, 1L << 30, size, size, size);
        await k.R("VM.start_on", big, h1, false, false);
        var h2 = await k.HostRef("xennode02");
        var filler = await k.Diskless("Debian Bookworm 12", "filler");
        await k.R("VM.set_memory_limits", filler, 1L << 30, 100L << 30, 100L << 30, 100L << 30);
        await k.R("VM.start_on", filler, h2, false, false);
        var filler2 = await k.Diskless("Debian Bookworm 12", "filler2");
        await k.R("VM.set_memory_limits", filler2, 1L << 30, 100L << 30, 100L << 30, 100L << 30);
        await k.R("VM.start_on", filler2, await k.HostRef("xennode03"), false, false);
        Assert.Equal(new[] { "HOST_NOT_ENOUGH_FREE_MEMORY", big }, await k.Err("host.evacuate", h1));
    }

    [Fact]
    public async Task Host_shutdown_needs_disabled_then_evacuates_and_goes_down_and_reboot_comes_back()
    {
        await using var k = await VmKit.StartAsync(preset: "pooled", speed: 1000);
        var h3 = await k.HostRef("xennode03");
        var metrics = (await k.R("host.get_metrics", h3)).GetString()!;
        var mover = await k.Diskless("Debian Bookworm 12", "mover");
        var stuck = await k.Diskless("Other install media", "stuck"); // no tools: blocker, gets shut down
        await k.R("VM.start_on", mover, h3, false, false);
        await k.R("VM.start_on", stuck, h3, false, false);
        Assert.Equal(new[] { "HOST_NOT_DISABLED" }, await k.Err("host.shutdown", h3));
        await k.R("host.disable", h3);
        await k.R("host.shutdown", h3);
        Assert.Equal(new[] { "HOST_DISABLED_UNTIL_REBOOT", h3 }, await k.Err("host.enable", h3));
        await VmKit.Until(async () => !(await k.R("host_metrics.get_live", metrics)).GetBoolean(), "host down");
        Assert.NotEqual(h3, (await k.R("VM.get_resident_on", mover)).GetString());
        Assert.Equal("Running", (await k.R("VM.get_power_state", mover)).GetString());
        Assert.Equal("Halted", (await k.R("VM.get_power_state", stuck)).GetString());
        Assert.Equal(new[] { "HOST_NOT_LIVE" }, await k.Err("VM.start_on", stuck, h3, false, false));
        Assert.Equal(new[] { "HOST_POWER_ON_MODE_DISABLED" }, await k.Err("host.power_on", h3));
        await k.R("host.set_power_on_mode", h3, "wake-on-lan", new Dictionary<string, string>());
        Assert.Equal(new[] { "power_on" }, (await k.R("host.get_allowed_operations", h3)).EnumerateArray().Select(x => x.GetString()));
        await k.R("host.power_on", h3);
        await VmKit.Until(async () => (await k.R("host_metrics.get_live", metrics)).GetBoolean(), "host up");
        Assert.True((await k.R("host.get_enabled", h3)).GetBoolean());

        var h2 = await k.HostRef("xennode02");
        var m2 = (await k.R("host.get_metrics", h2)).GetString()!;
        await k.R("host.disable", h2);
        await k.R("host.reboot", h2);
        await VmKit.Until(async () => !(await k.R("host_metrics.get_live", m2)).GetBoolean(), "host rebooting");
        await VmKit.Until(async () => (await k.R("host_metrics.get_live", m2)).GetBoolean() && (await k.R("host.get_enabled", h2)).GetBoolean(), "host back");
        Assert.Contains("evacuate", (await k.R("host.get_allowed_operations", h2)).EnumerateArray().Select(x => x.GetString()));
    }
}
