using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using XenHa.Simulator.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

public sealed class EventTaskTests : IClassFixture<PooledFarm>
{
    private readonly PooledFarm _farm;

    public EventTaskTests(PooledFarm farm) => _farm = farm;

    private SimClient Client() => new(_farm.Host.CoordinatorUrl);

    [Fact]
    public async Task Event_from_initial_adds_then_mod_then_del()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var first = await c.ResultAsync("event.from", s, new[] { "VM", "task" }, "", 5.0);
        var events = first.GetProperty("events").EnumerateArray().ToList();
        var vmCount = (await c.ResultAsync("VM.get_all", s)).GetArrayLength();
        Assert.Equal(vmCount, events.Count(e => e.GetProperty("class").GetString() == "vm"));
        Assert.All(events.Where(e => e.GetProperty("class").GetString() == "vm"), e =>
        {
            Assert.Equal("add", e.GetProperty("operation").GetString());
            Assert.Equal("0.0", e.GetProperty("timestamp").GetString());
            Assert.Equal(JsonValueKind.String, e.GetProperty("id").ValueKind);
            Assert.True(e.GetProperty("snapshot").TryGetProperty("power_state", out _));
        });
        var token = first.GetProperty("token").GetString()!;
        Assert.Matches("^\\d{20},\\d{20}$", token);
        Assert.Equal(vmCount, first.GetProperty("valid_ref_counts").GetProperty("vm").GetInt32());

        var vm = (await c.ResultAsync("VM.get_by_name_label", s, "xennode02-vm2"))[0].GetString()!;
        await c.ResultAsync("VM.set_name_description", s, vm, "changed");
        var second = await c.ResultAsync("event.from", s, new[] { "vm" }, token, 5.0);
        var mod = Assert.Single(second.GetProperty("events").EnumerateArray());
        Assert.Equal("mod", mod.GetProperty("operation").GetString());
        Assert.Equal(vm, mod.GetProperty("ref").GetString());
        Assert.Equal("changed", mod.GetProperty("snapshot").GetProperty("name_description").GetString());

        var task = (await c.ResultAsync("task.create", s, "t", "d")).GetString()!;
        var third = await c.ResultAsync("event.from", s, new[] { "task" }, second.GetProperty("token").GetString(), 5.0);
        Assert.Equal("add", Assert.Single(third.GetProperty("events").EnumerateArray()).GetProperty("operation").GetString());
        await c.ResultAsync("task.destroy", s, task);
        var fourth = await c.ResultAsync("event.from", s, new[] { "task/" + task }, third.GetProperty("token").GetString(), 5.0);
        var del = Assert.Single(fourth.GetProperty("events").EnumerateArray());
        Assert.Equal("del", del.GetProperty("operation").GetString());
        Assert.False(del.TryGetProperty("snapshot", out _));
    }

    [Fact]
    public async Task Event_from_times_out_with_empty_events_and_xml_uses_i4_counts()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var first = await c.ResultAsync("event.from", s, new[] { "pool" }, "", 1.0);
        var watch = Stopwatch.StartNew();
        var body = await c.XmlRawAsync("event.from", s, "<array><data><value>pool</value></data></array>", first.GetProperty("token").GetString()!, "<int>1</int>");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(800), "event.from must block until the timeout");
        Assert.Contains("<name>events</name><value><array><data></data></array></value>", body);
        Assert.Matches("<name>pool</name><value><i4>1</i4></value>", body);
        Assert.Equal(new[] { "EVENT_FROM_TOKEN_PARSE_FAILURE", "garbage" }, await c.ErrorAsync("event.from", s, new[] { "*" }, "garbage", 1.0));
    }

    [Fact]
    public async Task Event_from_wakes_up_on_a_change_and_other_calls_proceed_meanwhile()
    {
        using var c = Client();
        using var c2 = Client();
        var s = await c.LoginAsync();
        var pool = (await c.ResultAsync("pool.get_all", s))[0].GetString()!;
        var token = (await c.ResultAsync("event.inject", s, "pool", pool)).GetString()!;
        var drained = await c.ResultAsync("event.from", s, new[] { "pool" }, token, 1.0);
        var waiting = c.ResultAsync("event.from", s, new[] { "pool" }, drained.GetProperty("token").GetString(), 30.0);
        await Task.Delay(200);
        await c2.ResultAsync("pool.add_to_gui_config", s, pool, "k" + Guid.NewGuid().ToString("N"), "v");
        var done = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("mod", done.GetProperty("events")[0].GetProperty("operation").GetString());
        Assert.Equal(JsonValueKind.Number, (await c.ResultAsync("event.get_current_id", s)).ValueKind);
    }

    [Fact]
    public async Task Async_call_returns_a_task_whose_result_is_an_xmlrpc_value_string()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var host = (await c.ResultAsync("host.get_by_name_label", s, "xennode01"))[0].GetString()!;
        var pif = (await c.ResultAsync("host.get_management_interface", s, host)).GetString()!;
        var task = (await c.ResultAsync("Async.host.get_management_interface", s, host)).GetString()!;
        var rec = await WaitAsync(c, s, task);
        Assert.Equal("success", rec.GetProperty("status").GetString());
        Assert.Equal($"<value>{pif}</value>", rec.GetProperty("result").GetString());
        Assert.Equal("Async.host.get_management_interface", rec.GetProperty("name_label").GetString());
        Assert.Equal(1.0, rec.GetProperty("progress").GetDouble());
        Assert.Equal(host, rec.GetProperty("resident_on").GetString());

        var voidTask = (await c.ResultAsync("Async.pool.sync_database", s)).GetString()!;
        Assert.Equal("<value></value>", (await WaitAsync(c, s, voidTask)).GetProperty("result").GetString());

        var failing = (await c.ResultAsync("Async.host.compute_free_memory", s, "OpaqueRef:nope")).GetString()!;
        var failed = await WaitAsync(c, s, failing);
        Assert.Equal("failure", failed.GetProperty("status").GetString());
        Assert.Equal(new[] { "HANDLE_INVALID", "host", "OpaqueRef:nope" }, failed.GetProperty("error_info").EnumerateArray().Select(x => x.GetString()).ToArray());
        await c.ResultAsync("task.destroy", s, failing);
        Assert.Equal("HANDLE_INVALID", (await c.ErrorAsync("task.get_status", s, failing))[0]);
    }

    [Fact]
    public async Task Task_cancel_needs_cancel_in_allowed_operations()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var own = (await c.ResultAsync("task.create", s, "upload", "")).GetString()!;
        await c.ResultAsync("task.cancel", s, own);
        Assert.Equal("cancelled", (await c.ResultAsync("task.get_status", s, own)).GetString());
        var t = (await c.ResultAsync("Async.pool.sync_database", s)).GetString()!;
        Assert.Equal("OPERATION_NOT_ALLOWED", (await c.ErrorAsync("task.cancel", s, t))[0]);
    }

    private static async Task<JsonElement> WaitAsync(SimClient c, string s, string task)
    {
        for (var i = 0; i < 100; i++)
        {
            var rec = await c.ResultAsync("task.get_record", s, task);
            if (rec.GetProperty("status").GetString() != "pending") return rec;
            await Task.Delay(50);
        }

        throw new TimeoutException("task still pending");
    }
}

public sealed class ManualClockTests
{
    [Fact]
    public async Task Async_task_moves_pending_progress_success_with_the_simulated_clock()
    {
        var clock = new ManualClock();
        await using var host = await SimulatorHost.StartAsync(new SimulatorOptions { Farm = { Hosts = 1 }, Clock = clock });
        using var c = new SimClient(host.CoordinatorUrl);
        var s = await c.LoginAsync();
        var task = (await c.ResultAsync("Async.pool.sync_database", s)).GetString()!;
        var rec = await c.ResultAsync("task.get_record", s, task);
        Assert.Equal("pending", rec.GetProperty("status").GetString());
        Assert.Equal(0.0, rec.GetProperty("progress").GetDouble());
        Assert.Equal("19700101T00:00:00Z", rec.GetProperty("finished").GetString());
        await Task.Delay(100);
        clock.Advance(TaskEngine.StepDelay);
        await Eventually(async () => (await c.ResultAsync("task.get_progress", s, task)).GetDouble() == 0.5);
        Assert.Equal("pending", (await c.ResultAsync("task.get_status", s, task)).GetString());
        clock.Advance(TaskEngine.StepDelay);
        await Eventually(async () => (await c.ResultAsync("task.get_status", s, task)).GetString() == "success");
    }

    private static async Task Eventually(Func<Task<bool>> check)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await check()) return;
            await Task.Delay(20);
        }

        Assert.Fail("condition not reached");
    }

    [Theory]
    [InlineData("1.7", 1, 7, "5.6.0")]
    [InlineData("2.15", 2, 15, "8.2.1")]
    [InlineData("2.21", 2, 21, "8.4.0")]
    public async Task Api_version_is_consistent(string api, int major, int minor, string product)
    {
        await using var host = await SimulatorHost.StartAsync(new SimulatorOptions { Farm = { Hosts = 1, ApiVersion = api } });
        using var c = new SimClient(host.CoordinatorUrl);
        var s = await c.LoginAsync();
        var h = (await c.ResultAsync("host.get_all_records", s)).EnumerateObject().Single().Value;
        Assert.Equal(major, h.GetProperty("API_version_major").GetInt32());
        Assert.Equal(minor, h.GetProperty("API_version_minor").GetInt32());
        var sv = h.GetProperty("software_version");
        Assert.Equal(product, sv.GetProperty("product_version").GetString());
        Assert.Equal(api, sv.GetProperty("xencenter_min").GetString());
        Assert.Equal(api, sv.GetProperty("xencenter_max").GetString());
    }

    [Fact]
    public async Task Tls_serves_https_with_the_printed_thumbprint()
    {
        await using var host = await SimulatorHost.StartAsync(new SimulatorOptions { Farm = { Hosts = 2 }, Tls = true });
        Assert.Equal("https", host.CoordinatorUrl.Scheme);
        string? seen = null;
        using var handler = new System.Net.Http.HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                seen = cert!.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
                return true;
            },
        };
        using var http = new System.Net.Http.HttpClient(handler);
        using var content = new System.Net.Http.StringContent(SimClient.XmlCall("session.login_with_password", "root", "xenroot"));
        using var resp = await http.PostAsync(host.HostUrls[1], content);
        Assert.Equal(200, (int)resp.StatusCode);
        Assert.Equal(host.Thumbprint, seen);
        Assert.Matches("^[0-9A-F]{64}$", host.Thumbprint!);
    }
}
