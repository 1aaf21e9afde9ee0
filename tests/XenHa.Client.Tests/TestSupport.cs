using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client.Transport;
using XenHa.Client.XmlRpc;

namespace XenHa.Client.Tests;

internal static class Fixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "xmlrpc", name);

    /// <summary>The fixture text without the final newline the editor adds.</summary>
    public static string Text(string name) => File.ReadAllText(Path(name), Encoding.UTF8).TrimEnd('\n');

    public static Stream Stream(string name) => new MemoryStream(File.ReadAllBytes(Path(name)));
}

internal static class Wire
{
    public static Stream Utf8(string text) => new MemoryStream(new UTF8Encoding(false).GetBytes(text));

    public static string Success(string valueXml) =>
        "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member>"
        + "<member><name>Value</name>" + valueXml + "</member></struct></value></param></params></methodResponse>";

    public static string Failure(params string[] description) =>
        "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Failure</value></member>"
        + "<member><name>ErrorDescription</name><value><array><data>"
        + string.Concat(description.Select(d => "<value>" + System.Security.SecurityElement.Escape(d) + "</value>"))
        + "</data></array></value></member></struct></value></param></params></methodResponse>";

    /// <summary>Encodes <paramref name="value"/> with the request writer and decodes it back from a Success envelope.</summary>
    public static T RoundTrip<T>(object? value)
    {
        var request = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("x.y", new[] { value }));
        var match = Regex.Match(request, "<param>(.*)</param>", RegexOptions.Singleline);
        Assert.True(match.Success, request);
        return XmlRpcResponseReader.Read<T>(Utf8(Success(match.Groups[1].Value)));
    }
}

/// <summary>A scripted transport: answers by method name (and optionally by endpoint), recording every request.</summary>
internal sealed class FakeTransport : IXenTransport
{
    private readonly List<Func<Uri, string, IReadOnlyList<string>, string?>> _rules = new List<Func<Uri, string, IReadOnlyList<string>, string?>>();

    public List<(Uri Uri, string Method, string Body)> Requests { get; } = new List<(Uri, string, string)>();

    public FakeTransport On(string method, string response) => On((u, m, a) => m == method ? response : null);

    public FakeTransport On(Func<Uri, string, IReadOnlyList<string>, string?> rule)
    {
        _rules.Add(rule);
        return this;
    }

    /// <summary>Answers the standard post-login calls of a pool of two hosts.</summary>
    public FakeTransport WithPool()
    {
        On("session.login_with_password", Fixture.Text("response-login-success.xml"));
        On("pool.get_all_records", Fixture.Text("response-pool-get_all_records.xml"));
        On("host.get_record", Fixture.Text("response-host-get_record.xml"));
        On("host.get_all_records", Wire.Success(
            "<value><struct>"
            + "<member><name>OpaqueRef:6c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0a</name><value><struct><member><name>address</name><value>10.0.0.12</value></member><member><name>name_label</name><value>xen-b</value></member></struct></value></member>"
            + "<member><name>OpaqueRef:0f5a2b1c-7d3e-4f9a-8b6c-5d4e3f2a1b09</name><value><struct><member><name>address</name><value>10.0.0.11</value></member><member><name>name_label</name><value>xen-a</value></member></struct></value></member>"
            + "<member><name>OpaqueRef:77777777-1a2b-4c3d-9e4f-5a6b7c8d9e0a</name><value><struct><member><name>address</name><value>fd00::13</value></member></struct></value></member>"
            + "</struct></value>"));
        On("session.logout", Fixture.Text("response-void-success.xml"));
        return this;
    }

    public IEnumerable<string> Methods => Requests.Select(r => r.Method);

    public Task<TResult> PostAsync<TResult>(Uri uri, Action<Stream> writeBody, Func<Stream, TResult> readBody, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var ms = new MemoryStream();
        writeBody(ms);
        var body = Encoding.UTF8.GetString(ms.ToArray());
        var method = Regex.Match(body, "<methodName>(.*?)</methodName>").Groups[1].Value;
        var args = Regex.Matches(body, "<param><value>(.*?)</value></param>").Cast<Match>().Select(m => m.Groups[1].Value).ToList();
        lock (Requests)
        {
            Requests.Add((uri, method, body));
        }

        foreach (var rule in _rules)
        {
            var response = rule(uri, method, args);
            if (response is not null)
            {
                return Task.FromResult(readBody(Wire.Utf8(response)));
            }
        }

        throw new InvalidOperationException("FakeTransport has no answer for " + method + " at " + uri);
    }
}
