using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using XenHa.Simulator.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

public sealed class MigrationTests
{
    private static readonly Dictionary<string, string> Live = new() { ["live"] = "true" };

    [Fact]
    public async Task Pool_migrate_moves_a_vm_with_tools_and_its_memory()
    {
        await using var k = await VmKit.StartAsync(preset: "pooled");
        var h2 = await k.HostRef("xennode02");
        var h3 = await k.HostRef("xennode03");
        var vm = await k.Diskless("Debian Bookworm 12", "mover");
        await k.R("VM.start_on", vm, h2, false, false);
        var free3 = (await k.R("host.compute_free_memory", h3)).GetInt64();
        var task = await k.Str("Async.VM.pool_migrate", vm, h3, Live);
        Assert.Equal("Async.VM.pool_migrate", (await k.R("task.get_name_label", task)).GetString());
        var rec = await k.WaitTask(task);
        Assert.Equal("success", rec.GetProperty("status").GetString());
        Assert.Equal(h3, (await k.R("VM.get_resident_on", vm)).GetString());
        Assert.True((await k.R("host.compute_free_memory", h3)).GetInt64() < free3);
        Assert.Empty((await k.R("VM.get_current_operations", vm)).EnumerateObject());
        await k.R("VM.pool_migrate", vm, h2, Live); // sync variant waits for the same body
        Assert.Equal(h2, (await k.R("VM.get_resident_on", vm)).GetString());
    }

    [Fact]
    public async Task Pool_migrate_errors_follow_xapis_order()
    {
        await using var k = await VmKit.StartAsync();
        var h1 = await k.HostRef("xennode01");
        var h2 = await k.HostRef("xennode02");
        var h3 = await k.HostRef("xennode03");
        // Local disk: VM_REQUIRES_SR [vm, sr].
        var local = await k.Vm("xennode01-vm1");
        var vdi = (await k.R("VBD.get_VDI", (await k.R("VM.get_VBDs", local))[0].GetString()))!.GetString()!;
        var sr = (await k.R("VDI.get_SR", vdi)).GetString()!;
        Assert.Equal(new[] { "VM_REQUIRES_SR", local, sr }, await k.Err("VM.pool_migrate", local, h2, Live));
        // Halted: VM_BAD_POWER_STATE [vm, "running", "halted"].
        var halted = await k.Vm("xennode01-vm2");
        Assert.Equal(new[] { "VM_BAD_POWER_STATE", halted, "running", "halted" }, await k.Err("VM.pool_migrate", halted, h2, Live));
        // HVM without tools: VM_LACKS_FEATURE [vm] (before any host check).
        var win = await k.Diskless("Windows 10 (64-bit)", "win");
        await k.R("VM.start_on", win, h2, false, false);
        await k.R("host.disable", h3);
        Assert.Equal(new[] { "VM_LACKS_FEATURE", win }, await k.Err("VM.pool_migrate", win, h3, Live));
        Assert.Equal(new[] { "VM_LACKS_FEATURE", win }, await k.Err("VM.assert_can_migrate", win,
            await k.R("host.migrate_receive", h3, (await k.R("network.get_all"))[0].GetString(), new Dictionary<string, string>()), true, new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, string>()));
        // Target disabled: HOST_DISABLED [host].
        var lin = await k.Diskless("Debian Bookworm 12", "lin");
        await k.R("VM.start_on", lin, h2, false, false);
        Assert.Equal(new[] { "HOST_DISABLED", h3 }, await k.Err("VM.pool_migrate", lin, h3, Live));
        await k.R("host.enable", h3);
        // Storage motion inside the pool: migrate_send with a vdi_map moves the disk to a visible SR.
        var dest = await k.R("host.migrate_receive", h1, (await k.R("network.get_all"))[0].GetString(), new Dictionary<string, string>());
        _ = dest;
    }

    [Fact]
    public async Task Legacy_api_reports_missing_pv_drivers()
    {
        await using var k = await VmKit.StartAsync(preset: "pooled", api: "1.7");
        var win = await k.Diskless("Windows Server 2022 (64-bit)", "old");
        await k.R("VM.start_on", win, await k.HostRef("xennode02"), false, false);
        Assert.Equal(new[] { "VM_MISSING_PV_DRIVERS", win }, await k.Err("VM.pool_migrate", win, await k.HostRef("xennode03"), Live));
    }

    [Fact]
    public async Task Cancelled_migration_leaves_the_vm_on_the_source_and_blocks_other_operations_meanwhile()
    {
        var clock = new ManualClock();
        await using var k = await VmKit.StartAsync(preset: "pooled", clock: clock);
        var h2 = await k.HostRef("xennode02");
        var h3 = await k.HostRef("xennode03");
        k.Pump = clock;
        var vm = await k.Diskless("Debian Bookworm 12", "slow");
        k.Pump = null;
        var start = await k.Str("Async.VM.start_on", vm, h2, false, false);
        for (var i = 0; i < 50 && (await k.R("task.get_status", start)).GetString() == "pending"; i++) { clock.Advance(TimeSpan.FromSeconds(0.5)); await Task.Delay(20); }
        Assert.Equal("success", (await k.R("task.get_status", start)).GetString());
        Assert.Equal(new[] { "OPERATION_NOT_ALLOWED" }, (await k.Err("task.cancel", start)).Take(1));

        var task = await k.Str("Async.VM.pool_migrate", vm, h3, Live);
        Assert.Equal(new[] { "cancel" }, (await k.R("task.get_allowed_operations", task)).EnumerateArray().Select(x => x.GetString()));
        await VmKit.Until(async () =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            return (await k.R("VM.get_current_operations", vm)).EnumerateObject().Any();
        }, "migration running");
        var current = Assert.Single((await k.R("VM.get_current_operations", vm)).EnumerateObject());
        Assert.Equal(task, current.Name);
        Assert.Equal("pool_migrate", current.Value.GetString());
        Assert.Equal(h3, (await k.R("VM.get_scheduled_to_be_resident_on", vm)).GetString());
        Assert.Equal(new[] { "OTHER_OPERATION_IN_PROGRESS", "VM", vm, "pool_migrate", task }, await k.Err("VM.clean_shutdown", vm));
        Assert.Equal(new[] { "hard_shutdown" }, await k.Ops(vm));
        clock.Advance(TimeSpan.FromSeconds(1));
        await VmKit.Until(async () => (await k.R("task.get_progress", task)).GetDouble() > 0, "progress");
        await k.R("task.cancel", task);
        var rec = await k.WaitTask(task);
        Assert.Equal("cancelled", rec.GetProperty("status").GetString());
        Assert.Equal(new[] { "TASK_CANCELLED", task }, rec.GetProperty("error_info").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(h2, (await k.R("VM.get_resident_on", vm)).GetString());
        Assert.Equal("Running", (await k.R("VM.get_power_state", vm)).GetString());
        Assert.Equal("OpaqueRef:NULL", (await k.R("VM.get_scheduled_to_be_resident_on", vm)).GetString());
        Assert.Empty((await k.R("VM.get_current_operations", vm)).EnumerateObject());
        Assert.Contains("pool_migrate", await k.Ops(vm));
    }
}
