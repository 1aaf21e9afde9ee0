using System;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Tasks;
using XenHa.Simulator.Farm;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>A pooled farm with VMs and three RBAC users besides root.</summary>
public sealed class RbacFarm : IAsyncLifetime
{
    public const string AuditorPassword = "Aud1tor-pw";
    public const string OperatorPassword = "0perator-pw";
    public const string AdminPassword = "Adm1n-pw";

    public SimulatorHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new SimulatorOptions { Speed = 500, Farm = { Hosts = 3, Preset = "pooled-with-vms" } };
        options.Farm.Users.Add(new SimUser("auditor", AuditorPassword, "read-only"));
        options.Farm.Users.Add(new SimUser("operator", OperatorPassword, "vm-operator"));
        options.Farm.Users.Add(new SimUser("admin", AdminPassword, "pool-admin"));
        Host = await SimulatorHost.StartAsync(options);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class RbacTests(RbacFarm farm) : IClassFixture<RbacFarm>
{
    private const string VmOperatorAndAbove = "No permission in user session. (Roles with this permission: pool-admin, pool-operator, vm-power-admin, vm-admin, vm-operator)";

    private SimClient Client() => new SimClient(farm.Host.CoordinatorUrl);

    private static async Task<string> RunningVm(SimClient c, string session)
    {
        var vms = await c.ResultAsync("VM.get_all_records_where", session, "field \"power_state\"=\"Running\" and field \"is_control_domain\"=\"false\"");
        return vms.EnumerateObject().First().Name;
    }

    private static async Task<string> Power(SimClient c, string session, string vm) =>
        (await c.ResultAsync("VM.get_power_state", session, vm)).GetString()!;

    [Fact]
    public async Task A_read_only_user_logs_in_and_reads_but_is_no_superuser()
    {
        using var c = Client();
        var s = await c.LoginAsync("auditor", RbacFarm.AuditorPassword);
        Assert.False((await c.ResultAsync("session.get_is_local_superuser", s, s)).GetBoolean());
        Assert.Equal("auditor", (await c.ResultAsync("session.get_auth_user_name", s, s)).GetString());
        Assert.StartsWith("S-1-5-21-", (await c.ResultAsync("session.get_auth_user_sid", s, s)).GetString());
        var permissions = (await c.ResultAsync("session.get_rbac_permissions", s, s)).EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains("vm.get_all_records", permissions);
        Assert.Contains("session.logout", permissions);
        Assert.DoesNotContain("vm.start", permissions);
        Assert.DoesNotContain("host.disable", permissions);
        Assert.NotEmpty((await c.ResultAsync("VM.get_all_records", s)).EnumerateObject());
        Assert.NotEmpty((await c.ResultAsync("host.get_all", s)).EnumerateArray());
    }

    [Fact]
    public async Task A_write_by_a_read_only_session_is_refused_with_xapis_permission_and_message_and_changes_nothing()
    {
        using var c = Client();
        var root = await c.LoginAsync();
        var vm = await RunningVm(c, root);
        var s = await c.LoginAsync("auditor", RbacFarm.AuditorPassword);
        Assert.Equal(new[] { "RBAC_PERMISSION_DENIED", "vm.clean_shutdown", VmOperatorAndAbove }, await c.ErrorAsync("VM.clean_shutdown", s, vm));
        Assert.Equal("Running", await Power(c, root, vm));
        Assert.Equal(new[] { "RBAC_PERMISSION_DENIED", "vm.set_name_label",
            "No permission in user session. (Roles with this permission: pool-admin, pool-operator, vm-power-admin, vm-admin)" },
            await c.ErrorAsync("VM.set_name_label", s, vm, "renamed"));
        Assert.Equal(new[] { "RBAC_PERMISSION_DENIED", "pool.join", "No permission in user session. (Roles with this permission: pool-admin)" },
            await c.ErrorAsync("pool.join", s, "192.0.2.99", "root", "x"));
    }

    [Fact]
    public async Task An_async_write_by_a_read_only_session_fails_in_its_task()
    {
        using var c = Client();
        var root = await c.LoginAsync();
        var vm = await RunningVm(c, root);
        var s = await c.LoginAsync("auditor", RbacFarm.AuditorPassword);
        var task = (await c.ResultAsync("Async.VM.clean_shutdown", s, vm)).GetString()!;
        JsonElement record = default;
        await VmKit.Until(async () =>
        {
            record = await c.ResultAsync("task.get_record", s, task);
            return record.GetProperty("status").GetString() != "pending";
        }, "the task to finish");
        Assert.Equal("failure", record.GetProperty("status").GetString());
        Assert.Equal(new[] { "RBAC_PERMISSION_DENIED", "vm.clean_shutdown", VmOperatorAndAbove },
            record.GetProperty("error_info").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal("Running", await Power(c, root, vm));
    }

    [Fact]
    public async Task A_vm_operator_may_power_vms_but_not_reconfigure_them_or_the_pool()
    {
        using var c = Client();
        var root = await c.LoginAsync();
        var s = await c.LoginAsync("operator", RbacFarm.OperatorPassword);
        var vm = await RunningVm(c, root);
        await c.ResultAsync("VM.clean_shutdown", s, vm);
        Assert.Equal("Halted", await Power(c, root, vm));
        await c.ResultAsync("VM.start", s, vm, false, false);
        Assert.Equal("Running", await Power(c, root, vm));
        Assert.Equal("RBAC_PERMISSION_DENIED", (await c.ErrorAsync("VM.set_name_label", s, vm, "renamed"))[0]);
        var host = (await c.ResultAsync("host.get_all", s))[1].GetString()!;
        Assert.Equal(new[] { "RBAC_PERMISSION_DENIED", "host.disable",
            "No permission in user session. (Roles with this permission: pool-admin, pool-operator)" }, await c.ErrorAsync("host.disable", s, host));
        Assert.True((await c.ResultAsync("host.get_enabled", root, host)).GetBoolean());
    }

    [Fact]
    public async Task A_pool_admin_user_may_change_the_pool_without_being_the_local_superuser()
    {
        using var c = Client();
        var s = await c.LoginAsync("admin", RbacFarm.AdminPassword);
        Assert.False((await c.ResultAsync("session.get_is_local_superuser", s, s)).GetBoolean());
        var pool = (await c.ResultAsync("pool.get_all", s))[0].GetString()!;
        var name = (await c.ResultAsync("pool.get_name_label", s, pool)).GetString()!;
        await c.ResultAsync("pool.set_name_label", s, pool, "renamed by admin");
        await c.ResultAsync("pool.set_name_label", s, pool, name);
        Assert.Contains(farm.Host.Farm.Options.Users, u => u.Name == "admin");
    }

    [Fact]
    public async Task A_wrong_password_for_an_rbac_user_is_an_authentication_failure()
    {
        using var c = Client();
        Assert.Equal(new[] { "SESSION_AUTHENTICATION_FAILED", "auditor", "Authentication failure" },
            await c.ErrorAsync("session.login_with_password", "auditor", RbacFarm.OperatorPassword, "2.21", "xunit"));
    }

    [Fact]
    public async Task The_control_plane_never_accepts_xapi_credentials()
    {
        using var c = Client();
        var session = await c.LoginAsync();
        using var http = new HttpClient();
        var attempts = new[]
        {
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("root:xenroot"))),
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + RbacFarm.AdminPassword))),
            new AuthenticationHeaderValue("Bearer", session),
            new AuthenticationHeaderValue("Bearer", "xenroot"),
            new AuthenticationHeaderValue("Bearer", RbacFarm.AdminPassword),
        };
        foreach (var auth in attempts)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(farm.Host.ControlUrl, "hosts/xennode02/power-off"));
            request.Headers.Authorization = auth;
            using var response = await http.SendAsync(request);
            Assert.Equal(401, (int)response.StatusCode);
        }

        Assert.Equal("127.0.0.1", farm.Host.ControlUrl.Host);
        Assert.True((await c.ResultAsync("host.get_enabled", session, (await c.ResultAsync("host.get_all", session))[1].GetString()!)).GetBoolean());
    }

    [Fact]
    public void The_command_line_takes_users_with_roles_and_their_passwords_from_the_environment()
    {
        Assert.Equal("XENHA_SIM_PASSWORD_AUDIT_2", Program.PasswordVariable("audit-2"));
        Environment.SetEnvironmentVariable("XENHA_SIM_PASSWORD_RBAC_CLI_TEST", "from-env");
        try
        {
            var (options, _) = Program.Parse(new[] { "--user-role", "rbac.cli.test:Read-Only" });
            Assert.Equal(new SimUser("rbac.cli.test", "from-env", "read-only"), Assert.Single(options.Farm.Users));
            Assert.Contains("unknown role", Assert.Throws<ArgumentException>(() => Program.Parse(new[] { "--user-role", "rbac.cli.test:superuser" })).Message);
            Assert.Contains("$XENHA_SIM_PASSWORD_NOBODY", Assert.Throws<ArgumentException>(() => Program.Parse(new[] { "--user-role", "nobody:read-only" })).Message);
            Assert.Contains("twice", Assert.Throws<ArgumentException>(() => Program.Parse(new[] { "--user-role", "rbac.cli.test:read-only", "--user-role", "rbac.cli.test:vm-admin" })).Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XENHA_SIM_PASSWORD_RBAC_CLI_TEST", null);
        }
    }
}
