using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using CsCheck;
using XenHa.Simulator.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>Control plane, host power loss, liveness without HA, HA enable/overcommit/failover on the manual clock.</summary>
public sealed class HaTests
{
    internal sealed class Kit : IAsyncDisposable
    {
        public VmKit K { get; private init; } = null!;
        public ManualClock Clock { get; private init; } = null!;
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

        public static async Task<Kit> StartAsync(string preset = "pooled", long memoryGb = 256, string api = "2.21")
        {
            var clock = new ManualClock();
            var k = await VmKit.StartAsync(new SimulatorOptions { Clock = clock, ControlToken = "t0ken", Farm = { Hosts = 3, Preset = preset, MemoryGb = memoryGb, ApiVersion = api } });
            k.Pump = clock;
            return new Kit { K = k, Clock = clock };
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await K.DisposeAsync();
        }

        public async Task<(int Status, JsonElement Body)> Control(HttpMethod method, string path, object? body = null, string? auth = "Bearer t0ken")
        {
            using var req = new HttpRequestMessage(method, new Uri(K.Host.ControlUrl, path));
            if (auth is not null) req.Headers.TryAddWithoutValidation("Authorization", auth);
            if (body is not null) req.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            using var resp = await _http.SendAsync(req);
            var text = await resp.Content.ReadAsStringAsync();
            return ((int)resp.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
        }

        public async Task Post(string path, object? body = null)
        {
            var (status, json) = await Control(HttpMethod.Post, path, body);
            Assert.True(status == 200, $"{path}: {status} {json}");
        }

        /// <summary>Advances simulated time in small steps, letting continuations run, until the predicate holds.</summary>
        public async Task AdvanceUntil(Func<Task<bool>> done, string what, double maxSeconds, double step = 1)
        {
            for (double t = 0; t <= maxSeconds; t += step)
            {
                if (await done()) return;
                Clock.Advance(TimeSpan.FromSeconds(step));
                await Task.Delay(5);
            }

            if (!await done()) throw new TimeoutException(what + $" within {maxSeconds} simulated s");
        }

        public async Task Advance(double seconds, double step = 1)
        {
            for (double t = 0; t < seconds; t += step)
            {
                Clock.Advance(TimeSpan.FromSeconds(step));
                await Task.Delay(5);
            }
        }

        /// <summary>Reads without pumping the clock (VmKit.R advances it while a call is in flight).</summary>
        public async Task<JsonElement> Read(string method, params object?[] ps) => await K.C.ResultAsync(method, new object?[] { K.S }.Concat(ps).ToArray());

        public async Task<bool> Live(string host) => (await Read("host_metrics.get_live", (await Read("host.get_metrics", host)).GetString())).GetBoolean();

        public async Task<string> NfsSr()
        {
            var master = await K.HostRef("xennode01");
            var dc = new Dictionary<string, string> { ["server"] = "nas01", ["serverpath"] = "/export/xen" };
            return await K.Str("SR.create", master, dc, "0", "NFS", "", "nfs", "", true, new Dictionary<string, string>());
        }

        public async Task<string> Guest(string name, string? startOn = null, long memoryGb = 1)
        {
            var vm = await K.Diskless("Debian Bookworm 12", name);
            var bytes = memoryGb << 30;
            await K.R("VM.set_memory_limits", vm, bytes, bytes, bytes, bytes);
            if (startOn is not null) await K.R("VM.start_on", vm, await K.HostRef(startOn), false, false);
            return vm;
        }

        public async Task<JsonElement> Vm(string vm) => await Read("VM.get_record", vm);

        /// <summary>No VM is resident on two hosts and no running VM sits on a powered-off host's record twice.</summary>
        public async Task AssertNoVmRunsTwice()
        {
            var all = await K.R("VM.get_all_records");
            var seen = new HashSet<string>();
            foreach (var v in all.EnumerateObject())
            {
                var ps = v.Value.GetProperty("power_state").GetString();
                if (ps is "Running" or "Paused") Assert.NotEqual("OpaqueRef:NULL", v.Value.GetProperty("resident_on").GetString());
                else Assert.Equal("OpaqueRef:NULL", v.Value.GetProperty("resident_on").GetString());
                Assert.True(seen.Add(v.Value.GetProperty("uuid").GetString()!));
            }
        }

        public async Task<string[]> Messages(string name) =>
            (await K.R("message.get_all_records")).EnumerateObject().Where(m => m.Value.GetProperty("name").GetString() == name)
                .Select(m => m.Value.GetProperty("obj_uuid").GetString()!).ToArray();
    }

    [Fact]
    public async Task Control_plane_needs_its_bearer_token_and_power_off_makes_the_endpoint_unreachable()
    {
        await using var h = await Kit.StartAsync();
        Assert.Equal(401, (await h.Control(HttpMethod.Get, "state", auth: null)).Status);
        Assert.Equal(401, (await h.Control(HttpMethod.Get, "state", auth: "Bearer wrong")).Status);
        Assert.Equal(401, (await h.Control(HttpMethod.Get, "state", auth: "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("root:xenroot")))).Status);
        var (status, state) = await h.Control(HttpMethod.Get, "state");
        Assert.Equal(200, status);
        var hosts = state.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(new[] { "xennode01", "xennode02", "xennode03" }, hosts.Select(x => x.GetProperty("name").GetString()));
        Assert.True(hosts[0].GetProperty("coordinator").GetBoolean());
        Assert.Equal("on", hosts[2].GetProperty("power").GetString());
        Assert.False(state.GetProperty("haEnabled").GetBoolean());

        // The control plane is not a XenAPI endpoint.
        using (var raw = new HttpClient())
        {
            using var content = new StringContent(SimClient.XmlCall("session.login_with_password", "root", "xenroot"), Encoding.UTF8, "text/xml");
            Assert.Equal(401, (int)(await raw.PostAsync(h.K.Host.ControlUrl, content)).StatusCode);
        }

        using var c3 = new SimClient(h.K.Host.HostUrls[2]);
        Assert.Equal("HOST_IS_SLAVE", (await c3.ErrorAsync("session.login_with_password", "root", "xenroot", "2.21", "x"))[0]);
        await h.Post("hosts/xennode03/power-off");
        await Assert.ThrowsAsync<HttpRequestException>(() => c3.JsonAsync("session.login_with_password", "root", "xenroot", "2.21", "x"));
        Assert.Equal(409, (await h.Control(HttpMethod.Post, "hosts/xennode03/power-off")).Status);
        (_, state) = await h.Control(HttpMethod.Get, "state");
        Assert.Equal("off", state.GetProperty("hosts")[2].GetProperty("power").GetString());

        // Fault rules: an error after the session check, counted.
        var vm = await h.K.Vm("Debian Bookworm 12");
        var (_, fault) = await h.Control(HttpMethod.Post, "faults", new { method = "VM.get_*", count = 1, error = new[] { "INTERNAL_ERROR", "injected" } });
        Assert.Equal("f1", fault.GetProperty("id").GetString());
        Assert.Equal(new[] { "INTERNAL_ERROR", "injected" }, await h.K.Err("VM.get_name_label", vm));
        Assert.Equal("Debian Bookworm 12", (await h.K.R("VM.get_name_label", vm)).GetString());
        Assert.Equal("SESSION_INVALID", (await h.K.C.ErrorAsync("VM.get_name_label", "OpaqueRef:nope", vm))[0]);
        Assert.Equal(200, (await h.Control(HttpMethod.Delete, "faults/f1")).Status);
    }

    [Fact]
    public async Task Clock_advance_is_refused_when_the_clock_is_not_manual()
    {
        await using var k = await VmKit.StartAsync(new SimulatorOptions { ControlToken = "x", Farm = { Hosts = 1 } });
        using var http = new HttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(k.Host.ControlUrl, "clock/advance")) { Content = new StringContent("{\"seconds\":5}", Encoding.UTF8, "application/json") };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "x");
        Assert.Equal(409, (int)(await http.SendAsync(req)).StatusCode);
        Assert.False(k.Host.ControlTokenGenerated);
    }

    [Fact]
    public async Task Without_ha_a_dead_host_is_not_live_only_after_the_timeout_and_its_vms_need_a_reset()
    {
        await using var h = await Kit.StartAsync("pooled-with-vms");
        var k = h.K;
        var h2 = await k.HostRef("xennode02");
        var h3 = await k.HostRef("xennode03");
        var vm = await h.Guest("victim", "xennode03");
        var other = await h.Guest("bystander", "xennode02");
        Assert.Equal(new[] { "HOST_IS_LIVE", h2 }, await k.Err("VM.power_state_reset", other));
        Assert.Equal(new[] { "HOST_IS_LIVE", h2 }, await k.Err("host.declare_dead", h2));

        await h.Post("hosts/xennode03/power-off");
        await h.Advance(599);
        Assert.True(await h.Live(h3));
        Assert.Equal("Running", (await h.Vm(vm)).GetProperty("power_state").GetString());
        Assert.Equal(new[] { "VM_BAD_POWER_STATE", vm, "halted", "running" }, await k.Err("VM.start_on", vm, h2, false, false));
        await h.AdvanceUntil(async () => !await h.Live(h3), "xennode03 not live", 3);
        Assert.Equal(h3, (await h.Vm(vm)).GetProperty("resident_on").GetString());
        Assert.Equal(new[] { "VM_BAD_POWER_STATE", vm, "halted", "running" }, await k.Err("VM.start", vm, false, false));

        await k.R("host.declare_dead", h3);
        var rec = await h.Vm(vm);
        Assert.Equal("Halted", rec.GetProperty("power_state").GetString());
        Assert.Equal("OpaqueRef:NULL", rec.GetProperty("resident_on").GetString());
        Assert.False((await k.R("host.get_enabled", h3)).GetBoolean());
        await k.R("VM.start_on", vm, h2, false, false);
        await h.AssertNoVmRunsTwice();

        // It comes back after its boot, live and enabled; the VMs it had are not running twice.
        await h.Post("hosts/xennode03/power-on");
        await h.AdvanceUntil(async () => await h.Live(h3) && (await k.R("host.get_enabled", h3)).GetBoolean(), "xennode03 back", 60);
        Assert.Equal(h2, (await h.Vm(vm)).GetProperty("resident_on").GetString());
        Assert.Empty((await k.R("VM.get_all_records_where", $"field \"resident_on\" = \"{h3}\" and field \"is_control_domain\" = \"false\"")).EnumerateObject());
        await h.AssertNoVmRunsTwice();
    }

    [Fact]
    public async Task Power_state_reset_works_on_a_silent_host_and_declare_dead_is_unknown_on_1_7()
    {
        await using var h = await Kit.StartAsync("pooled", api: "1.7");
        var k = h.K;
        var h3 = await k.HostRef("xennode03");
        var vm = await h.Guest("v", "xennode03");
        Assert.Equal(new[] { "HOST_IS_LIVE", h3 }, await k.Err("VM.power_state_reset", vm));
        await h.Post("hosts/xennode03/power-off");
        Assert.Equal("MESSAGE_METHOD_UNKNOWN", (await k.Err("host.declare_dead", h3))[0]);
        // xapi's is_host_alive: live in the DB but not answering = dead.
        await k.R("VM.power_state_reset", vm);
        Assert.Equal("Halted", (await h.Vm(vm)).GetProperty("power_state").GetString());
    }

    [Fact]
    public async Task Coordinator_loss_without_ha_needs_an_emergency_transition()
    {
        await using var h = await Kit.StartAsync();
        await h.Post("hosts/xennode01/power-off");
        using var c2 = new SimClient(h.K.Host.HostUrls[1]);
        Assert.Equal("HOST_IS_SLAVE", (await c2.ErrorAsync("session.login_with_password", "root", "xenroot", "2.21", "x"))[0]);
        var local = (await c2.ResultAsync("session.slave_local_login_with_password", "root", "xenroot")).GetString();
        await c2.ResultAsync("pool.emergency_transition_to_master", local);
        var s = await c2.LoginAsync();
        var recovered = await c2.ResultAsync("pool.recover_slaves", s);
        Assert.Single(recovered.EnumerateArray());
        using var c3 = new SimClient(h.K.Host.HostUrls[2]);
        var err = await c3.ErrorAsync("session.login_with_password", "root", "xenroot", "2.21", "x");
        Assert.Equal(new[] { "HOST_IS_SLAVE", h.K.Host.HostUrls[1].Host }, err);
    }

    [Fact]
    public async Task Enable_ha_checks_in_xapis_order_then_enables_with_statefile_and_redo_log()
    {
        await using var h = await Kit.StartAsync();
        var k = h.K;
        var pool = (await k.R("pool.get_all"))[0].GetString()!;
        Assert.Equal(new[] { "HA_NOT_ENABLED" }, await k.Err("pool.disable_ha"));
        Assert.Equal(new[] { "CANNOT_CREATE_STATE_FILE" }, await k.Err("pool.enable_ha", Array.Empty<string>(), new Dictionary<string, string>()));
        var local = (await k.R("SR.get_by_name_label", "Local storage"))[0].GetString()!;
        Assert.Equal(new[] { "SR_HAS_NO_PBDS", local }, await k.Err("pool.enable_ha", new[] { local }, new Dictionary<string, string>()));
        var nfs = await h.NfsSr();
        await h.Post("hosts/xennode02/power-off");
        await h.Advance(601);
        Assert.Equal(new[] { "HOST_OFFLINE", await k.HostRef("xennode02") }, await k.Err("pool.enable_ha", new[] { nfs }, new Dictionary<string, string>()));
        await h.Post("hosts/xennode02/power-on");
        await h.AdvanceUntil(async () => await h.Live(await k.HostRef("xennode02")), "xennode02 back", 60);

        await k.R("pool.set_ha_host_failures_to_tolerate", pool, 1);
        Assert.Equal(new[] { "INVALID_VALUE", "ha_host_failures_to_tolerate", "-1" }, await k.Err("pool.set_ha_host_failures_to_tolerate", pool, -1));
        var task = await k.Str("Async.pool.enable_ha", new[] { nfs }, new Dictionary<string, string> { ["timeout"] = "30" });
        await h.AdvanceUntil(async () => (await k.Rec("task", task)).GetProperty("status").GetString() != "pending", "enable_ha task", 30, 0.5);
        Assert.Equal("success", (await k.Rec("task", task)).GetProperty("status").GetString());
        var rec = await k.Rec("pool", pool);
        Assert.True(rec.GetProperty("ha_enabled").GetBoolean());
        Assert.Equal("30", rec.GetProperty("ha_configuration").GetProperty("timeout").GetString());
        var statefile = rec.GetProperty("ha_statefiles")[0].GetString()!;
        Assert.Equal("ha_statefile", (await k.R("VDI.get_type", statefile)).GetString());
        Assert.Single((await k.R("VDI.get_all_records_where", "field \"type\" = \"redo_log\"")).EnumerateObject());
        Assert.False(rec.GetProperty("ha_overcommitted").GetBoolean());
        Assert.Equal(1, rec.GetProperty("ha_plan_exists_for").GetInt64());
        Assert.Equal(new[] { "HA_IS_ENABLED" }, await k.Err("pool.enable_ha", new[] { nfs }, new Dictionary<string, string>()));
        Assert.Equal(new[] { "HA_IS_ENABLED" }, await k.Err("pool.eject", await k.HostRef("xennode03")));
        Assert.Equal(new[] { "HA_IS_ENABLED" }, await k.Err("pool.designate_new_master", await k.HostRef("xennode03")));
        Assert.Equal(3, (await k.R("pool.ha_compute_max_host_failures_to_tolerate")).GetInt64());
        Assert.True((await h.Control(HttpMethod.Get, "state")).Body.GetProperty("haEnabled").GetBoolean());

        // Disable and re-enable reuses the VDIs.
        await k.R("pool.disable_ha");
        Assert.False((await k.R("pool.get_ha_enabled", pool)).GetBoolean());
        task = await k.Str("Async.pool.enable_ha", Array.Empty<string>(), new Dictionary<string, string>());
        await h.AdvanceUntil(async () => (await k.Rec("task", task)).GetProperty("status").GetString() != "pending", "enable_ha task", 30, 0.5);
        Assert.Equal(statefile, (await k.R("pool.get_ha_statefiles", pool))[0].GetString());
    }

    private static async Task<(Kit H, string Pool)> HaPool(long memoryGb = 256, string timeout = "30")
    {
        var h = await Kit.StartAsync(memoryGb: memoryGb);
        var k = h.K;
        var pool = (await k.R("pool.get_all"))[0].GetString()!;
        var nfs = await h.NfsSr();
        await k.R("pool.set_ha_host_failures_to_tolerate", pool, 1);
        var task = await k.Str("Async.pool.enable_ha", new[] { nfs }, new Dictionary<string, string> { ["timeout"] = timeout });
        await h.AdvanceUntil(async () => (await k.Rec("task", task)).GetProperty("status").GetString() != "pending", "enable_ha", 30, 0.5);
        Assert.Equal("success", (await k.Rec("task", task)).GetProperty("status").GetString());
        return (h, pool);
    }

    [Fact]
    public async Task Overcommit_protection_refuses_what_would_break_the_plan_and_priorities_are_validated()
    {
        var (h, pool) = await HaPool(memoryGb: 16);
        await using var scope = h;
        var k = h.K;
        var a = await h.Guest("a", "xennode01", 8);
        Assert.Equal(new[] { "INVALID_VALUE", "ha_restart_priority", "0" }, await k.Err("VM.set_ha_restart_priority", a, "0"));
        await k.R("VM.set_ha_restart_priority", a, "restart");
        Assert.True((await k.R("VM.get_ha_always_run", a)).GetBoolean());
        await k.R("VM.assert_agile", a);
        var b = await h.Guest("b", "xennode02", 8);
        await k.R("VM.set_ha_restart_priority", b, "restart");
        Assert.Equal(1, (await k.R("pool.get_ha_plan_exists_for", pool)).GetInt64());
        var c = await h.Guest("c", null, 8);
        await k.R("VM.set_ha_restart_priority", c, "restart");
        // Starting a third 8 GiB protected VM leaves no room for a host failure.
        Assert.Equal(new[] { "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN" }, await k.Err("VM.start_on", c, await k.HostRef("xennode03"), false, false));
        Assert.Equal(new[] { "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN" }, await k.Err("host.disable", await k.HostRef("xennode03")));
        Assert.Equal(new[] { "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN" }, await k.Err("pool.set_ha_host_failures_to_tolerate", pool, 2));
        Assert.Equal("VM_BAD_POWER_STATE", (await k.Err("VM.set_is_a_template", a, true))[0]);
        Assert.Equal(1, (await k.R("pool.ha_compute_max_host_failures_to_tolerate")).GetInt64());
        Assert.False((await k.R("pool.ha_failover_plan_exists", 2)).GetBoolean());
        // Allowing overcommit lets it through; the pool then reports overcommitted with a message.
        await k.R("pool.set_ha_allow_overcommit", pool, true);
        await k.R("VM.start_on", c, await k.HostRef("xennode03"), false, false);
        Assert.True((await k.R("pool.get_ha_overcommitted", pool)).GetBoolean());
        Assert.Contains((await k.R("pool.get_uuid", pool)).GetString(), await h.Messages("HA_POOL_OVERCOMMITTED"));
        Assert.Contains((await k.R("pool.get_uuid", pool)).GetString(), await h.Messages("HA_POOL_DROP_IN_PLAN_EXISTS_FOR"));
        // Evacuation with HA: an unprotected running VM blocks with the one-parameter memory error.
        var d = await h.Guest("d", "xennode02", 1);
        Assert.Equal(new[] { "HOST_NOT_ENOUGH_FREE_MEMORY", d }, (await k.R("host.get_vms_which_prevent_evacuation", await k.HostRef("xennode02"))).GetProperty(d).EnumerateArray().Select(x => x.GetString()).ToArray());
    }

    [Fact]
    public async Task Host_failure_restarts_protected_vms_in_order_groups_best_effort_too_and_leaves_unprotected_halted()
    {
        var (h, pool) = await HaPool();
        await using var scope = h;
        var k = h.K;
        var h3 = await k.HostRef("xennode03");
        var first = await h.Guest("first");
        var second = await h.Guest("second");
        var best = await h.Guest("best");
        var none = await h.Guest("none");
        await k.R("VM.set_ha_restart_priority", first, "restart");
        await k.R("VM.set_order", first, 0);
        await k.R("VM.set_start_delay", first, 20);
        Assert.Equal("INVALID_VALUE", (await k.Err("VM.set_start_delay", first, -1))[0]);
        await k.R("VM.set_ha_restart_priority", second, "restart");
        await k.R("VM.set_order", second, 1);
        await k.R("VM.set_ha_restart_priority", best, "best-effort");
        foreach (var vm in new[] { first, second, best, none }) await k.R("VM.start_on", vm, h3, false, false);
        await k.R("VM.set_start_delay", first, 20);

        await h.Post("hosts/xennode03/power-off");
        await h.Advance(29);
        Assert.True(await h.Live(h3));
        await h.AdvanceUntil(async () => !await h.Live(h3), "host failed", 2);
        Assert.Contains((await k.R("host.get_uuid", h3)).GetString(), await h.Messages("HA_HOST_FAILED"));
        await h.AdvanceUntil(async () =>
            (await h.Vm(second)).GetProperty("power_state").GetString() == "Running" && (await h.Vm(best)).GetProperty("power_state").GetString() == "Running",
            "restarts", 60, 0.5);
        foreach (var vm in new[] { first, second, best })
        {
            var r = await h.Vm(vm);
            Assert.Equal("Running", r.GetProperty("power_state").GetString());
            Assert.NotEqual(h3, r.GetProperty("resident_on").GetString());
        }

        Assert.Equal("Halted", (await h.Vm(none)).GetProperty("power_state").GetString());
        // The second group started only after the first group's start_delay.
        async Task<DateTime> Started(string vm)
        {
            var text = (await k.R("VM_metrics.get_start_time", (await h.Vm(vm)).GetProperty("metrics").GetString())).GetString()!;
            Assert.True(XenHa.Simulator.Protocol.Wire.TryParseDate(text, out var d), text);
            return d;
        }

        Assert.True(await Started(second) - await Started(first) >= TimeSpan.FromSeconds(20));
        await h.AssertNoVmRunsTwice();

        // The host comes back, rejoins the liveset, and does not run the VMs again.
        await h.Post("hosts/xennode03/power-on");
        await h.AdvanceUntil(async () => await h.Live(h3), "rejoined", 60);
        Assert.Empty((await k.R("VM.get_all_records_where", $"field \"resident_on\" = \"{h3}\" and field \"is_control_domain\" = \"false\"")).EnumerateObject());
        await h.AssertNoVmRunsTwice();
    }

    [Fact]
    public async Task Coordinator_loss_with_ha_elects_a_survivor_which_restarts_the_vms()
    {
        var (h, pool) = await HaPool();
        await using var scope = h;
        var k = h.K;
        var h1 = await k.HostRef("xennode01");
        var vm = await h.Guest("p", "xennode01");
        await k.R("VM.set_ha_restart_priority", vm, "restart");
        var survivors = new[] { ("xennode02", await k.HostRef("xennode02"), await k.R("host.get_uuid", await k.HostRef("xennode02"))), ("xennode03", await k.HostRef("xennode03"), await k.R("host.get_uuid", await k.HostRef("xennode03"))) };
        var expected = survivors.OrderBy(s => s.Item3.GetString(), StringComparer.Ordinal).First();
        var loser = survivors.First(s => s.Item1 != expected.Item1);
        await h.Post("hosts/xennode01/power-off");
        var newUrl = h.K.Host.HostUrls[expected.Item1 == "xennode02" ? 1 : 2];
        var otherUrl = h.K.Host.HostUrls[expected.Item1 == "xennode02" ? 2 : 1];
        using var cn = new SimClient(newUrl);
        using var co = new SimClient(otherUrl);
        await h.AdvanceUntil(async () => (await cn.JsonAsync("session.login_with_password", "root", "xenroot", "2.21", "x")).TryGetProperty("result", out _), "new coordinator", 40);
        Assert.Equal(new[] { "HOST_IS_SLAVE", newUrl.Host }, await co.ErrorAsync("session.login_with_password", "root", "xenroot", "2.21", "x"));
        var s = await cn.LoginAsync();
        Assert.Equal(expected.Item2, (await cn.ResultAsync("pool.get_master", s, pool)).GetString());
        for (var i = 0; i < 40 && (await cn.ResultAsync("VM.get_power_state", s, vm)).GetString() != "Running"; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        Assert.Equal("Running", (await cn.ResultAsync("VM.get_power_state", s, vm)).GetString());
        Assert.NotEqual(h1, (await cn.ResultAsync("VM.get_resident_on", s, vm)).GetString());
        var (_, state) = await h.Control(HttpMethod.Get, "state");
        Assert.True(state.GetProperty("hosts").EnumerateArray().Single(x => x.GetProperty("name").GetString() == expected.Item1).GetProperty("coordinator").GetBoolean());
    }

    [Fact]
    public async Task A_partitioned_minority_self_fences_and_rejoins_after_heal()
    {
        var (h, pool) = await HaPool();
        await using var scope = h;
        var k = h.K;
        var h3 = await k.HostRef("xennode03");
        var vm = await h.Guest("p", "xennode03");
        await k.R("VM.set_ha_restart_priority", vm, "restart");
        await h.Post("partition", new { hosts = new[] { "xennode03" } });
        using var c3 = new SimClient(h.K.Host.HostUrls[2]);
        await Assert.ThrowsAsync<HttpRequestException>(() => c3.JsonAsync("session.login_with_password", "root", "xenroot", "2.21", "x"));
        await h.AdvanceUntil(async () => !await h.Live(h3), "fenced", 32);
        await h.AdvanceUntil(async () => (await h.Vm(vm)).GetProperty("power_state").GetString() == "Running", "restart", 30);
        Assert.NotEqual(h3, (await h.Vm(vm)).GetProperty("resident_on").GetString());
        await h.Advance(40);
        Assert.False(await h.Live(h3)); // still cut off: waits for the liveset
        await h.Post("heal");
        await h.AdvanceUntil(async () => await h.Live(h3), "rejoined", 5);
        Assert.NotEqual(h3, (await h.Vm(vm)).GetProperty("resident_on").GetString());
        await h.AssertNoVmRunsTwice();
    }

    [Fact]
    public async Task Random_failure_sequences_never_lose_a_protected_vm_when_a_plan_existed_nor_run_one_twice()
    {
        var scenarios = new List<int[]>();
        Gen.Int[0, 99].Array[3, 6].Sample(ops => { lock (scenarios) scenarios.Add(ops); }, iter: 4, threads: 1);
        foreach (var ops in scenarios)
        {
            var (h, pool) = await HaPool(timeout: "30");
            await using var scope = h;
            var k = h.K;
            var names = new[] { "xennode01", "xennode02", "xennode03" };
            var protectedVms = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                var vm = await h.Guest("p" + i, names[i]);
                await k.R("VM.set_ha_restart_priority", vm, "restart");
                protectedVms.Add(vm);
            }

            Assert.True((await k.R("pool.get_ha_plan_exists_for", pool)).GetInt64() >= 1);
            string? down = null;
            foreach (var op in ops)
            {
                // At most one host failed at a time (ntol = 1, the plan covers it).
                var name = names[op / 4 % 3];
                switch (op % 4)
                {
                    case 0 when down is null:
                        await h.Post($"hosts/{name}/power-off");
                        down = name;
                        break;
                    case 1 when down is not null:
                        var (_, st) = await h.Control(HttpMethod.Get, "state");
                        foreach (var x in st.GetProperty("hosts").EnumerateArray().Where(x => x.GetProperty("power").GetString() == "off"))
                            await h.Post($"hosts/{x.GetProperty("name").GetString()}/power-on");
                        break;
                    case 2 when down is null:
                        await h.Post("partition", new { hosts = new[] { name } });
                        down = name;
                        break;
                    case 3:
                        await h.Post("heal");
                        break;
                }

                await h.Advance(45, 0.5);
                await AssertConsistent(h);
                var (_, state) = await h.Control(HttpMethod.Get, "state");
                if (state.GetProperty("hosts").EnumerateArray().All(x => x.GetProperty("power").GetString() == "on" && !x.GetProperty("isolated").GetBoolean()))
                    down = null;
            }

            await h.Post("heal");
            var (_, fin) = await h.Control(HttpMethod.Get, "state");
            foreach (var x in fin.GetProperty("hosts").EnumerateArray().Where(x => x.GetProperty("power").GetString() == "off"))
                await h.Post($"hosts/{x.GetProperty("name").GetString()}/power-on");
            await h.Advance(120, 0.5);
            await AssertConsistent(h);
            (_, fin) = await h.Control(HttpMethod.Get, "state");
            var master = fin.GetProperty("hosts").EnumerateArray().First(x => x.GetProperty("coordinator").GetBoolean()).GetProperty("address").GetString();
            using var c = new SimClient(h.K.Host.HostUrls.First(u => u.Host == master));
            var s = await c.LoginAsync();
            foreach (var vm in protectedVms)
                Assert.Equal("Running", (await c.ResultAsync("VM.get_power_state", s, vm)).GetString());
        }
    }

    /// <summary>Through the current coordinator: every running VM has exactly one host, which is powered on.</summary>
    private static async Task AssertConsistent(Kit h)
    {
        var (_, state) = await h.Control(HttpMethod.Get, "state");
        var hosts = state.GetProperty("hosts").EnumerateArray().ToList();
        var master = hosts.First(x => x.GetProperty("coordinator").GetBoolean());
        if (master.GetProperty("power").GetString() != "on" || master.GetProperty("isolated").GetBoolean()) return;
        using var c = new SimClient(h.K.Host.HostUrls.First(u => u.Host == master.GetProperty("address").GetString()));
        JsonElement login;
        try { login = await c.JsonAsync("session.login_with_password", "root", "xenroot", "2.21", "x"); }
        catch (HttpRequestException) { return; }
        if (!login.TryGetProperty("result", out var sref)) return;
        var s = sref.GetString();
        var vms = await c.ResultAsync("VM.get_all_records", s);
        var hostRecs = await c.ResultAsync("host.get_all_records", s);
        foreach (var v in vms.EnumerateObject())
        {
            if (v.Value.GetProperty("is_control_domain").GetBoolean()) continue;
            var ps = v.Value.GetProperty("power_state").GetString();
            var res = v.Value.GetProperty("resident_on").GetString();
            if (ps is "Running" or "Paused")
            {
                Assert.NotEqual("OpaqueRef:NULL", res);
                var addr = hostRecs.GetProperty(res!).GetProperty("address").GetString();
                var live = (await c.ResultAsync("host_metrics.get_live", s, hostRecs.GetProperty(res!).GetProperty("metrics").GetString())).GetBoolean();
                // With HA, a host out of the liveset has had its VMs reset: a running VM is never left on a failed host
                // (so it cannot be restarted elsewhere while the database still places it there).
                Assert.True(live, $"VM {v.Name} is running on the failed host {addr}");
            }
            else Assert.Equal("OpaqueRef:NULL", res);
        }
    }
}
