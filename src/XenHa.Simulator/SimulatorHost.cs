using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator;

/// <summary>Start-up options of a simulator (the CLI maps onto these).</summary>
public sealed class SimulatorOptions
{
    public FarmOptions Farm { get; set; } = new();

    /// <summary>Port shared by every host endpoint; 0 = pick a free one.</summary>
    public int Port { get; set; }

    /// <summary>Address of xennode01; host k binds base + k - 1.</summary>
    public string BindBase { get; set; } = "127.0.0.1";

    public bool Tls { get; set; }

    /// <summary>When set, xensim exits once this process is gone.</summary>
    public int ParentPid { get; set; }

    /// <summary>Clock speed factor (ignored when <see cref="Clock"/> is set).</summary>
    public double Speed { get; set; } = 1.0;

    /// <summary>A clock to use instead of real time × speed (e.g. <see cref="ManualClock"/> in tests).</summary>
    public ISimClock? Clock { get; set; }

    /// <summary>Control-plane bearer token; null or empty = generate one (the ready line then prints it).</summary>
    public string? ControlToken { get; set; }

    /// <summary>
    /// The persistent state file (--state FILE): when it exists the farm is restored from it (its shape,
    /// bind base and every record) instead of built; every change is written to it before it is answered.
    /// </summary>
    public string? StatePath { get; set; }

    /// <summary>Fault rules installed at start-up (--faults FILE).</summary>
    internal List<Faults.FaultRule> Faults { get; } = new();
}

/// <summary>An in-process simulator: one Kestrel endpoint per host on loopback, all on the same port.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly List<WebApplication> _apps;

    private SimulatorHost(SimFarm farm, List<WebApplication> apps, IReadOnlyList<Uri> urls, string? thumbprint, X509Certificate2? cert, Faults.ControlPlane control)
    {
        Control = control;
        Farm = farm;
        _apps = apps;
        HostUrls = urls;
        Thumbprint = thumbprint;
        Certificate = cert;
    }

    internal SimFarm Farm { get; }

    internal Faults.ControlPlane Control { get; }

    /// <summary>The control plane, http://127.0.0.1:PORT/.</summary>
    public Uri ControlUrl => Control.Url;

    /// <summary>The control plane's bearer token.</summary>
    public string ControlToken => Control.Token;

    /// <summary>Whether <see cref="ControlToken"/> was generated (not given).</summary>
    public bool ControlTokenGenerated => Control.TokenGenerated;

    /// <summary>URL of the coordinator of the first pool (xennode01).</summary>
    public Uri CoordinatorUrl => HostUrls[0];

    /// <summary>URL of every host, xennode01 first.</summary>
    public IReadOnlyList<Uri> HostUrls { get; }

    /// <summary>SHA-256 thumbprint (hex) of the self-signed certificate with --tls, else null.</summary>
    public string? Thumbprint { get; }

    public X509Certificate2? Certificate { get; }

    public int Port => HostUrls[0].Port;

    public ISimClock Clock => Farm.Clock;

    public static async Task<SimulatorHost> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default)
    {
        options.Farm.Validate();
        var clock = options.Clock ?? new ScaledClock(options.Speed);
        var restore = options.StatePath is not null && System.IO.File.Exists(options.StatePath);
        var bindBase = options.BindBase;
        FarmOptions farmOptions;
        SimFarm farm;
        try
        {
            farmOptions = restore ? StateStore.ReadOptions(options.StatePath!, options.Farm.Password, out bindBase) : options.Farm;
            farm = new SimFarm(farmOptions, clock) { BindBase = bindBase };
            if (restore) StateStore.Restore(farm, options.StatePath!);
            else FarmBuilder.Build(farm, bindBase);
        }
        catch (Exception e) when (restore && e is System.Text.Json.JsonException or System.IO.InvalidDataException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidOperationException("the state file " + options.StatePath + " cannot be read: " + e.Message, e);
        }

        if (options.StatePath is not null)
        {
            farm.State = new StateStore(options.StatePath);
            try
            {
                lock (farm.Lock) farm.State.Save(farm);
            }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException("the state file " + options.StatePath + " cannot be written: " + e.Message, e);
            }
        }

        var addresses = Enumerable.Range(1, farmOptions.Hosts).Select(k => FarmBuilder.HostAddress(bindBase, k)).ToList();
        var cert = options.Tls ? CreateCertificate(addresses) : null;
        var scheme = options.Tls ? "https" : "http";
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var apps = new List<WebApplication>();
            try
            {
                var port = options.Port;
                foreach (var address in addresses)
                {
                    var app = Build(farm, IPAddress.Parse(address), port, cert);
                    apps.Add(app);
                    await app.StartAsync(cancellationToken).ConfigureAwait(false);
                    if (port == 0)
                    {
                        var bound = app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer)) as Microsoft.AspNetCore.Hosting.Server.IServer;
                        var url = bound!.Features.Get<IServerAddressesFeature>()!.Addresses.First();
                        port = new Uri(url).Port;
                    }
                }

                var urls = addresses.Select(a => new Uri($"{scheme}://{a}:{port}/")).ToList();
                var thumb = cert?.GetCertHashString(HashAlgorithmName.SHA256);
                var control = await XenHa.Simulator.Faults.ControlPlane.StartAsync(farm, options.ControlToken, cancellationToken).ConfigureAwait(false);
                lock (farm.Lock)
                    foreach (var rule in options.Faults) farm.Faults.AddRule(rule);
                farm.Ha.Start();
                return new SimulatorHost(farm, apps, urls, thumb, cert, control);
            }
            catch (Exception e) when (e is System.IO.IOException or Microsoft.AspNetCore.Connections.AddressInUseException or System.Net.Sockets.SocketException)
            {
                last = e;
                foreach (var app in apps) await app.DisposeAsync().ConfigureAwait(false);
                if (options.Port != 0) break;
            }
        }

        throw new InvalidOperationException("could not bind the host endpoints: " + last?.Message, last);
    }

    private static WebApplication Build(SimFarm farm, IPAddress address, int port, X509Certificate2? cert)
    {
        // No configuration file watchers: one per host endpoint used up the user's inotify instances
        // (128 by default on Linux) once a 64-host farm and a few test farms ran side by side.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = new[] { "--hostBuilder:reloadConfigOnChange=false" } });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            k.Listen(address, port, lo =>
            {
                lo.Protocols = HttpProtocols.Http1;
                if (cert is not null) lo.UseHttps(cert);
            });
        });
        var app = builder.Build();
        app.Run((HttpContext ctx) => HttpFrontEnd.HandleAsync(ctx, farm));
        return app;
    }

    private static X509Certificate2 CreateCertificate(IEnumerable<string> addresses)
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest("CN=xensim", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        foreach (var a in addresses) san.AddIpAddress(IPAddress.Parse(a));
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        Farm.Ha.Stop();
        await Control.DisposeAsync().ConfigureAwait(false);
        foreach (var app in _apps)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await app.StopAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await app.DisposeAsync().ConfigureAwait(false);
        }

        lock (Farm.Lock) System.Threading.Monitor.PulseAll(Farm.Lock);
        Certificate?.Dispose();
    }
}
