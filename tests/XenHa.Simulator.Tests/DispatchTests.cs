using System.Threading.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

public sealed class DispatchTests : IClassFixture<PooledFarm>
{
    private readonly PooledFarm _farm;

    public DispatchTests(PooledFarm farm) => _farm = farm;

    private SimClient Client(int host = 0) => new(_farm.Host.HostUrls[host]);

    [Fact]
    public async Task Parameter_count_is_checked_before_the_session()
    {
        using var c = Client();
        Assert.Equal(new[] { "MESSAGE_PARAMETER_COUNT_MISMATCH", "VM.get_record", "1", "2" },
            await c.ErrorAsync("VM.get_record", "OpaqueRef:bogus", "a", "b"));
        Assert.Equal(new[] { "MESSAGE_PARAMETER_COUNT_MISMATCH", "session.login_with_password", "2", "1" },
            await c.ErrorAsync("session.login_with_password", "root"));
        Assert.Equal(new[] { "SESSION_INVALID", "OpaqueRef:bogus" }, await c.ErrorAsync("VM.get_record", "OpaqueRef:bogus", "x"));
    }

    [Fact]
    public async Task Login_accepts_two_to_four_params_and_ignores_surplus()
    {
        using var c = Client();
        Assert.StartsWith("OpaqueRef:", (await c.ResultAsync("session.login_with_password", "root", "xenroot")).GetString());
        Assert.StartsWith("OpaqueRef:", (await c.ResultAsync("session.login_with_password", "root", "xenroot", "2.21")).GetString());
        Assert.StartsWith("OpaqueRef:", (await c.ResultAsync("session.login_with_password", "root", "xenroot", "2.21", "o", "extra")).GetString());
        Assert.Equal(new[] { "SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure" }, await c.ErrorAsync("session.login_with_password", "root", "bad"));
    }

    [Fact]
    public async Task Unknown_methods_check_the_session_first_when_there_is_one()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        Assert.Equal(new[] { "MESSAGE_METHOD_UNKNOWN", "VM.frobnicate" }, await c.ErrorAsync("VM.frobnicate", s));
        Assert.Equal(new[] { "SESSION_INVALID", "OpaqueRef:nope" }, await c.ErrorAsync("VM.frobnicate", "OpaqueRef:nope"));
        Assert.Equal(new[] { "MESSAGE_METHOD_UNKNOWN", "VM.frobnicate" }, await c.ErrorAsync("VM.frobnicate"));
    }

    [Fact]
    public async Task Bad_refs_and_uuids_name_the_datamodel_class()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        Assert.Equal(new[] { "HANDLE_INVALID", "VM", "OpaqueRef:missing" }, await c.ErrorAsync("VM.get_record", s, "OpaqueRef:missing"));
        Assert.Equal(new[] { "HANDLE_INVALID", "host", "OpaqueRef:missing" }, await c.ErrorAsync("host.get_name_label", s, "OpaqueRef:missing"));
        Assert.Equal(new[] { "UUID_INVALID", "SR", "0000" }, await c.ErrorAsync("SR.get_by_uuid", s, "0000"));
        var vm = (await c.ResultAsync("VM.get_by_name_label", s, "xennode01-vm1"))[0].GetString()!;
        var uuid = (await c.ResultAsync("VM.get_uuid", s, vm)).GetString()!;
        Assert.Equal(vm, (await c.ResultAsync("VM.get_by_uuid", s, uuid)).GetString());
        Assert.NotEqual(vm, "OpaqueRef:" + uuid);
    }

    [Fact]
    public async Task Wrong_argument_types_give_internal_error()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var vm = (await c.ResultAsync("VM.get_by_name_label", s, "xennode01-vm2"))[0].GetString()!;
        Assert.Equal("INTERNAL_ERROR", (await c.ErrorAsync("VM.set_VCPUs_params", s, vm, "not a map"))[0]);
        Assert.Equal("INTERNAL_ERROR", (await c.ErrorAsync("VM.get_record", s, 42))[0]);
    }

    [Fact]
    public async Task Supporter_answers_host_is_slave_with_the_coordinator_address()
    {
        using var supporter = Client(1);
        var coordinatorIp = _farm.Host.CoordinatorUrl.Host;
        Assert.Equal(new[] { "HOST_IS_SLAVE", coordinatorIp }, await supporter.ErrorAsync("session.login_with_password", "root", "xenroot"));
        using var c = Client();
        var s = await c.LoginAsync();
        Assert.Equal(new[] { "HOST_IS_SLAVE", coordinatorIp }, await supporter.ErrorAsync("VM.get_all", s));
        var local = (await supporter.ResultAsync("session.slave_local_login_with_password", "root", "xenroot")).GetString()!;
        await supporter.ResultAsync("session.local_logout", local);
        Assert.Equal(_farm.Host.HostUrls[1].Port, _farm.Host.CoordinatorUrl.Port);
    }

    [Fact]
    public async Task Session_getters_take_the_session_twice()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var host = (await c.ResultAsync("session.get_this_host", s, s)).GetString()!;
        Assert.Equal("xennode01", (await c.ResultAsync("host.get_name_label", s, host)).GetString());
        Assert.True((await c.ResultAsync("session.get_is_local_superuser", s, s)).GetBoolean());
        Assert.Empty((await c.ResultAsync("session.get_rbac_permissions", s, s)).EnumerateArray());
        Assert.Equal("xunit", (await c.ResultAsync("session.get_originator", s, s)).GetString());
        var rec = await c.ResultAsync("session.get_record", s, s);
        Assert.Equal("root", rec.GetProperty("auth_user_name").GetString());
    }

    [Fact]
    public async Task Sessions_work_across_protocols_and_logout_invalidates()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var xml = SimClient.ParseXmlResponse(await c.XmlRawAsync("pool.get_all", s));
        Assert.Equal("Success", xml.Status);
        await c.ResultAsync("session.logout", s);
        Assert.Equal(new[] { "SESSION_INVALID", s }, await c.ErrorAsync("pool.get_all", s));
    }

    [Fact]
    public async Task System_is_alive_and_async_of_sync_only_message_fails()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        Assert.Equal("MESSAGE_METHOD_UNKNOWN", (await c.ErrorAsync("Async.VM.get_record", s, "OpaqueRef:x"))[0]);
        var body = await c.XmlRawAsync("system.isAlive", "hello");
        Assert.Contains("<value>hello</value>", body);
    }

    [Fact]
    public async Task Underscore_spelling_is_accepted_for_sync_calls()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var pools = await c.ResultAsync("pool_get_all", s);
        Assert.Single(pools.EnumerateArray());
        Assert.Equal("xenpool", (await c.ResultAsync("pool.get_name_label", s, pools[0].GetString())).GetString());
    }
}
