using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using XenHa.Simulator.Inventory;
using Xunit;

namespace XenHa.Simulator.Tests;

public sealed class InventoryTests : IClassFixture<PooledFarm>
{
    private readonly PooledFarm _farm;

    public InventoryTests(PooledFarm farm) => _farm = farm;

    private SimClient Client() => new(_farm.Host.CoordinatorUrl);

    private static List<string> Names(JsonElement records) =>
        records.EnumerateObject().Select(p => p.Value.GetProperty("name_label").GetString()!).OrderBy(x => x).ToList();

    [Theory]
    [InlineData("field \"power_state\"=\"Running\" and field \"is_control_domain\"=\"false\"", "xennode01-vm1,xennode02-vm1,xennode03-vm1")]
    [InlineData("field \"name__label\"=\"xennode02-vm2\"", "xennode02-vm2")]
    [InlineData("field \"name__label\"=\"xennode02-vm2\" or field \"name__label\"=\"xennode03-vm2\"", "xennode02-vm2,xennode03-vm2")]
    [InlineData("not (field \"is_a_template\"=\"true\" or field \"is_control_domain\"=\"true\") and field \"power_state\"=\"Halted\"", "xennode01-vm2,xennode02-vm2,xennode03-vm2")]
    [InlineData("field \"memory__static_max\"=\"4294967296\" and field \"is_a_template\"=\"true\"", "Windows 10 (64-bit),Windows Server 2022 (64-bit)")]
    [InlineData("\"Debian Bookworm 12\"=field \"name__label\"", "Debian Bookworm 12")]
    [InlineData("false", "")]
    [InlineData("field \"name_label\"=\"xennode02-vm2\"", "")]
    public async Task Get_all_records_where_uses_the_db_representation(string expr, string expected)
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var r = await c.ResultAsync("VM.get_all_records_where", s, expr);
        Assert.Equal(expected, string.Join(",", Names(r)));
        var refs = await c.ResultAsync("VM.get_all_where", s, expr);
        Assert.Equal(r.EnumerateObject().Count(), refs.GetArrayLength());
    }

    [Fact]
    public async Task Where_true_returns_everything_and_parse_errors_are_invalid_value()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var all = await c.ResultAsync("VM.get_all", s);
        Assert.Equal(all.GetArrayLength(), (await c.ResultAsync("VM.get_all_records_where", s, "true")).EnumerateObject().Count());
        var err = await c.ErrorAsync("VM.get_all_records_where", s, "field \"power_state\"=");
        Assert.Equal("INVALID_VALUE", err[0]);
        Assert.Equal("field \"power_state\"=", err[1]);
        Assert.Equal(3, err.Length);
        Assert.Equal("INVALID_VALUE", (await c.ErrorAsync("VM.get_all_records_where", s, "(true"))[0]);
    }

    [Fact]
    public void Where_parser_precedence_and_binds_tighter_than_or()
    {
        var e = WhereExpr.Parse("\"a\"=\"b\" and \"a\"=\"b\" or \"x\"=\"x\"");
        Assert.True(e.Eval(_ => ""));
        var f = WhereExpr.Parse("\"x\"=\"x\" or \"a\"=\"b\" and \"a\"=\"b\"");
        Assert.True(f.Eval(_ => ""));
        var g = WhereExpr.Parse("not \"x\"=\"x\" or \"y\"=\"y\"");
        Assert.True(g.Eval(_ => ""));
        Assert.False(WhereExpr.Parse("not (\"x\"=\"x\" or \"y\"=\"y\")").Eval(_ => ""));
        Assert.Throws<System.FormatException>(() => WhereExpr.Parse("field power_state=\"x\""));
    }

    [Fact]
    public async Task Map_add_remove_and_duplicate_key()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var host = (await c.ResultAsync("host.get_by_name_label", s, "xennode02"))[0].GetString()!;
        var uuid = (await c.ResultAsync("host.get_uuid", s, host)).GetString()!;
        await c.ResultAsync("host.add_to_other_config", s, host, "MAINTENANCE_MODE", "true");
        Assert.Equal("true", (await c.ResultAsync("host.get_other_config", s, host)).GetProperty("MAINTENANCE_MODE").GetString());
        Assert.Equal(new[] { "MAP_DUPLICATE_KEY", "host", "other_config", uuid, "MAINTENANCE_MODE" },
            await c.ErrorAsync("host.add_to_other_config", s, host, "MAINTENANCE_MODE", "false"));
        await c.ResultAsync("host.remove_from_other_config", s, host, "MAINTENANCE_MODE");
        await c.ResultAsync("host.remove_from_other_config", s, host, "MAINTENANCE_MODE");
        Assert.False((await c.ResultAsync("host.get_other_config", s, host)).TryGetProperty("MAINTENANCE_MODE", out _));
    }

    [Fact]
    public async Task Set_add_remove_and_setters_only_for_rw_fields()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var vm = (await c.ResultAsync("VM.get_by_name_label", s, "xennode03-vm2"))[0].GetString()!;
        await c.ResultAsync("VM.add_tags", s, vm, "web");
        await c.ResultAsync("VM.add_tags", s, vm, "web");
        Assert.Equal(new[] { "web" }, (await c.ResultAsync("VM.get_tags", s, vm)).EnumerateArray().Select(x => x.GetString()).ToArray());
        await c.ResultAsync("VM.remove_tags", s, vm, "web");
        Assert.Empty((await c.ResultAsync("VM.get_tags", s, vm)).EnumerateArray());
        Assert.Equal("MESSAGE_METHOD_UNKNOWN", (await c.ErrorAsync("VM.set_power_state", s, vm, "Running"))[0]);
        var sr = (await c.ResultAsync("SR.get_all", s))[0].GetString()!;
        await c.ResultAsync("SR.set_name_description", s, sr, "renamed");
        Assert.Equal("renamed", (await c.ResultAsync("SR.get_name_description", s, sr)).GetString());
    }

    [Fact]
    public async Task Explicit_vm_setters_validate()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var vm = (await c.ResultAsync("VM.get_by_name_label", s, "xennode02-vm1"))[0].GetString()!;
        await c.ResultAsync("VM.set_order", s, vm, "3");
        Assert.Equal(3, (await c.ResultAsync("VM.get_order", s, vm)).GetInt64());
        await c.ResultAsync("VM.set_ha_restart_priority", s, vm, "restart");
        Assert.Equal(new[] { "INVALID_VALUE", "ha_restart_priority", "always" }, await c.ErrorAsync("VM.set_ha_restart_priority", s, vm, "always"));
        Assert.Equal("restart", (await c.ResultAsync("VM.get_ha_restart_priority", s, vm)).GetString());
    }

    [Fact]
    public async Task Every_schema_field_appears_in_get_record_for_every_class()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        await c.ResultAsync("task.create", s, "probe", "");
        foreach (var cls in Schema.Classes.Values.Where(x => x.ExposeGetAll))
        {
            var all = await c.ResultAsync(cls.Name + ".get_all_records", s);
            if (cls.Name == "message") continue;
            var first = Assert.Single(all.EnumerateObject().Take(1));
            var keys = first.Value.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(cls.Fields.Select(f => f.Name).ToList(), keys);
            var rec = await c.ResultAsync(cls.Name + ".get_record", s, first.Name);
            Assert.Equal(keys, rec.EnumerateObject().Select(p => p.Name).ToList());
        }

        var session = await c.ResultAsync("session.get_record", s, s);
        Assert.Equal(Schema.Get("session").Fields.Select(f => f.Name), session.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Reverse_references_are_consistent()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var hosts = await c.ResultAsync("host.get_all_records", s);
        var vms = await c.ResultAsync("VM.get_all_records", s);
        foreach (var h in hosts.EnumerateObject())
        {
            var resident = h.Value.GetProperty("resident_VMs").EnumerateArray().Select(x => x.GetString()!).OrderBy(x => x).ToList();
            var expected = vms.EnumerateObject().Where(v => v.Value.GetProperty("resident_on").GetString() == h.Name).Select(v => v.Name).OrderBy(x => x).ToList();
            Assert.Equal(expected, resident);
            Assert.Equal(2, resident.Count);
            var dom0 = h.Value.GetProperty("control_domain").GetString()!;
            Assert.Contains(dom0, resident);
            Assert.Single(h.Value.GetProperty("PIFs").EnumerateArray());
            Assert.Equal(2, h.Value.GetProperty("PBDs").GetArrayLength());
        }

        var vm = vms.EnumerateObject().First(v => v.Value.GetProperty("name_label").GetString() == "xennode01-vm1");
        var vbd = vm.Value.GetProperty("VBDs")[0].GetString()!;
        Assert.Equal(vm.Name, (await c.ResultAsync("VBD.get_VM", s, vbd)).GetString());
        var net = (await c.ResultAsync("network.get_all_records", s)).EnumerateObject().Single();
        Assert.Equal(3, net.Value.GetProperty("PIFs").GetArrayLength());
        Assert.Equal(6, net.Value.GetProperty("VIFs").GetArrayLength());
    }

    [Fact]
    public async Task Pooled_preset_shape()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var pool = (await c.ResultAsync("pool.get_all_records", s)).EnumerateObject().Single();
        Assert.Equal("xenpool", pool.Value.GetProperty("name_label").GetString());
        Assert.Equal("xennode01", (await c.ResultAsync("host.get_name_label", s, pool.Value.GetProperty("master").GetString())).GetString());
        var vms = (await c.ResultAsync("VM.get_all_records", s)).EnumerateObject().Select(p => p.Value).ToList();
        Assert.Equal(6, vms.Count(v => !v.GetProperty("is_a_template").GetBoolean() && !v.GetProperty("is_control_domain").GetBoolean()));
        Assert.Equal(8, vms.Count(v => v.GetProperty("is_default_template").GetBoolean()));
        var running = vms.First(v => v.GetProperty("name_label").GetString() == "xennode01-vm1");
        Assert.Contains("clean_shutdown", running.GetProperty("allowed_operations").EnumerateArray().Select(x => x.GetString()));
        Assert.DoesNotContain("start", running.GetProperty("allowed_operations").EnumerateArray().Select(x => x.GetString()));
        var gm = running.GetProperty("guest_metrics").GetString()!;
        Assert.Equal("8", (await c.ResultAsync("VM_guest_metrics.get_PV_drivers_version", s, gm)).GetProperty("major").GetString());
        var template = vms.First(v => v.GetProperty("name_label").GetString() == "Debian Bookworm 12");
        Assert.Contains("sr=\"\"", template.GetProperty("other_config").GetProperty("disks").GetString());
        var host = pool.Value.GetProperty("master").GetString()!;
        var metrics = await c.ResultAsync("host_metrics.get_record", s, (await c.ResultAsync("host.get_metrics", s, host)).GetString());
        var total = metrics.GetProperty("memory_total").GetInt64();
        Assert.Equal(256L << 30, total);
        var free = metrics.GetProperty("memory_free").GetInt64();
        Assert.True(free < total - (6L << 30), $"free {free} must account for dom0 and the running VM");
        Assert.Equal(free, (await c.ResultAsync("host.compute_free_memory", s, host)).GetInt64());
    }
}

public sealed class StandaloneTests : IClassFixture<StandaloneFarm>
{
    private readonly StandaloneFarm _farm;

    public StandaloneTests(StandaloneFarm farm) => _farm = farm;

    [Fact]
    public async Task Each_fresh_host_is_a_pool_of_one_on_its_own_address()
    {
        Assert.Equal(3, _farm.Host.HostUrls.Count);
        for (var k = 0; k < 3; k++)
        {
            var url = _farm.Host.HostUrls[k];
            Assert.Equal($"127.0.0.{k + 1}", url.Host);
            Assert.Equal(_farm.Host.Port, url.Port);
            using var c = new SimClient(url);
            var s = await c.LoginAsync();
            var pool = (await c.ResultAsync("pool.get_all_records", s)).EnumerateObject().Single();
            Assert.Equal("", pool.Value.GetProperty("name_label").GetString());
            var host = (await c.ResultAsync("host.get_all", s)).EnumerateArray().Single().GetString();
            Assert.Equal(host, pool.Value.GetProperty("master").GetString());
            Assert.Equal($"xennode0{k + 1}", (await c.ResultAsync("host.get_name_label", s, host)).GetString());
            Assert.Equal(url.Host, (await c.ResultAsync("host.get_address", s, host)).GetString());
            Assert.Equal(21, (await c.ResultAsync("host.get_API_version_minor", s, host)).GetInt64());
            var pif = (await c.ResultAsync("host.get_management_interface", s, host)).GetString();
            Assert.Equal(url.Host, (await c.ResultAsync("PIF.get_IP", s, pif)).GetString());
            var vms = (await c.ResultAsync("VM.get_all_records", s)).EnumerateObject().Select(p => p.Value).ToList();
            Assert.Single(vms, v => v.GetProperty("is_control_domain").GetBoolean());
            Assert.Equal($"Control domain on host: xennode0{k + 1}", vms.Single(v => v.GetProperty("is_control_domain").GetBoolean()).GetProperty("name_label").GetString());
            Assert.Equal(new[] { "SESSION_INVALID", s }, await new SimClient(_farm.Host.HostUrls[(k + 1) % 3]).ErrorAsync("pool.get_all", s));
        }
    }
}
