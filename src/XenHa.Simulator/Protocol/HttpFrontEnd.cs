using System;
using System.IO;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Handlers;

namespace XenHa.Simulator.Protocol;

/// <summary>The HTTP handler table of one host endpoint (reference §1.1).</summary>
internal static class HttpFrontEnd
{
    /// <summary>xapi's http_limit_max_rpc_size: larger request bodies are refused before they are read.</summary>
    public const int MaxBodyBytes = 300 * 1024;

    public static async Task HandleAsync(HttpContext ctx, SimFarm farm)
    {
        var res = ctx.Response;
        res.Headers["Access-Control-Allow-Origin"] = "*";
        res.Headers["Access-Control-Allow-Headers"] = "X-Requested-With";
        var req = ctx.Request;
        var localIp = ctx.Connection.LocalIpAddress ?? IPAddress.Loopback;
        if (localIp.IsIPv4MappedToIPv6) localIp = localIp.MapToIPv4();
        bool reachable;
        lock (farm.Lock) reachable = farm.Faults.Reachable(localIp.ToString());
        if (!reachable)
        {
            // A powered-off, booting or partitioned host: the connection is dropped unanswered.
            ctx.Abort();
            return;
        }

        if (HttpMethods.IsOptions(req.Method))
        {
            res.StatusCode = 200;
            res.ContentLength = 0;
            return;
        }

        if (Xva.XvaRequest.Route(ctx, farm, localIp.ToString()) is { } transfer)
        {
            await transfer.ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsPost(req.Method))
        {
            await WriteAsync(res, 200, "text/html", Encoding.UTF8.GetBytes("<html><body>xensim: XenAPI simulator</body></html>")).ConfigureAwait(false);
            return;
        }

        byte[] body;
        try
        {
            body = await ReadBodyAsync(req).ConfigureAwait(false);
        }
        catch (MalformedRequestException e)
        {
            // As xapi: HTTP 500 naming the exception, and the connection is closed (the rest of the body is never read).
            res.Headers.Connection = "close";
            await ErrorAsync(res, e.Message).ConfigureAwait(false);
            return;
        }

        var local = ctx.Connection.LocalIpAddress ?? IPAddress.Loopback;
        if (local.IsIPv4MappedToIPv6) local = local.MapToIPv4();
        var address = local.ToString();
        var isJson = string.Equals(req.Path.Value, "/jsonrpc", StringComparison.Ordinal);
        try
        {
            if (isJson)
            {
                var call = JsonRpc.ParseCall(body);
                var result = await RunAsync(() => Dispatcher.Dispatch(farm, address, call.Method, call.Params), call.Method).ConfigureAwait(false);
                if (result.Drop) { ctx.Abort(); return; }
                var bytes = result.Error is null ? JsonRpc.Success(call, result.Value) : JsonRpc.Failure(call, result.Error);
                await WriteAsync(res, 200, "application/json", bytes).ConfigureAwait(false);
            }
            else
            {
                var (method, args) = XmlRpc.ParseCall(body);
                var result = await RunAsync(() => Dispatcher.Dispatch(farm, address, method, args, XmlRpc.Success), method).ConfigureAwait(false);
                if (result.Drop) { ctx.Abort(); return; }
                // A record set comes back already encoded (under the lock, see Dispatcher.Dispatch).
                using var xml = result.Error is not null ? XmlRpc.Failure(result.Error)
                    : result.Value as Utf8Output ?? (result.Bare ? XmlRpc.Bare(result.Value) : XmlRpc.Success(result.Value));
                res.StatusCode = 200;
                res.ContentType = "text/xml";
                res.ContentLength = xml.Length;
                await xml.CopyToAsync(res.Body).ConfigureAwait(false);
            }
        }
        catch (MalformedRequestException e)
        {
            await ErrorAsync(res, e.Message).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Long polls (event.from) get their own thread so they never starve the pool that runs tasks. Other calls run
    /// on the request's own pool thread: a hop to another one cost each small call a context switch.
    /// </summary>
    private static Task<CallResult> RunAsync(Func<CallResult> body, string method) =>
        method.EndsWith("event.from", StringComparison.Ordinal) || method.EndsWith("event_from", StringComparison.Ordinal)
            ? Task.Factory.StartNew(body, System.Threading.CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            : Task.FromResult(body());

    private const string TooLarge = "Http_svr.Client_requested_size_over_limit";

    private static async Task<byte[]> ReadBodyAsync(HttpRequest req)
    {
        if (req.ContentLength > MaxBodyBytes) throw new MalformedRequestException(TooLarge);
        if (req.ContentLength is { } length) return await ReadExactAsync(req.Body, (int)length).ConfigureAwait(false);
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await req.Body.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            if (ms.Length + n > MaxBodyBytes) throw new MalformedRequestException(TooLarge);
            ms.Write(buffer, 0, n);
        }

        return ms.ToArray();
    }

    /// <summary>A body of announced length read straight into one array (no copy buffer per call).</summary>
    private static async Task<byte[]> ReadExactAsync(Stream body, int length)
    {
        var bytes = new byte[length];
        var read = 0;
        int n;
        while (read < length && (n = await body.ReadAsync(bytes.AsMemory(read)).ConfigureAwait(false)) > 0) read += n;
        return read == length ? bytes : bytes.AsSpan(0, read).ToArray();
    }

    private static Task ErrorAsync(HttpResponse res, string message)
    {
        var html = "<html><body><h1>HTTP 500 internal server error</h1>An unexpected error occurred; please wait a while and try again. If the problem persists, please contact your support representative.<h1> Additional information </h1>"
                   + WebUtility.HtmlEncode(message) + "</body></html>";
        return WriteAsync(res, 500, "text/html", Encoding.UTF8.GetBytes(html));
    }

    private static async Task WriteAsync(HttpResponse res, int status, string contentType, byte[] bytes)
    {
        res.StatusCode = status;
        res.ContentType = contentType;
        res.ContentLength = bytes.Length;
        await res.Body.WriteAsync(bytes).ConfigureAwait(false);
    }
}
