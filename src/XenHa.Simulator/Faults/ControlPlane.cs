using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Faults;

/// <summary>
/// The simulator's control plane: a separate HTTP listener on 127.0.0.1 (never a XenAPI endpoint), bearer-token auth,
/// JSON in and out. Host power, partitions, storage loss, call fault rules and the manual clock.
/// </summary>
internal sealed class ControlPlane : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ControlPlane(WebApplication app, Uri url, string token, bool generated)
    {
        _app = app;
        Url = url;
        Token = token;
        TokenGenerated = generated;
    }

    public Uri Url { get; }
    public string Token { get; }

    /// <summary>True when the token was generated (not taken from XENHA_SIM_CONTROL_TOKEN): the ready line prints it.</summary>
    public bool TokenGenerated { get; }

    public static async Task<ControlPlane> StartAsync(SimFarm farm, string? token, CancellationToken cancellationToken)
    {
        var generated = string.IsNullOrEmpty(token);
        if (generated) token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0, lo => lo.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        app.Run(ctx => HandleAsync(ctx, farm, expected));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var server = (IServer)app.Services.GetService(typeof(IServer))!;
        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = new Uri($"http://127.0.0.1:{new Uri(address).Port}/");
        return new ControlPlane(app, url, token!, generated);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class ControlError(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    private static async Task HandleAsync(HttpContext ctx, SimFarm farm, byte[] expected)
    {
        var auth = Encoding.UTF8.GetBytes(ctx.Request.Headers.Authorization.ToString());
        if (!CryptographicOperations.FixedTimeEquals(auth, expected))
        {
            await WriteAsync(ctx, 401, new Dictionary<string, object?> { ["error"] = "unauthorized" }).ConfigureAwait(false);
            return;
        }

        try
        {
            var body = await ReadAsync(ctx.Request).ConfigureAwait(false);
            var result = Route(farm, ctx.Request.Method, ctx.Request.Path.Value ?? "/", body);
            await WriteAsync(ctx, 200, result).ConfigureAwait(false);
        }
        catch (ControlError e)
        {
            await WriteAsync(ctx, e.Status, new Dictionary<string, object?> { ["error"] = e.Message }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            await WriteAsync(ctx, 400, new Dictionary<string, object?> { ["error"] = e.Message }).ConfigureAwait(false);
        }
    }

    private static async Task<JsonElement?> ReadAsync(HttpRequest req)
    {
        using var reader = new StreamReader(req.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync().ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task WriteAsync(HttpContext ctx, int status, object? value)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(value));
    }

    private static object? Route(SimFarm farm, string method, string path, JsonElement? body)
    {
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var get = HttpMethods.IsGet(method);
        var post = HttpMethods.IsPost(method);
        switch (parts)
        {
            case ["state"] when get:
                lock (farm.Lock) return State(farm);
            case ["hosts", var name, var action] when post:
                lock (farm.Lock) return HostAction(farm, Uri.UnescapeDataString(name), action, body);
            case ["partition"] when post:
                lock (farm.Lock)
                {
                    var names = body is { } b && b.TryGetProperty("hosts", out var hs) ? hs.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : new List<string>();
                    if (names.Count == 0) throw new ControlError(400, "hosts is required");
                    var hosts = names.Select(n => FindHost(farm, n)).ToList();
                    var group = farm.Faults.NewGroup();
                    foreach (var (_, h) in hosts) farm.Faults.For(h.Str("address")).Group = group;
                    farm.Ha.Changed();
                    return State(farm);
                }
            case ["heal"] when post:
                lock (farm.Lock)
                {
                    farm.Faults.Heal();
                    farm.Ha.Changed();
                    return State(farm);
                }
            case ["faults"] when get:
                lock (farm.Lock) return farm.Faults.Rules.Select(r => r.ToJson()).ToList();
            case ["faults"] when post:
                lock (farm.Lock) return new Dictionary<string, object?> { ["id"] = farm.Faults.AddRule(ParseRule(body)).Id };
            case ["faults", var id] when HttpMethods.IsDelete(method):
                lock (farm.Lock)
                {
                    if (!farm.Faults.RemoveRule(id)) throw new ControlError(404, "no fault " + id);
                    return new Dictionary<string, object?> { ["id"] = id };
                }
            case ["clock", "advance"] when post:
            {
                if (farm.Clock is not ManualClock manual) throw new ControlError(409, "the clock is not manual (start xensim with --manual-clock)");
                var seconds = body is { } b && b.TryGetProperty("seconds", out var s) ? s.GetDouble() : throw new ControlError(400, "seconds is required");
                if (!(seconds >= 0)) throw new ControlError(400, "seconds must be >= 0");
                manual.Advance(TimeSpan.FromSeconds(seconds));
                return new Dictionary<string, object?> { ["clock"] = Iso(farm.Clock.UtcNow) };
            }
            default:
                throw new ControlError(404, $"no route {method} {path}");
        }
    }

    internal static FaultRule ParseRule(JsonElement? body)
    {
        if (body is not { ValueKind: JsonValueKind.Object } b) throw new ControlError(400, "a JSON object is required");
        string? Str(string n) => b.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        double Num(string n, double d) => b.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : d;
        var error = b.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => x.ToString()).ToList() : null;
        var rule = new FaultRule
        {
            Method = Str("method") ?? "*",
            Target = Str("target"),
            Probability = Num("probability", 1.0),
            Count = (long)Num("count", 0),
            DelayMs = (long)Num("delayMs", 0),
            Error = error,
            Drop = b.TryGetProperty("drop", out var d) && d.ValueKind == JsonValueKind.True,
        };
        if (rule.Probability is < 0 or > 1) throw new ControlError(400, "probability must be 0..1");
        if (rule.Count < 0 || rule.DelayMs < 0) throw new ControlError(400, "count and delayMs must be >= 0");
        return rule;
    }

    private static string Iso(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    private static (Db Db, Rec Host) FindHost(SimFarm farm, string name)
    {
        foreach (var (db, h) in farm.AllHosts())
            if (h.Str("name_label") == name || h.Str("hostname") == name || h.Uuid == name || h.Str("address") == name || h.Ref == name)
                return (db, h);
        throw new ControlError(404, "no host " + name);
    }

    private static object? HostAction(SimFarm farm, string name, string action, JsonElement? body)
    {
        var (db, host) = FindHost(farm, name);
        switch (action)
        {
            case "power-off":
                if (farm.Faults.For(host.Str("address")).Off) throw new ControlError(409, name + " is already off");
                farm.Ha.PowerOff(db, host);
                break;
            case "power-on":
                if (!farm.Ha.PowerOn(db, host)) throw new ControlError(409, name + " is not off");
                break;
            case "storage-loss":
            {
                var sr = body is { } b && b.TryGetProperty("sr", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                var srs = sr is null
                    ? db.All("SR").Where(x => x.Bool("shared")).ToList()
                    : db.All("SR").Where(x => x.Ref == sr || x.Uuid == sr || x.Str("name_label") == sr).ToList();
                if (srs.Count == 0) throw new ControlError(404, "no SR " + sr);
                farm.Ha.StorageLoss(db, host, srs);
                break;
            }
            case "storage-restore":
                farm.Ha.StorageRestore(db, host);
                break;
            default:
                throw new ControlError(404, "no action " + action);
        }

        return State(farm);
    }

    private static Dictionary<string, object?> State(SimFarm farm)
    {
        var hosts = new List<object?>();
        var haEnabled = false;
        foreach (var (db, h) in farm.AllHosts())
        {
            var f = farm.Faults.For(h.Str("address"));
            var pool = SimFarm.Pool(db);
            haEnabled |= pool.Bool("ha_enabled") && db.Count("host") > 0;
            hosts.Add(new Dictionary<string, object?>
            {
                ["name"] = h.Str("name_label"),
                ["address"] = h.Str("address"),
                ["power"] = f.Off ? "off" : "on",
                ["live"] = Handlers.Placement.IsLive(db, h),
                ["coordinator"] = pool.Str("master") == h.Ref,
                ["isolated"] = f.Group != 0,
                ["storageLost"] = f.StorageLost.Select(sr => (object?)(db.TryGet("SR", sr)?.Str("name_label") ?? sr)).ToList(),
            });
        }

        return new Dictionary<string, object?>
        {
            ["hosts"] = hosts,
            ["clock"] = Iso(farm.Clock.UtcNow),
            ["haEnabled"] = haEnabled,
        };
    }
}
