using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using XenHa.Simulator.Protocol;
using XenHa.Tests.Fuzzing;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>
/// The simulator's request parsers under mutated real requests: each input parses or ends in
/// MalformedRequestException (HTTP 500, as xapi), never another exception, never a hang; and the
/// limits on body size, nesting and string length.
/// </summary>
public sealed class ParserFuzzTests : IClassFixture<PooledFarm>
{
    private const string Session = "OpaqueRef:5a1c2e3f-0b9d-4f7e-8a6c-1d2e3f4a5b6c";
    private readonly PooledFarm _farm;

    public ParserFuzzTests(PooledFarm farm) => _farm = farm;

    private static readonly string[] XmlSeeds =
    {
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "xmlrpc", "request-login.xml")),
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "xmlrpc", "request-mixed-args.xml")),
        SimClient.XmlCall("VM.get_all_records", Session),
        SimClient.XmlCall("system.listMethods"),
        "<?xml version=\"1.0\"?><methodCall><methodName>event.from</methodName><params><param><value>" + Session + "</value></param>"
        + "<param><value><array><data><value>vm</value><value>host</value></data></array></value></param><param><value></value></param>"
        + "<param><value><double>0.1</double></value></param></params></methodCall>",
        "<?xml version=\"1.0\"?><methodCall><methodName>VM.set_other_config</methodName><params><param><value>" + Session + "</value></param>"
        + "<param><value>OpaqueRef:NULL</value></param><param><value><struct><member><name>k</name><value><string>v</string></value></member>"
        + "<member><name>n</name><value><i8>-7</i8></value></member><member><name>t</name><value><dateTime.iso8601>20250319T04:16:24Z</dateTime.iso8601></value></member>"
        + "<member><name>z</name><value><nil/></value></member><member><name>b</name><value><base64>AAEC</base64></value></member></struct></value></param></params></methodCall>",
    };

    private static readonly string[] JsonSeeds =
    {
        "{\"method\":\"session.login_with_password\",\"params\":[\"root\",\"xenroot\",\"2.21\",\"fuzz\"],\"id\":7}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"VM.get_all_records\",\"params\":[\"" + Session + "\"],\"id\":\"a1\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"VM.set_other_config\",\"params\":[\"" + Session + "\",\"OpaqueRef:NULL\",{\"k\":\"v\",\"n\":-7,\"f\":0.5,\"b\":true,\"z\":null,\"l\":[1,[2,{\"x\":[]}]]}],\"id\":{\"a\":1}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"event.from\",\"params\":{\"classes\":[\"*\"],\"token\":\"\",\"timeout\":0.1},\"id\":3}",
    };

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Mutated_xmlrpc_requests_parse_or_are_refused_as_malformed()
    {
        var report = Fuzzer.Run("simulator-xmlrpc", Fuzzer.Mutants(XmlSeeds.Select(Utf8).ToList(), json: false),
            input => XmlRpc.ParseCall(input.Bytes), e => e is MalformedRequestException);
        Assert.True(report.Failures.Count == 0, report.ToString());
        Assert.True(report.Tried > 0, report.ToString());
    }

    [Fact]
    public void Mutated_jsonrpc_requests_parse_or_are_refused_as_malformed()
    {
        var report = Fuzzer.Run("simulator-jsonrpc", Fuzzer.Mutants(JsonSeeds.Select(Utf8).ToList(), json: true),
            input => JsonRpc.ParseCall(input.Bytes), e => e is MalformedRequestException);
        Assert.True(report.Failures.Count == 0, report.ToString());
        Assert.True(report.Tried > 0, report.ToString());
    }

    /// <summary>End to end through Kestrel: a mutated request gets an answer (200 or xapi's 500), never a dropped connection.</summary>
    [Fact]
    public async Task Mutated_requests_over_http_always_get_an_answer()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var url = _farm.Host.CoordinatorUrl;
        var failures = new List<string>();
        var tried = 0;
        var rejected = 0;
        var slowest = 0.0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(Fuzzer.Duration(3));
        var xml = Fuzzer.Mutants(XmlSeeds.Select(Utf8).ToList(), json: false);
        var json = Fuzzer.Mutants(JsonSeeds.Select(Utf8).ToList(), json: true);
        for (var i = 0; DateTime.UtcNow < deadline; i++)
        {
            var isJson = i % 2 == 1;
            var input = (isJson ? json : xml).Single();
            using var content = new ByteArrayContent(input.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(isJson ? "application/json" : "text/xml");
            tried++;
            var one = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                using var response = await http.PostAsync(new Uri(url, isJson ? "/jsonrpc" : "/"), content);
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync();
                if (status == 500 && body.Contains("HTTP 500 internal server error", StringComparison.Ordinal)) rejected++;
                else if (status != 200) failures.Add($"HTTP {status}: {body}");
                slowest = Math.Max(slowest, one.Elapsed.TotalMilliseconds);
            }
            catch (HttpRequestException e)
            {
                failures.Add(e.Message);
            }
        }

        var report = new FuzzReport("simulator-http", tried, rejected, clock.Elapsed.TotalSeconds, slowest, failures);
        Fuzzer.WriteSummary(report);
        Assert.True(failures.Count == 0, report.ToString());
    }

    [Fact]
    public async Task A_body_over_300_KiB_gets_xapis_500_and_the_connection_is_closed()
    {
        using var c = new SimClient(_farm.Host.CoordinatorUrl);
        var big = SimClient.XmlCall("system.isAlive", new string('a', 300 * 1024));
        var r = await c.PostAsync("/", big);
        Assert.Equal(500, r.Status);
        Assert.Contains("Http_svr.Client_requested_size_over_limit", r.Body);
        var json = "{\"method\":\"system.isAlive\",\"params\":[\"" + new string('a', 300 * 1024) + "\"],\"id\":1}";
        var j = await c.PostAsync("/jsonrpc", json, "application/json");
        Assert.Equal(500, j.Status);
        Assert.Contains("Client_requested_size_over_limit", j.Body);

        using var http = new HttpClient();
        using var chunked = new StreamContent(new MemoryStream(Utf8(big)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("text/xml");
        using var request = new HttpRequestMessage(HttpMethod.Post, _farm.Host.CoordinatorUrl) { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        Assert.Equal(500, (int)response.StatusCode);
        Assert.True(response.Headers.ConnectionClose);

        var ok = await c.PostAsync("/", SimClient.XmlCall("system.isAlive", new string('a', 1000)));
        Assert.Equal(200, ok.Status);
    }

    [Fact]
    public void Strings_longer_than_the_limit_are_refused()
    {
        var longString = new string('a', XmlRpc.MaxStringLength + 1);
        var e = Assert.Throws<MalformedRequestException>(() => XmlRpc.ParseCall(Utf8(SimClient.XmlCall("system.isAlive", longString))));
        Assert.Contains("longer than", e.Message);
        Assert.Throws<MalformedRequestException>(() => JsonRpc.ParseCall(Utf8("{\"method\":\"x\",\"params\":[\"" + longString + "\"],\"id\":1}")));
        Assert.Equal(XmlRpc.MaxStringLength, ((string)XmlRpc.ParseCall(Utf8(SimClient.XmlCall("system.isAlive", longString.Substring(1)))).Params[0]!).Length);
    }

    [Fact]
    public void Deep_element_nesting_anywhere_is_refused_without_recursion()
    {
        // 40,000 nested elements inside <string>: no tree is built, so nothing recurses or overflows.
        var deep = string.Concat(Enumerable.Repeat("<a>", 40000)) + string.Concat(Enumerable.Repeat("</a>", 40000));
        var body = "<?xml version=\"1.0\"?><methodCall><methodName>x</methodName><params><param><value><string>" + deep + "</string></value></param></params></methodCall>";
        Assert.Throws<MalformedRequestException>(() => XmlRpc.ParseCall(Utf8(body)));
        var skipped = "<?xml version=\"1.0\"?><methodCall><methodName>x</methodName><extra>" + deep + "</extra></methodCall>";
        Assert.Equal("x", XmlRpc.ParseCall(Utf8(skipped)).Method);
        var values = string.Concat(Enumerable.Repeat("<value><array><data>", XmlRpc.MaxDepth + 1)) + string.Concat(Enumerable.Repeat("</data></array></value>", XmlRpc.MaxDepth + 1));
        var e = Assert.Throws<MalformedRequestException>(() => XmlRpc.ParseCall(Utf8("<methodCall><methodName>x</methodName><params><param>" + values + "</param></params></methodCall>")));
        Assert.Contains("nesting too deep", e.Message);
    }

    [Fact]
    public void Dtds_and_entities_are_refused()
    {
        var xxe = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><methodCall><methodName>&x;</methodName></methodCall>";
        var e = Assert.Throws<MalformedRequestException>(() => XmlRpc.ParseCall(Utf8(xxe)));
        Assert.Contains("DTD", e.Message);
    }

    [Theory]
    [InlineData("{\"method\":\"x\",\"params\":[\"\\uD800\"],\"id\":1}")]
    [InlineData("{\"method\":\"\\uDC00\",\"params\":[],\"id\":1}")]
    public void Json_values_that_do_not_convert_are_malformed_requests(string body)
    {
        var e = Assert.Throws<MalformedRequestException>(() => JsonRpc.ParseCall(Utf8(body)));
        Assert.StartsWith("Jsonrpc.Malformed_method_request", e.Message);
    }

    [Fact]
    public void The_streaming_parser_reads_what_the_tree_parser_read()
    {
        var (method, ps) = XmlRpc.ParseCall(Utf8(XmlSeeds[5]));
        Assert.Equal("VM.set_other_config", method);
        Assert.Equal(new object?[] { Session, "OpaqueRef:NULL" }, ps.Take(2));
        var map = Assert.IsType<Dictionary<string, object?>>(ps[2]);
        Assert.Equal("v", map["k"]);
        Assert.Equal(-7L, map["n"]);
        Assert.Equal(new DateTime(2025, 3, 19, 4, 16, 24, DateTimeKind.Utc), map["t"]);
        Assert.Null(map["z"]);
        Assert.Equal("AAEC", map["b"]);
        var mixed = XmlRpc.ParseCall(Utf8(XmlSeeds[1])).Params;
        Assert.Equal(new object?[] { "a", "", "c" }, Assert.IsType<List<object?>>(mixed[6]));
        Assert.Equal("  padded ", XmlRpc.ParseCall(Utf8("<methodCall><methodName> m </methodName><params><param><value>  padded </value></param></params></methodCall>")).Params[0]);
    }
}
