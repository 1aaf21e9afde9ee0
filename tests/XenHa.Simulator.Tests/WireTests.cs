using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

public sealed class WireTests : IClassFixture<PooledFarm>
{
    private readonly PooledFarm _farm;

    public WireTests(PooledFarm farm) => _farm = farm;

    private SimClient Client() => new(_farm.Host.CoordinatorUrl);

    private static async Task<string> Xennode01Async(SimClient c, string session)
    {
        var hosts = (await c.ResultAsync("host.get_by_name_label", session, "xennode01")).EnumerateArray().ToList();
        return Assert.Single(hosts).GetString()!;
    }

    [Fact]
    public async Task XmlRpc_success_envelope_is_byte_exact()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var host = await Xennode01Async(c, s);
        var (status, type, body) = await c.PostAsync("/", SimClient.XmlCall("host.get_name_label", s, host));
        Assert.Equal(200, status);
        Assert.Equal("text/xml", type);
        Assert.Equal(SimClient.Fixture("xmlrpc_success_string.xml"), body);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/RPC2")]
    [InlineData("/xmlrpc")]
    public async Task XmlRpc_failure_envelope_is_byte_exact_on_any_path(string path)
    {
        using var c = Client();
        var (status, _, body) = await c.PostAsync(path, SimClient.XmlCall("session.login_with_password", "root", "wrong"));
        Assert.Equal(200, status);
        Assert.Equal(SimClient.Fixture("xmlrpc_failure_auth.xml"), body);
    }

    [Fact]
    public async Task ListMethods_is_a_bare_array_with_every_get_all_records()
    {
        using var c = Client();
        var body = await c.XmlRawAsync("system.listMethods");
        var frame = SimClient.Fixture("xmlrpc_listmethods_frame.txt").Split('\n');
        Assert.StartsWith(frame[0], body);
        Assert.EndsWith(frame[1], body);
        var inner = body.Substring(frame[0].Length, body.Length - frame[0].Length - frame[1].Length);
        var items = System.Text.RegularExpressions.Regex.Matches(inner, "<value>([^<]*)</value>").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(inner, string.Concat(items.Select(i => $"<value>{i}</value>")));
        foreach (var cls in new[] { "pool", "host", "host_metrics", "VM", "VM_metrics", "VM_guest_metrics", "SR", "PBD", "VDI", "VBD", "VIF", "network", "PIF", "task", "message" })
            Assert.Contains(cls + ".get_all_records", items);
        Assert.Contains("session.login_with_password", items);
        Assert.Contains("event.from", items);
        Assert.DoesNotContain("session.get_all_records", items);
    }

    [Fact]
    public async Task JsonRpc_v1_envelopes_are_exact_and_echo_numeric_id()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var host = await Xennode01Async(c, s);
        var ok = await c.PostAsync("/jsonrpc", $"{{\"method\":\"host.get_name_label\",\"params\":[\"{s}\",\"{host}\"],\"id\":7}}", "application/json");
        Assert.Equal("application/json", ok.ContentType);
        Assert.Equal(SimClient.Fixture("jsonrpc_v1_success.json"), ok.Body);
        var bad = await c.PostAsync("/jsonrpc", "{\"method\":\"session.login_with_password\",\"params\":[\"root\",\"nope\"],\"id\":7}", "application/json");
        Assert.Equal(SimClient.Fixture("jsonrpc_v1_failure.json"), bad.Body);
    }

    [Fact]
    public async Task JsonRpc_v2_envelopes_are_exact_and_echo_string_id()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var host = await Xennode01Async(c, s);
        var ok = await c.PostAsync("/jsonrpc", $"{{\"jsonrpc\":\"2.0\",\"method\":\"host.get_name_label\",\"params\":[\"{s}\",\"{host}\"],\"id\":\"a1\"}}", "application/json");
        Assert.Equal("application/json", ok.ContentType);
        Assert.Equal(SimClient.Fixture("jsonrpc_v2_success.json"), ok.Body);
        var bad = await c.PostAsync("/jsonrpc", "{\"jsonrpc\":\"2.0\",\"method\":\"session.login_with_password\",\"params\":[\"root\",\"nope\"],\"id\":\"a1\"}", "application/json");
        Assert.Equal(SimClient.Fixture("jsonrpc_v2_failure.json"), bad.Body);
    }

    [Theory]
    [InlineData("7", "7")]
    [InlineData("\"7\"", "\"7\"")]
    [InlineData("-3", "-3")]
    public async Task JsonRpc_id_keeps_its_type(string id, string expected)
    {
        using var c = Client();
        var r = await c.PostAsync("/jsonrpc", $"{{\"jsonrpc\":\"2.0\",\"method\":\"system.isAlive\",\"params\":[],\"id\":{id}}}", "application/json");
        Assert.EndsWith($"\"id\":{expected}}}", r.Body);
    }

    [Theory]
    [InlineData("/", "<methodCall><methodName>x</methodName><params>", "text/xml")]
    [InlineData("/", "not xml at all", "text/xml")]
    [InlineData("/jsonrpc", "{\"method\":", "application/json")]
    [InlineData("/jsonrpc", "{\"method\":\"system.isAlive\",\"params\":[]}", "application/json")]
    [InlineData("/jsonrpc", "{\"method\":\"system.isAlive\",\"params\":[],\"id\":null}", "application/json")]
    [InlineData("/jsonrpc", "[{\"method\":\"system.isAlive\",\"params\":[],\"id\":1}]", "application/json")]
    public async Task Malformed_bodies_get_500_and_the_server_keeps_serving(string path, string body, string type)
    {
        using var c = Client();
        var r = await c.PostAsync(path, body, type);
        Assert.Equal(500, r.Status);
        Assert.Contains("<html>", r.Body);
        var (status, _, _) = await c.PostAsync("/", SimClient.XmlCall("session.login_with_password", "root", "xenroot"));
        Assert.Equal(200, status);
        Assert.Equal("Success", SimClient.ParseXmlResponse((await c.PostAsync("/", SimClient.XmlCall("session.login_with_password", "root", "xenroot"))).Body).Status);
    }

    [Fact]
    public async Task Deep_nesting_is_rejected_with_500()
    {
        using var c = Client();
        var deep = string.Concat(Enumerable.Repeat("<value><array><data>", 100)) + string.Concat(Enumerable.Repeat("</data></array></value>", 100));
        var xml = "<?xml version=\"1.0\"?><methodCall><methodName>system.isAlive</methodName><params><param>" + deep + "</param></params></methodCall>";
        Assert.Equal(500, (await c.PostAsync("/", xml)).Status);
        var json = "{\"method\":\"system.isAlive\",\"params\":[" + new string('[', 100) + new string(']', 100) + "],\"id\":1}";
        Assert.Equal(500, (await c.PostAsync("/jsonrpc", json, "application/json")).Status);
    }

    [Fact]
    public async Task Control_characters_are_dropped_from_xml_output()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var net = (await c.ResultAsync("network.get_all", s))[0].GetString()!;
        await c.ResultAsync("network.set_name_description", s, net, "a\u0001b\tc\u001fd");
        var body = await c.XmlRawAsync("network.get_name_description", s, net);
        Assert.Contains("<value>ab\tcd</value>", body);
    }

    [Fact]
    public async Task Xml_input_types_are_accepted()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var vm = (await c.ResultAsync("VM.get_by_name_label", s, "xennode01-vm2"))[0].GetString()!;
        var r = SimClient.ParseXmlResponse(await c.XmlRawAsync("VM.set_VCPUs_params", s, vm, "<struct><member><name>weight</name><value><string>256</string></value></member></struct>"));
        Assert.Equal("Success", r.Status);
        Assert.Equal("Success", SimClient.ParseXmlResponse(await c.XmlRawAsync("VM.set_user_version", s, vm, "7")).Status);
        Assert.Equal(7, (await c.ResultAsync("VM.get_user_version", s, vm)).GetInt64());
        Assert.Equal("Success", SimClient.ParseXmlResponse(await c.XmlRawAsync("VM.set_user_version", s, vm, "<i8>5</i8>")).Status);
        Assert.Equal("Success", SimClient.ParseXmlResponse(await c.XmlRawAsync("VM.set_is_a_template", s, vm, "<boolean>true</boolean>")).Status);
        var record = await c.ResultAsync("VM.get_record", s, vm);
        Assert.Equal(5, record.GetProperty("user_version").GetInt64());
        Assert.Equal("256", record.GetProperty("VCPUs_params").GetProperty("weight").GetString());
        Assert.False(record.GetProperty("is_a_template").GetBoolean());
        var wrong = SimClient.ParseXmlResponse(await c.XmlRawAsync("VM.set_user_version", s, vm, "<boolean>1</boolean>"));
        Assert.Equal("Failure", wrong.Status);
        Assert.Contains("<value>INTERNAL_ERROR</value>", wrong.Value.ToString(System.Xml.Linq.SaveOptions.DisableFormatting));
    }

    [Fact]
    public async Task Xml_output_types_follow_the_reference()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var host = (await c.ResultAsync("host.get_by_name_label", s, "xennode01"))[0].GetString()!;
        Assert.Contains("<value><boolean>1</boolean></value>", await c.XmlRawAsync("host.get_enabled", s, host));
        var major = await c.XmlRawAsync("host.get_API_version_major", s, host);
        Assert.Contains("<name>Value</name><value>2</value>", major);
        var metrics = (await c.ResultAsync("host.get_metrics", s, host)).GetString()!;
        Assert.Matches("<value><dateTime.iso8601>\\d{8}T\\d\\d:\\d\\d:\\d\\dZ</dateTime.iso8601></value>", await c.XmlRawAsync("host_metrics.get_last_updated", s, metrics));
        var vm = (await c.ResultAsync("VM.get_by_name_label", s, "xennode01-vm1"))[0].GetString()!;
        Assert.Contains("<value><double>1</double></value>", await c.XmlRawAsync("VM.get_HVM_shadow_multiplier", s, vm));
    }

    [Fact]
    public async Task Options_answers_cors_preflight()
    {
        using var http = new HttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Options, new Uri(_farm.Host.CoordinatorUrl, "/jsonrpc"));
        using var resp = await http.SendAsync(req);
        Assert.Equal(200, (int)resp.StatusCode);
        Assert.Equal("*", resp.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("X-Requested-With", resp.Headers.GetValues("Access-Control-Allow-Headers").Single());
    }

    [Fact]
    public async Task Json_ints_are_numbers_and_floats_have_a_point()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var vm = (await c.ResultAsync("VM.get_by_name_label", s, "xennode01-vm1"))[0].GetString()!;
        var raw = (await c.PostAsync("/jsonrpc", $"{{\"jsonrpc\":\"2.0\",\"method\":\"VM.get_HVM_shadow_multiplier\",\"params\":[\"{s}\",\"{vm}\"],\"id\":1}}", "application/json")).Body;
        Assert.Contains("\"result\":1.0,", raw);
        var mem = await c.ResultAsync("VM.get_memory_static_max", s, vm);
        Assert.Equal(JsonValueKind.Number, mem.ValueKind);
        Assert.Equal(2L * 1024 * 1024 * 1024, mem.GetInt64());
    }

    [Fact]
    public async Task Json_int_arguments_arrive_as_ints()
    {
        using var c = Client();
        var s = await c.LoginAsync();
        var vm = (await c.ResultAsync("VM.get_by_name_label", s, "xennode01-vm2"))[0].GetString()!;
        // A bare JSON number must bind to an int parameter (xapi's Intlit), not become a float.
        var raw = (await c.PostAsync("/jsonrpc", $"{{\"jsonrpc\":\"2.0\",\"method\":\"VM.set_VCPUs_max\",\"params\":[\"{s}\",\"{vm}\",4],\"id\":1}}", "application/json")).Body;
        Assert.DoesNotContain("error", raw);
        Assert.Equal(4L, (await c.ResultAsync("VM.get_VCPUs_max", s, vm)).GetInt64());
    }
}
