using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using System.Xml.Linq;

namespace XenHa.Simulator.Tests;

/// <summary>Raw HTTP helper: hand-written request bodies, responses parsed independently of the simulator's codec.</summary>
internal sealed class SimClient : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public SimClient(Uri url) => Url = url;

    public Uri Url { get; }

    public void Dispose() => _http.Dispose();

    public async Task<(int Status, string? ContentType, string Body)> PostAsync(string path, string body, string contentType = "text/xml")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var resp = await _http.PostAsync(new Uri(Url, path), content);
        var text = await resp.Content.ReadAsStringAsync();
        return ((int)resp.StatusCode, resp.Content.Headers.ContentType?.ToString(), text);
    }

    public static string Esc(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>methodCall with untyped string params (already-typed XML fragments pass through when they start with '&lt;').</summary>
    public static string XmlCall(string method, params string[] ps)
    {
        var sb = new StringBuilder("<?xml version=\"1.0\"?><methodCall><methodName>").Append(method).Append("</methodName><params>");
        foreach (var p in ps) sb.Append("<param><value>").Append(p.StartsWith('<') ? p : Esc(p)).Append("</value></param>");
        return sb.Append("</params></methodCall>").ToString();
    }

    public async Task<string> XmlRawAsync(string method, params string[] ps) => (await PostAsync("/", XmlCall(method, ps))).Body;

    /// <summary>JSON-RPC v2 call; returns the parsed response root.</summary>
    public async Task<JsonElement> JsonAsync(string method, params object?[] ps)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = ps, ["id"] = 1 });
        var (status, _, text) = await PostAsync("/jsonrpc", body, "application/json");
        if (status != 200) throw new InvalidOperationException($"HTTP {status}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Result of a v2 call, or throws with the error code.</summary>
    public async Task<JsonElement> ResultAsync(string method, params object?[] ps)
    {
        var r = await JsonAsync(method, ps);
        if (r.TryGetProperty("error", out var e)) throw new XenError(Error(r));
        return r.GetProperty("result");
    }

    /// <summary>[code, params...] of a failed v2 call.</summary>
    public static string[] Error(JsonElement r)
    {
        var e = r.GetProperty("error");
        return new[] { e.GetProperty("message").GetString()! }.Concat(e.GetProperty("data").EnumerateArray().Select(x => x.GetString()!)).ToArray();
    }

    public async Task<string[]> ErrorAsync(string method, params object?[] ps)
    {
        var r = await JsonAsync(method, ps);
        Xunit.Assert.True(r.TryGetProperty("error", out _), $"{method} should fail but returned {r}");
        return Error(r);
    }

    public async Task<string> LoginAsync(string user = "root", string password = "xenroot") =>
        (await ResultAsync("session.login_with_password", user, password, "2.21", "xunit")).GetString()!;

    /// <summary>Parses an XML-RPC methodResponse: (status, value element) of the Status/Value struct.</summary>
    public static (string Status, XElement Value) ParseXmlResponse(string body)
    {
        var doc = XDocument.Parse(body);
        var st = doc.Root!.Element("params")!.Element("param")!.Element("value")!.Element("struct")!;
        string? status = null;
        XElement? value = null;
        foreach (var m in st.Elements("member"))
        {
            var n = m.Element("name")!.Value;
            if (n == "Status") status = m.Element("value")!.Value;
            else value = m.Element("value");
        }

        return (status!, value!);
    }

    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "simulator", name));
}

internal sealed class XenError(string[] description) : Exception(string.Join(" ", description))
{
    public string[] Description { get; } = description;
}
