using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>Helpers for pool/storage tests: a fast-clock farm per test and polling.</summary>
internal static class PoolKit
{
    public static Task<SimulatorHost> Start(int hosts = 3, string preset = "none", Action<FarmOptions>? tweak = null)
    {
        var o = new SimulatorOptions { Speed = 10, Farm = { Hosts = hosts, Preset = preset } };
        tweak?.Invoke(o.Farm);
        return SimulatorHost.StartAsync(o);
    }

    public static string Address(SimulatorHost sim, int k) => sim.HostUrls[k - 1].Host;

    public static async Task Until(Func<Task<bool>> cond, int ms = 10000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(ms);
        while (!await cond())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(20);
        }
    }

    /// <summary>Joins host k (1-based) to the coordinator host 1 and waits until it is enabled there.</summary>
    public static async Task Join(SimulatorHost sim, int k)
    {
        using var j = new SimClient(sim.HostUrls[k - 1]);
        var s = await j.LoginAsync();
        await j.ResultAsync("pool.join", s, Address(sim, 1), "root", "xenroot");
        using var c = new SimClient(sim.HostUrls[0]);
        var cs = await c.LoginAsync();
        await Until(async () =>
        {
            var hosts = await c.ResultAsync("host.get_all_records", cs);
            return hosts.EnumerateObject().Any(h => h.Value.GetProperty("address").GetString() == Address(sim, k) && h.Value.GetProperty("enabled").GetBoolean());
        });
    }

    public static T Locked<T>(SimulatorHost sim, Func<SimFarm, T> f)
    {
        lock (sim.Farm.Lock) return f(sim.Farm);
    }

    public static (Db Db, Rec Host) HostRec(SimulatorHost sim, int k) => Locked(sim, f => f.HostByAddress(Address(sim, k))!.Value);
}

public sealed class PoolTests
{
    [Fact]
    public async Task Join_merges_the_host_and_the_joiner_then_answers_HOST_IS_SLAVE()
    {
        await using var sim = await PoolKit.Start(preset: "none");
        var before = PoolKit.Locked(sim, f => f.Pools.Count);
        var templates = PoolKit.Locked(sim, f => f.HostByAddress(PoolKit.Address(sim, 1))!.Value.Db.All("VM").Count(v => v.Bool("is_a_template")));
        var (_, joinerHost) = PoolKit.HostRec(sim, 2);
        using var j = new SimClient(sim.HostUrls[1]);
        var js = await j.LoginAsync();
        await j.ResultAsync("pool.join", js, PoolKit.Address(sim, 1), "root", "xenroot");

        using var c = new SimClient(sim.HostUrls[0]);
        var cs = await c.LoginAsync();
        await PoolKit.Until(async () => (await c.ResultAsync("host.get_all", cs)).GetArrayLength() == 2);
        var host = (await c.ResultAsync("host.get_by_uuid", cs, joinerHost.Uuid)).GetString();
        Assert.Equal(joinerHost.Ref, host);
        Assert.False((await c.ResultAsync("host.get_enabled", cs, host)).GetBoolean());
        await PoolKit.Until(async () => (await c.ResultAsync("host.get_enabled", cs, host)).GetBoolean());

        Assert.Equal(new[] { "HOST_IS_SLAVE", PoolKit.Address(sim, 1) }, await j.ErrorAsync("session.login_with_password", "root", "xenroot", "2.21", "x"));
        Assert.Equal(new[] { "HOST_IS_SLAVE", PoolKit.Address(sim, 1) }, await j.ErrorAsync("pool.get_all", js));
        Assert.Equal(new[] { "SESSION_INVALID", js }, await c.ErrorAsync("pool.get_all", js));
        Assert.Equal(before - 1, PoolKit.Locked(sim, f => f.Pools.Count));

        // One network: the joiner's eth0 PIF is on the pool's eth0 network.
        var nets = await c.ResultAsync("network.get_all_records", cs);
        var net = Assert.Single(nets.EnumerateObject());
        Assert.Equal(2, net.Value.GetProperty("PIFs").GetArrayLength());
        // Its local SR, PBDs, dom0 came along; templates did not double.
        var hostRec = await c.ResultAsync("host.get_record", cs, host);
        Assert.Equal(2, hostRec.GetProperty("PBDs").GetArrayLength());
        Assert.Single(hostRec.GetProperty("resident_VMs").EnumerateArray());
        var vms = await c.ResultAsync("VM.get_all_records", cs);
        Assert.Equal(templates, vms.EnumerateObject().Count(v => v.Value.GetProperty("is_a_template").GetBoolean()));
        Assert.Equal(2, vms.EnumerateObject().Count(v => v.Value.GetProperty("is_control_domain").GetBoolean()));
        Assert.Equal(2, (await c.ResultAsync("SR.get_by_name_label", cs, "Local storage")).GetArrayLength());
    }

    [Fact]
    public async Task Async_join_task_succeeds_before_the_joiner_turns_supporter_and_halted_guests_are_dropped()
    {
        await using var sim = await PoolKit.Start(preset: "none");
        PoolKit.Locked(sim, f =>
        {
            var (db, h) = f.HostByAddress(PoolKit.Address(sim, 3))!.Value;
            return db.Create("VM", new Dictionary<string, object?> { ["name_label"] = "halted-guest", ["power_state"] = "Halted", ["affinity"] = h.Ref });
        });
        using var j = new SimClient(sim.HostUrls[2]);
        var js = await j.LoginAsync();
        var task = (await j.ResultAsync("Async.pool.join", js, PoolKit.Address(sim, 1), "root", "xenroot")).GetString();
        string status = "pending";
        await PoolKit.Until(async () => (status = (await j.ResultAsync("task.get_status", js, task)).GetString()!) != "pending");
        Assert.Equal("success", status);
        await PoolKit.Until(async () => (await j.JsonAsync("pool.get_all", js)).TryGetProperty("error", out _));
        using var c = new SimClient(sim.HostUrls[0]);
        var cs = await c.LoginAsync();
        await PoolKit.Until(async () => (await c.ResultAsync("host.get_all", cs)).GetArrayLength() == 2);
        Assert.Equal(0, (await c.ResultAsync("VM.get_by_name_label", cs, "halted-guest")).GetArrayLength());
    }

    [Fact]
    public async Task Join_refusals_connection_credentials_supporter_and_self()
    {
        await using var sim = await PoolKit.Start(preset: "none");
        using var j = new SimClient(sim.HostUrls[1]);
        var js = await j.LoginAsync();
        Assert.Equal(new[] { "JOINING_HOST_CONNECTION_FAILED" }, await j.ErrorAsync("pool.join", js, "192.0.2.250", "root", "xenroot"));
        Assert.Equal(new[] { "SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure" },
            await j.ErrorAsync("pool.join", js, PoolKit.Address(sim, 1), "root", "wrong"));
        Assert.Equal(new[] { "OPERATION_NOT_ALLOWED", "Host cannot become slave of itself" },
            await j.ErrorAsync("pool.join", js, PoolKit.Address(sim, 2), "root", "xenroot"));

        // Failed async join: error_info on the task.
        var task = (await j.ResultAsync("Async.pool.join", js, PoolKit.Address(sim, 1), "root", "bad")).GetString();
        await PoolKit.Until(async () => (await j.ResultAsync("task.get_status", js, task)).GetString() != "pending");
        var info = (await j.ResultAsync("task.get_error_info", js, task)).EnumerateArray().Select(x => x.GetString()).ToArray();
        Assert.Equal(new[] { "SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure" }, info);

        await PoolKit.Join(sim, 3);
        Assert.Equal(new[] { "HOST_IS_SLAVE", PoolKit.Address(sim, 1) }, await j.ErrorAsync("pool.join", js, PoolKit.Address(sim, 3), "root", "xenroot"));

        // The coordinator of a pool of two cannot join anything (here: another standalone host).
        await using var sim4 = await PoolKit.Start(4, "none");
        await PoolKit.Join(sim4, 2);
        using var c = new SimClient(sim4.HostUrls[0]);
        var cs = await c.LoginAsync();
        Assert.Equal(new[] { "JOINING_HOST_CANNOT_BE_MASTER_OF_OTHER_HOSTS" }, await c.ErrorAsync("pool.join", cs, PoolKit.Address(sim4, 3), "root", "xenroot"));
        Assert.Equal(new[] { "OPERATION_NOT_ALLOWED", "Host is already part of a pool" }, await c.ErrorAsync("pool.join", cs, PoolKit.Address(sim4, 1), "root", "xenroot"));
    }

    [Fact]
    public async Task Join_prechecks_in_xapi_order()
    {
        await using var sim = await PoolKit.Start(preset: "none");
        using var j = new SimClient(sim.HostUrls[1]);
        var js = await j.LoginAsync();
        var (jdb, jh) = PoolKit.HostRec(sim, 2);
        var (pdb, _) = PoolKit.HostRec(sim, 1);
        var target = PoolKit.Address(sim, 1);

        // A running guest and a shared SR and an API mismatch and HA on both sides: HA wins, then the VM, then the SR, then the API.
        PoolKit.Locked(sim, f =>
        {
            var vm = jdb.Create("VM", new Dictionary<string, object?> { ["name_label"] = "busy", ["power_state"] = "Running", ["resident_on"] = jh.Ref });
            jdb.Create("SR", new Dictionary<string, object?> { ["name_label"] = "nfs", ["type"] = "nfs", ["shared"] = true });
            jh.Fields["API_version_minor"] = 20L;
            SimFarm.Pool(jdb).Fields["ha_enabled"] = true;
            SimFarm.Pool(pdb).Fields["ha_enabled"] = true;
            return vm;
        });
        Assert.Equal(new[] { "HA_IS_ENABLED" }, await j.ErrorAsync("pool.join", js, target, "root", "xenroot"));
        PoolKit.Locked(sim, f => SimFarm.Pool(jdb).Fields["ha_enabled"] = false);
        Assert.Equal(new[] { "HA_IS_ENABLED" }, await j.ErrorAsync("pool.join", js, target, "root", "xenroot"));
        PoolKit.Locked(sim, f => SimFarm.Pool(pdb).Fields["ha_enabled"] = false);
        Assert.Equal(new[] { "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS" }, await j.ErrorAsync("pool.join", js, target, "root", "xenroot"));
        PoolKit.Locked(sim, f => jdb.All("VM").First(v => v.Str("name_label") == "busy").Fields["power_state"] = "Halted");
        Assert.Equal(new[] { "JOINING_HOST_CANNOT_CONTAIN_SHARED_SRS" }, await j.ErrorAsync("pool.join", js, target, "root", "xenroot"));
        PoolKit.Locked(sim, f => jdb.All("SR").First(s => s.Str("name_label") == "nfs").Fields["shared"] = false);
        Assert.Equal(new[] { "POOL_JOINING_HOST_MUST_HAVE_SAME_API_VERSION", "2.20", "2.21" }, await j.ErrorAsync("pool.join", js, target, "root", "xenroot"));
        PoolKit.Locked(sim, f => jh.Fields["software_version"] = new Dictionary<string, object?>(jh.Map("software_version")) { ["platform_version"] = "3.2.1" });
        Assert.Equal(new[] { "HOSTS_NOT_COMPATIBLE" }, await j.ErrorAsync("pool.join", js, target, "root", "xenroot"));
        // Nothing moved.
        Assert.Equal(3, PoolKit.Locked(sim, f => f.Pools.Count));
    }

    [Fact]
    public async Task Free_edition_limits_pool_size()
    {
        await using var sim = await PoolKit.Start(4, "none", o => o.FreeEdition = true);
        await PoolKit.Join(sim, 2);
        await PoolKit.Join(sim, 3);
        using var j = new SimClient(sim.HostUrls[3]);
        var js = await j.LoginAsync();
        Assert.Equal(new[] { "LICENCE_RESTRICTION", "Pool_size" }, await j.ErrorAsync("pool.join", js, PoolKit.Address(sim, 1), "root", "xenroot"));
    }

    [Fact]
    public async Task Eject_refusals_and_fresh_standalone_host()
    {
        await using var sim = await PoolKit.Start(3, "pooled-with-vms");
        using var c = new SimClient(sim.CoordinatorUrl);
        var s = await c.LoginAsync();
        var master = (await c.ResultAsync("pool.get_master", s, (await c.ResultAsync("pool.get_all", s))[0].GetString())).GetString();
        Assert.Equal(new[] { "INTERNAL_ERROR", "Xapi_pool.Cannot_eject_master" }, await c.ErrorAsync("pool.eject", s, master));
        var (_, h2) = PoolKit.HostRec(sim, 2);
        Assert.Equal(new[] { "OPERATION_NOT_ALLOWED", "VM resident on host" }, await c.ErrorAsync("pool.eject", s, h2.Ref));

        // Halt xennode02's running guest, then eject.
        PoolKit.Locked(sim, f =>
        {
            var (db, _) = f.HostByAddress(PoolKit.Address(sim, 2))!.Value;
            foreach (var vm in db.All("VM").Where(v => v.Str("resident_on") == h2.Ref && !v.Bool("is_control_domain")))
            {
                vm.Fields["power_state"] = "Halted";
                vm.Fields["resident_on"] = "OpaqueRef:NULL";
            }

            return 0;
        });
        await c.ResultAsync("pool.eject", s, h2.Ref);
        Assert.Equal(2, (await c.ResultAsync("host.get_all", s)).GetArrayLength());
        Assert.Equal(0, (await c.ResultAsync("VM.get_by_name_label", s, "xennode02-vm1")).GetArrayLength());
        Assert.Equal(1, (await c.ResultAsync("VM.get_by_name_label", s, "xennode03-vm1")).GetArrayLength());

        using var e = new SimClient(sim.HostUrls[1]);
        var es = await e.LoginAsync();
        var pool = (await e.ResultAsync("pool.get_all_records", es)).EnumerateObject().Single().Value;
        Assert.Equal("", pool.GetProperty("name_label").GetString());
        var hosts = (await e.ResultAsync("host.get_all_records", es)).EnumerateObject().ToList();
        var fresh = Assert.Single(hosts);
        Assert.NotEqual(h2.Uuid, fresh.Value.GetProperty("uuid").GetString());
        Assert.Equal("xennode02", fresh.Value.GetProperty("name_label").GetString());
        Assert.Equal(0, (await e.ResultAsync("VM.get_all_records", es)).EnumerateObject().Count(v => !v.Value.GetProperty("is_a_template").GetBoolean() && !v.Value.GetProperty("is_control_domain").GetBoolean()));
        await PoolKit.Until(async () => (await e.ResultAsync("host.get_enabled", es, fresh.Name)).GetBoolean());

        // It can join again.
        await PoolKit.Join(sim, 2);
        Assert.Equal(3, (await c.ResultAsync("host.get_all", s)).GetArrayLength());
    }

    [Fact]
    public async Task Designate_new_master_moves_HOST_IS_SLAVE()
    {
        await using var sim = await PoolKit.Start(3, "pooled");
        using var c = new SimClient(sim.CoordinatorUrl);
        var s = await c.LoginAsync();
        var (_, h2) = PoolKit.HostRec(sim, 2);
        PoolKit.Locked(sim, f => SimFarm.Pool(f.Pools[0]).Fields["ha_enabled"] = true);
        Assert.Equal(new[] { "HA_IS_ENABLED" }, await c.ErrorAsync("pool.designate_new_master", s, h2.Ref));
        PoolKit.Locked(sim, f => SimFarm.Pool(f.Pools[0]).Fields["ha_enabled"] = false);
        await c.ResultAsync("pool.designate_new_master", s, h2.Ref);
        var addr2 = PoolKit.Address(sim, 2);
        Assert.Equal(new[] { "HOST_IS_SLAVE", addr2 }, await c.ErrorAsync("session.login_with_password", "root", "xenroot", "2.21", "x"));
        using var c3 = new SimClient(sim.HostUrls[2]);
        Assert.Equal(new[] { "HOST_IS_SLAVE", addr2 }, await c3.ErrorAsync("session.login_with_password", "root", "xenroot", "2.21", "x"));
        using var c2 = new SimClient(sim.HostUrls[1]);
        var s2 = await c2.LoginAsync();
        Assert.Equal(h2.Ref, (await c2.ResultAsync("pool.get_master", s2, (await c2.ResultAsync("pool.get_all", s2))[0].GetString())).GetString());
    }

    [Fact]
    public async Task Pool_setters_validate_SR_refs_and_accept_null()
    {
        await using var sim = await PoolKit.Start(1, "none");
        using var c = new SimClient(sim.CoordinatorUrl);
        var s = await c.LoginAsync();
        var pool = (await c.ResultAsync("pool.get_all", s))[0].GetString();
        await c.ResultAsync("pool.set_name_label", s, pool, "Lab pool");
        await c.ResultAsync("pool.set_name_description", s, pool, "article");
        Assert.Equal("Lab pool", (await c.ResultAsync("pool.get_name_label", s, pool)).GetString());
        Assert.Equal(new[] { "HANDLE_INVALID", "SR", "OpaqueRef:nope" }, await c.ErrorAsync("pool.set_default_SR", s, pool, "OpaqueRef:nope"));
        Assert.Equal(new[] { "HANDLE_INVALID", "SR", "OpaqueRef:nope" }, await c.ErrorAsync("pool.set_crash_dump_SR", s, pool, "OpaqueRef:nope"));
        await c.ResultAsync("pool.set_default_SR", s, pool, "OpaqueRef:NULL");
        Assert.Equal("OpaqueRef:NULL", (await c.ResultAsync("pool.get_default_SR", s, pool)).GetString());
        var sr = (await c.ResultAsync("SR.get_by_name_label", s, "Local storage"))[0].GetString();
        await c.ResultAsync("pool.set_suspend_image_SR", s, pool, sr);
        Assert.Equal(sr, (await c.ResultAsync("pool.get_suspend_image_SR", s, pool)).GetString());
    }
}
