using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace XenHa.Benchmarks;

/// <summary>Item 3: the simulator's throughput for small calls and its get_all_records latency at scale.</summary>
internal static class SimulatorLoad
{
    public static async Task RunAsync(int hosts, int vms, int seconds)
    {
        var build = Stopwatch.StartNew();
        await using var kit = await SimKit.StartAsync(Farms.ScaleOptions(hosts, vms)).ConfigureAwait(false);
        Console.Out.WriteLine($"xensim farm of {hosts} hosts and {vms} VMs started in {build.Elapsed.TotalSeconds:0.0} s");
        var url = kit.Host.CoordinatorUrl;
        var session = kit.Session.SessionRef;
        var small = Body("pool.get_all", session);
        foreach (var clients in new[] { 1, 16 })
        {
            var rate = await CallsPerSecond(url, small, clients, TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
            new Row($"xensim small calls (pool.get_all), {clients} keep-alive client(s)", rate, "calls/s", Goal: ">= 5000 calls/s", GoalMet: rate >= 5000).Print();
        }

        using var http = NewClient(1);
        var all = Body("VM.get_all_records", session);
        long size = 0;
        await Post(http, url, all).ConfigureAwait(false);
        var ms = await Medians.TimeAsync(5, async () => size = await Post(http, url, all).ConfigureAwait(false)).ConfigureAwait(false);
        new Row($"xensim VM.get_all_records latency, {vms} VMs ({size / 1048576.0:0.0} MiB)", ms, "ms").Print();
    }

    private static byte[] Body(string method, string session) => Encoding.UTF8.GetBytes(
        $"<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName><params><param><value><string>{session}</string></value></param></params></methodCall>");

    private static HttpClient NewClient(int connections) => new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        Timeout = TimeSpan.FromMinutes(5),
    };

    /// <summary>POSTs one call and reads the whole answer; returns its length. A Failure answer is an error.</summary>
    private static async Task<long> Post(HttpClient http, Uri url, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/xml");
        using var response = await http.PostAsync(url, content).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        if (bytes.Length < 400 && Encoding.UTF8.GetString(bytes).Contains("Failure", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the simulator answered " + Encoding.UTF8.GetString(bytes));
        }

        return bytes.Length;
    }

    /// <summary>Each client is one keep-alive connection calling in a loop; the rate over the whole window.</summary>
    private static async Task<double> CallsPerSecond(Uri url, byte[] body, int clients, TimeSpan window)
    {
        var https = Enumerable.Range(0, clients).Select(_ => NewClient(1)).ToList();
        try
        {
            foreach (var http in https)
            {
                await Post(http, url, body).ConfigureAwait(false);
            }

            long calls = 0;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(https.Select(async http =>
            {
                while (watch.Elapsed < window)
                {
                    await Post(http, url, body).ConfigureAwait(false);
                    Interlocked.Increment(ref calls);
                }
            })).ConfigureAwait(false);
            return calls / watch.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var http in https) http.Dispose();
        }
    }
}
