using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client.Transport;
using XenHa.Client.XmlRpc;

namespace XenHa.Client.Tests;

/// <summary>The real HTTP transport against a one-shot HTTP server on 127.0.0.1 port 0.</summary>
public class HttpTransportTests
{
    /// <summary>Accepts one connection, reads the request, and answers with <paramref name="respond"/>.</summary>
    private sealed class OneShotServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly Task _serve;

        public OneShotServer(Func<string, string?> respond)
        {
            _listener.Start();
            _serve = Task.Run(async () =>
            {
                using var client = await _listener.AcceptTcpClientAsync();
                using var stream = client.GetStream();
                var request = await ReadRequestAsync(stream);
                Request = request;
                var response = respond(request);
                if (response is null)
                {
                    await Task.Delay(TimeSpan.FromSeconds(10));
                    return;
                }

                var bytes = Encoding.UTF8.GetBytes(response);
                await stream.WriteAsync(bytes, 0, bytes.Length);
                await stream.FlushAsync();
            });
        }

        public string Request { get; private set; } = "";

        public Uri Uri => new Uri("http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/");

        public void Dispose() => _listener.Stop();

        public Task Served => _serve;

        private static async Task<string> ReadRequestAsync(NetworkStream stream)
        {
            var buffer = new byte[65536];
            var total = 0;
            while (true)
            {
                var n = await stream.ReadAsync(buffer, total, buffer.Length - total);
                if (n == 0)
                {
                    break;
                }

                total += n;
                var text = Encoding.UTF8.GetString(buffer, 0, total);
                var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headerEnd < 0)
                {
                    continue;
                }

                var lengthLine = Array.Find(text.Substring(0, headerEnd).Split("\r\n"), l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                var length = lengthLine is null ? 0 : int.Parse(lengthLine.Substring(15).Trim());
                if (total - headerEnd - 4 >= length)
                {
                    return text;
                }
            }

            return Encoding.UTF8.GetString(buffer, 0, total);
        }
    }

    private static string Http(int status, string reason, string contentType, string body) =>
        "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\nConnection: close\r\n\r\n" + body;

    private static Task<object?> Call(HttpXenTransport transport, Uri uri, CancellationToken ct = default) =>
        transport.PostAsync(uri, s => XmlRpcRequestWriter.Write(s, "system.listMethods", Array.Empty<object?>()), s => XmlRpcResponseReader.ReadGeneric(s), ct);

    [Fact]
    public async Task SuccessfulCallPostsTextXmlToSlash()
    {
        using var server = new OneShotServer(_ => Http(200, "OK", "text/xml", Fixture.Text("response-system-listMethods.xml")));
        using var transport = new HttpXenTransport(new XenSessionOptions { Originator = "XenHa/9.9" });
        var result = Assert.IsType<object?[]>(await Call(transport, server.Uri));
        Assert.Contains("VM.get_all_records", result);
        await server.Served;
        Assert.StartsWith("POST / HTTP/1.1", server.Request);
        Assert.Contains("Content-Type: text/xml", server.Request);
        Assert.Contains("User-Agent: XenHa/9.9", server.Request);
        Assert.EndsWith("<methodCall><methodName>system.listMethods</methodName><params></params></methodCall>", server.Request);
    }

    [Fact]
    public async Task ConnectionRefusedIsAConnectionError()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var transport = new HttpXenTransport();
        var uri = new Uri("http://127.0.0.1:" + port + "/");
        var ex = await Assert.ThrowsAsync<XenConnectionException>(() => Call(transport, uri));
        Assert.Equal("XENHA_CONNECTION_FAILED", ex.Code);
        Assert.Equal(XenErrorKind.Connection, ex.Kind);
        Assert.Equal(uri, ex.Uri);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public async Task TimeoutIsKindTimeout()
    {
        using var server = new OneShotServer(_ => null);
        using var transport = new HttpXenTransport(new XenSessionOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<XenConnectionException>(() => Call(transport, server.Uri));
        Assert.Equal(XenErrorKind.Timeout, ex.Kind);
        Assert.Equal("XENHA_TIMEOUT", ex.Code);
        Assert.NotNull(ex.InnerException);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task CallerCancellationStaysOperationCanceled()
    {
        using var server = new OneShotServer(_ => null);
        using var transport = new HttpXenTransport(new XenSessionOptions { Timeout = TimeSpan.FromSeconds(30) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Call(transport, server.Uri, cts.Token));
    }

    [Fact]
    public async Task Non200IsAProtocolErrorWithStatusAndBodySnippet()
    {
        var body = "<html><body>Xmlrpc.Parse_error(\"unexpected\")" + new string('x', 500) + "</body></html>";
        using var server = new OneShotServer(_ => Http(500, "Internal Server Error", "text/html", body));
        using var transport = new HttpXenTransport();
        var ex = await Assert.ThrowsAsync<XenProtocolException>(() => Call(transport, server.Uri));
        Assert.Contains("500", ex.Message);
        Assert.Contains("Xmlrpc.Parse_error", ex.Message);
        Assert.DoesNotContain(new string('x', 300), ex.Message);
    }

    [Fact]
    public async Task WrongContentTypeIsAProtocolError()
    {
        using var server = new OneShotServer(_ => Http(200, "OK", "application/json", "{\"result\":null}"));
        using var transport = new HttpXenTransport();
        var ex = await Assert.ThrowsAsync<XenProtocolException>(() => Call(transport, server.Uri));
        Assert.Contains("application/json", ex.Message);
    }

    [Fact]
    public async Task ConnectionDroppedMidBodyIsAnError()
    {
        using var server = new OneShotServer(_ => "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n<?xml version=\"1.0\"?><methodResponse><params>");
        using var transport = new HttpXenTransport();
        var ex = await Assert.ThrowsAnyAsync<XenApiException>(() => Call(transport, server.Uri));
        Assert.True(ex is XenConnectionException or XenProtocolException);
    }

    [Fact]
    public async Task UnresolvableHostIsAConnectionError()
    {
        using var transport = new HttpXenTransport(new XenSessionOptions { Timeout = TimeSpan.FromSeconds(20) });
        var ex = await Assert.ThrowsAsync<XenConnectionException>(() => Call(transport, new Uri("http://does-not-exist.invalid/")));
        Assert.Equal(XenErrorKind.Connection, ex.Kind);
    }

    [Fact]
    public async Task SessionLoginOverHttpFailsWithConnectionErrorNamingTheServer()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var ex = await Assert.ThrowsAsync<XenConnectionException>(() => XenSession.LoginAsync("http://127.0.0.1:" + port, "root", "pw-12345"));
        Assert.Equal("http://127.0.0.1:" + port, ex.Server);
        Assert.Equal("session.login_with_password", ex.Method);
        Assert.DoesNotContain("pw-12345", ex.ToString());
    }
}
