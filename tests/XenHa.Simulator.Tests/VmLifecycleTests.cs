using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using XenHa.Simulator.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>A fresh farm per test (fast clock by default) plus JSON-RPC helpers.</summary>
internal sealed class VmKit : IAsyncDisposable
{
    private VmKit(SimulatorHost host, SimClient client, string session)
    {
        Host = host;
        C = client;
        S = session;
    }

    public SimulatorHost Host { get; }
    public SimClient C { get; }
    public string S { get; }

    public static async Task<VmKit> StartAsync(string preset = "pooled-with-vms", double speed = 500, ISimClock? clock = null, string api = "2.21", int hosts = 3)
    {
        var host = await SimulatorHost.StartAsync(new SimulatorOptions { Speed = speed, Clock = clock, Farm = { Hosts = hosts, Preset = preset, ApiVersion = api } });
        var c = new SimClient(host.CoordinatorUrl);
        var s = await c.LoginAsync();
        return new VmKit(host, c, s);
    }

    public static async Task<VmKit> StartAsync(SimulatorOptions options)
    {
        var host = await SimulatorHost.StartAsync(options);
        var c = new SimClient(host.CoordinatorUrl);
        var s = await c.LoginAsync();
        return new VmKit(host, c, s);
    }

    public async ValueTask DisposeAsync()
    {
        C.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>With a ManualClock: advance simulated time while a call is in flight (setup steps only).</summary>
    public ManualClock? Pump { get; set; }

    /// <summary>
    /// 64-bit ints go as decimal strings (accepted like xapi does for XenAPI.py): the simulator's JSON-RPC reader
    /// currently turns every number into a double (ternary long/double promotion in JsonRpc.ToValue).
    /// </summary>
    private static object? Arg(object? v) => v switch
    {
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Dictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => Arg(kv.Value)),
        _ => v,
    };

    private object?[] Args(object?[] ps) => new object?[] { S }.Concat(ps.Select(Arg)).ToArray();

    public async Task<JsonElement> R(string method, params object?[] ps)
    {
        var call = C.ResultAsync(method, Args(ps));
        while (Pump is { } clock && !call.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.WhenAny(call, Task.Delay(10));
        }

        return await call;
    }

    public async Task<string> Str(string method, params object?[] ps) => (await R(method, ps)).GetString()!;

    public async Task<string[]> Err(string method, params object?[] ps) => await C.ErrorAsync(method, Args(ps));

    public async Task<string> Vm(string name) => (await R("VM.get_by_name_label", name))[0].GetString()!;

    public async Task<string> HostRef(string name) => (await R("host.get_by_name_label", name))[0].GetString()!;

    public async Task<JsonElement> Rec(string cls, string r) => await R(cls + ".get_record", r);

    public async Task<string[]> Ops(string vm) => (await R("VM.get_allowed_operations", vm)).EnumerateArray().Select(x => x.GetString()!).ToArray();

    /// <summary>A diskless, non-template VM cloned from a built-in template (no local storage, so it can migrate).</summary>
    public async Task<string> Diskless(string template, string name)
    {
        var vm = await Str("VM.clone", await Vm(template), name);
        await R("VM.set_is_a_template", vm, false);
        return vm;
    }

    /// <summary>Polls (real time) until the predicate holds; the fast clock makes this short.</summary>
    public static async Task Until(Func<Task<bool>> predicate, string what, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await predicate()) return;
            await Task.Delay(20);
        }

        throw new TimeoutException(what);
    }

    public async Task<JsonElement> WaitTask(string task, int seconds = 15)
    {
        JsonElement rec = default;
        await Until(async () => (rec = await Rec("task", task)).GetProperty("status").GetString() is not ("pending" or "cancelling"), "task " + task, seconds);
        return rec;
    }
}

public sealed class VmLifecycleTests
{
    [Fact]
    public async Task Installing_tools_in_a_running_guest_makes_it_report_guest_metrics()
    {
        await using var k = await VmKit.StartAsync();
        var vm = await k.Vm("xennode01-vm2");
        await k.WaitTask(await k.Str("Async.VM.start", vm, false, false));
        Assert.Equal("OpaqueRef:NULL", (await k.Rec("VM", vm)).GetProperty("guest_metrics").GetString());
        await k.R("VM.add_to_other_config", vm, "xensim_tools", "true");
        await VmKit.Until(async () => (await k.Rec("VM", vm)).GetProperty("guest_metrics").GetString() != "OpaqueRef:NULL",
            "the guest agent reports after the tools are installed");
    }

    [Fact]
    public async Task Start_twice_gives_bad_power_state_and_allowed_operations_follow_the_state()
    {
        await using var k = await VmKit.StartAsync();
        var vm = await k.Vm("xennode01-vm2");
        Assert.Contains("start", await k.Ops(vm));
        Assert.Equal(new[] { "VM_BAD_POWER_STATE", vm, "running", "halted" }, await k.Err("VM.clean_shutdown", vm));
        await k.R("VM.start", vm, false, false);
        var rec = await k.Rec("VM", vm);
        Assert.Equal("Running", rec.GetProperty("power_state").GetString());
        Assert.Equal(await k.HostRef("xennode01"), rec.GetProperty("resident_on").GetString());
        Assert.True(rec.GetProperty("domid").GetInt64() > 0);
        Assert.Empty(rec.GetProperty("current_operations").EnumerateObject());
        var metrics = await k.Rec("VM_metrics", rec.GetProperty("metrics").GetString()!);
        Assert.Equal(rec.GetProperty("memory_dynamic_max").GetInt64(), metrics.GetProperty("memory_actual").GetInt64());
        Assert.Equal(2, metrics.GetProperty("VCPUs_number").GetInt64());
        Assert.Equal(new[] { "VM_BAD_POWER_STATE", vm, "halted", "running" }, await k.Err("VM.start", vm, false, false));
        var ops = await k.Ops(vm);
        Assert.Contains("hard_shutdown", ops);
        Assert.DoesNotContain("start", ops);
        // HVM Windows guest without tools: no clean shutdown, no migration, no suspend.
        Assert.DoesNotContain("clean_shutdown", ops);
        Assert.DoesNotContain("pool_migrate", ops);
        Assert.Equal(new[] { "VM_LACKS_FEATURE", vm }, await k.Err("VM.clean_shutdown", vm));
        await k.R("VM.pause", vm);
        Assert.Equal(new[] { "VM_BAD_POWER_STATE", vm, "running", "paused" }, await k.Err("VM.pause", vm));
        Assert.Contains("unpause", await k.Ops(vm));
        await k.R("VM.unpause", vm);
        await k.R("VM.shutdown", vm); // falls back to a hard shutdown
        rec = await k.Rec("VM", vm);
        Assert.Equal("Halted", rec.GetProperty("power_state").GetString());
        Assert.Equal("OpaqueRef:NULL", rec.GetProperty("resident_on").GetString());
        Assert.Equal(-1, rec.GetProperty("domid").GetInt64());
        Assert.Equal(new[] { "VM_BAD_POWER_STATE", vm, "paused, suspended, running", "halted" }, await k.Err("VM.hard_shutdown", vm));
    }

    [Fact]
    public async Task Suspend_and_resume_move_memory_to_a_suspend_image_and_back()
    {
        await using var k = await VmKit.StartAsync();
        var vm = await k.Vm("xennode02-vm1"); // Linux PV, running, tools
        var host = await k.HostRef("xennode02");
        var before = (await k.R("host.compute_free_memory", host)).GetInt64();
        await k.R("VM.suspend", vm);
        var rec = await k.Rec("VM", vm);
        Assert.Equal("Suspended", rec.GetProperty("power_state").GetString());
        var image = rec.GetProperty("suspend_VDI").GetString()!;
        Assert.Equal("suspend", (await k.Rec("VDI", image)).GetProperty("type").GetString());
        Assert.Equal("OpaqueRef:NULL", rec.GetProperty("guest_metrics").GetString());
        Assert.True((await k.R("host.compute_free_memory", host)).GetInt64() > before);
        Assert.Equal(new[] { "resume", "resume_on", "hard_shutdown", "shutdown", "checkpoint", "migrate_send", "destroy", "export", "metadata_export", "snapshot" }.OrderBy(x => x),
            (await k.Ops(vm)).OrderBy(x => x));
        await k.R("VM.resume", vm, false, false);
        rec = await k.Rec("VM", vm);
        Assert.Equal("Running", rec.GetProperty("power_state").GetString());
        Assert.Equal(host, rec.GetProperty("resident_on").GetString()); // affinity
        Assert.Equal("OpaqueRef:NULL", rec.GetProperty("suspend_VDI").GetString());
        Assert.Equal("HANDLE_INVALID", (await k.Err("VDI.get_record", image))[0]);
    }

    [Fact]
    public async Task Memory_exhaustion_reports_needed_and_available_bytes()
    {
        await using var k = await VmKit.StartAsync();
        var vm = await k.Vm("xennode01-vm2");
        var host = await k.HostRef("xennode01");
        const long big = 300L * 1024 * 1024 * 1024;
        Assert.Equal("MEMORY_CONSTRAINT_VIOLATION", (await k.Err("VM.set_memory_limits", vm, 1L << 30, big, 2L << 30, big + 1))[0]);
        await k.R("VM.set_memory_limits", vm, 1L << 30, big, big, big);
        var overhead = (await k.R("VM.get_memory_overhead", vm)).GetInt64();
        var free = (await k.R("host.compute_free_memory", host)).GetInt64();
        var e = await k.Err("VM.start_on", vm, host, false, false);
        Assert.Equal("HOST_NOT_ENOUGH_FREE_MEMORY", e[0]);
        Assert.Equal(((await k.R("VM.get_memory_overhead", vm)).GetInt64() + big).ToString(), e[1]);
        Assert.Equal(free.ToString(), e[2]);
        Assert.True(overhead >= 0);
        Assert.Equal("Halted", (await k.R("VM.get_power_state", vm)).GetString());
        Assert.Equal(new[] { "HOST_NOT_ENOUGH_FREE_MEMORY" }, (await k.Err("VM.start", vm, false, false)).Take(1));
        await k.R("VM.set_memory", vm, 2L << 30);
        Assert.Equal(2L << 30, (await k.R("VM.get_memory_static_max", vm)).GetInt64());
    }

    [Fact]
    public async Task Start_without_affinity_avoids_the_coordinator_and_power_state_reset_refuses_live_hosts()
    {
        await using var k = await VmKit.StartAsync(preset: "pooled");
        var master = await k.HostRef("xennode01");
        var vm = await k.Diskless("Debian Bookworm 12", "placed");
        Assert.Contains(master, (await k.R("VM.get_possible_hosts", vm)).EnumerateArray().Select(x => x.GetString()));
        await k.R("VM.start", vm, false, false);
        var resident = (await k.R("VM.get_resident_on", vm)).GetString()!;
        Assert.NotEqual(master, resident);
        Assert.Equal(new[] { "HOST_IS_LIVE", resident }, await k.Err("VM.power_state_reset", vm));
        var dom0 = (await k.R("host.get_control_domain", master)).GetString()!;
        Assert.Equal(new[] { "CANNOT_RESET_CONTROL_DOMAIN", dom0 }, await k.Err("VM.power_state_reset", dom0));
        // With affinity the home server wins, even the coordinator.
        var homed = await k.Diskless("Debian Bookworm 12", "homed");
        await k.R("VM.set_affinity", homed, master);
        await k.R("VM.start", homed, false, false);
        Assert.Equal(master, (await k.R("VM.get_resident_on", homed)).GetString());
        // Disabled hosts are skipped; none left → NO_HOSTS_AVAILABLE.
        foreach (var h in (await k.R("host.get_all")).EnumerateArray()) await k.R("host.disable", h.GetString());
        var third = await k.Diskless("Debian Bookworm 12", "nowhere");
        Assert.Equal(new[] { "NO_HOSTS_AVAILABLE" }, await k.Err("VM.start", third, false, false));
        Assert.Equal(new[] { "HOST_DISABLED", master }, await k.Err("VM.start_on", third, master, false, false));
    }

    [Fact]
    public async Task Guest_metrics_appear_after_boot_only_with_tools()
    {
        await using var k = await VmKit.StartAsync(preset: "pooled");
        var net = (await k.R("network.get_all"))[0].GetString()!;
        var linux = await k.Diskless("Debian Bookworm 12", "lin");
        var windows = await k.Diskless("Windows Server 2022 (64-bit)", "win");
        foreach (var vm in new[] { linux, windows })
            await k.R("VIF.create", new Dictionary<string, object?> { ["device"] = "0", ["network"] = net, ["VM"] = vm, ["MAC"] = "", ["MTU"] = 1500, ["other_config"] = new Dictionary<string, string>(), ["qos_algorithm_type"] = "", ["qos_algorithm_params"] = new Dictionary<string, string>() });
        await k.R("VM.start", linux, false, false);
        await k.R("VM.start", windows, false, false);
        await VmKit.Until(async () => (await k.R("VM.get_guest_metrics", linux)).GetString() != "OpaqueRef:NULL", "linux guest metrics");
        var gm = await k.Rec("VM_guest_metrics", (await k.R("VM.get_guest_metrics", linux)).GetString()!);
        Assert.Equal("8", gm.GetProperty("PV_drivers_version").GetProperty("major").GetString());
        Assert.True(gm.GetProperty("PV_drivers_detected").GetBoolean());
        Assert.StartsWith("10.0.", gm.GetProperty("networks").GetProperty("0/ip").GetString());
        Assert.Equal("1", gm.GetProperty("other").GetProperty("feature-suspend").GetString());
        var vif = (await k.R("VM.get_VIFs", linux))[0].GetString()!;
        Assert.Matches("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", (await k.R("VIF.get_MAC", vif)).GetString());
        Assert.True((await k.R("VIF.get_currently_attached", vif)).GetBoolean());
        Assert.Equal(new[] { "DEVICE_ALREADY_EXISTS", "0" }, await k.Err("VIF.create", new Dictionary<string, object?> { ["device"] = "0", ["network"] = net, ["VM"] = linux, ["MAC"] = "" }));
        // Windows: nothing after more than the agent delay; "install tools" then reboot → metrics.
        await Task.Delay(100);
        Assert.Equal("OpaqueRef:NULL", (await k.R("VM.get_guest_metrics", windows)).GetString());
        await k.R("VM.add_to_other_config", windows, "xensim_tools", "true");
        await k.R("VM.hard_reboot", windows);
        await VmKit.Until(async () => (await k.R("VM.get_guest_metrics", windows)).GetString() != "OpaqueRef:NULL", "windows guest metrics");
        Assert.Contains("clean_shutdown", await k.Ops(windows));
        var gmRef = (await k.R("VM.get_guest_metrics", linux)).GetString()!;
        await k.R("VM.clean_shutdown", linux);
        Assert.Equal("OpaqueRef:NULL", (await k.R("VM.get_guest_metrics", linux)).GetString());
        Assert.Equal(new[] { "HANDLE_INVALID", "VM_guest_metrics", gmRef }, await k.Err("VM_guest_metrics.get_record", gmRef));
    }
}

public sealed class VmCreationTests
{
    [Fact]
    public async Task Clone_and_provision_create_disks_on_the_chosen_sr_and_destroy_keeps_them()
    {
        await using var k = await VmKit.StartAsync(preset: "pooled");
        var template = await k.Vm("CentOS Stream 9");
        var t = await k.Rec("VM", template);
        Assert.True(t.GetProperty("is_default_template").GetBoolean());
        Assert.Equal("true", t.GetProperty("other_config").GetProperty("default_template").GetString());
        Assert.Contains("sr=\"\"", t.GetProperty("other_config").GetProperty("disks").GetString());
        Assert.Equal(new[] { "VM_IS_TEMPLATE", template, "start" }, await k.Err("VM.start", template, false, false));
        Assert.Equal(new[] { "VM_IS_TEMPLATE", template, "destroy" }, await k.Err("VM.destroy", template));

        var vm = await k.Str("VM.clone", template, "web01");
        var rec = await k.Rec("VM", vm);
        Assert.True(rec.GetProperty("is_a_template").GetBoolean());
        Assert.False(rec.GetProperty("is_default_template").GetBoolean());
        Assert.False(rec.GetProperty("other_config").TryGetProperty("default_template", out _));
        Assert.Equal(new[] { "UUID_INVALID", "sr", "" }, await k.Err("VM.provision", vm));

        var sr = (await k.R("SR.get_by_name_label", "Local storage"))[0].GetString()!;
        var srUuid = (await k.R("SR.get_uuid", sr)).GetString()!;
        var disks = rec.GetProperty("other_config").GetProperty("disks").GetString()!.Replace("sr=\"\"", $"sr=\"{srUuid}\"");
        await k.R("VM.remove_from_other_config", vm, "disks");
        await k.R("VM.add_to_other_config", vm, "disks", disks);
        await k.R("VM.provision", vm);
        rec = await k.Rec("VM", vm);
        Assert.False(rec.GetProperty("is_a_template").GetBoolean());
        Assert.False(rec.GetProperty("other_config").TryGetProperty("disks", out _));
        var vbd = await k.Rec("VBD", Assert.Single(rec.GetProperty("VBDs").EnumerateArray()).GetString()!);
        Assert.Equal("0", vbd.GetProperty("userdevice").GetString());
        Assert.True(vbd.GetProperty("bootable").GetBoolean());
        var vdiRef = vbd.GetProperty("VDI").GetString()!;
        var vdi = await k.Rec("VDI", vdiRef);
        Assert.Equal("0", vdi.GetProperty("name_label").GetString());
        Assert.Equal("Created by template provisioner", vdi.GetProperty("name_description").GetString());
        Assert.Equal(sr, vdi.GetProperty("SR").GetString());
        Assert.Equal(10L * 1024 * 1024 * 1024, vdi.GetProperty("virtual_size").GetInt64());
        Assert.Equal(rec.GetProperty("uuid").GetString(), vdi.GetProperty("sm_config").GetProperty("vmhint").GetString());

        await k.R("VM.start_on", vm, await k.HostRef("xennode01"), false, false);
        Assert.Equal(new[] { "VM_BAD_POWER_STATE", vm, "halted, suspended", "running" }, await k.Err("VM.destroy", vm));
        Assert.Equal(new[] { "VDI_IN_USE", vdiRef, "destroy" }, await k.Err("VDI.destroy", vdiRef));
        await k.R("VM.hard_shutdown", vm);
        var copy = await k.Str("VM.copy", vm, "web02", sr);
        Assert.Single((await k.R("VM.get_VBDs", copy)).EnumerateArray());
        await k.R("VM.destroy", vm);
        Assert.Equal("HANDLE_INVALID", (await k.Err("VM.get_record", vm))[0]);
        Assert.Equal("HANDLE_INVALID", (await k.Err("VBD.get_record", Assert.Single(rec.GetProperty("VBDs").EnumerateArray()).GetString()))[0]);
        Assert.Empty((await k.R("VDI.get_VBDs", vdiRef)).EnumerateArray());
        await k.R("VDI.destroy", vdiRef);
    }

    [Fact]
    public async Task Vdi_create_and_vcpu_setters_check_constraints()
    {
        await using var k = await VmKit.StartAsync(preset: "pooled");
        var sr = (await k.R("SR.get_by_name_label", "Local storage"))[0].GetString()!;
        var ok = await k.Str("VDI.create", new Dictionary<string, object?> { ["SR"] = sr, ["virtual_size"] = 1L << 30, ["type"] = "user", ["sharable"] = false, ["read_only"] = false, ["other_config"] = new Dictionary<string, string>(), ["name_label"] = "data" });
        Assert.Equal("data", (await k.R("VDI.get_name_label", ok)).GetString());
        var vm = await k.Diskless("Other install media", "vcpu");
        Assert.Equal("INVALID_VALUE", (await k.Err("VM.set_VCPUs_at_startup", vm, 4))[0]);
        await k.R("VM.set_VCPUs_max", vm, 4);
        await k.R("VM.set_VCPUs_at_startup", vm, 4);
        Assert.Equal("INVALID_VALUE", (await k.Err("VM.set_VCPUs_max", vm, 2))[0]);
    }
}
