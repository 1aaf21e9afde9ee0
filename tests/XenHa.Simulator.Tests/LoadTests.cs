using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;
using Client = XenHa.Client;

namespace XenHa.Simulator.Tests;

/// <summary>
/// 50 XenHa.Client sessions against one simulator for a bounded time while fault rules fire: zero
/// errors other than the injected ones, memory back near where it started, and a bounded number of
/// sockets (each session reuses its keep-alive connections).
/// </summary>
public sealed class LoadTests
{
    private const int Clients = 50;
    private const string InjectedCode = "XENHA_INJECTED_FAULT";
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(20);

    private readonly ITestOutputHelper _output;

    public LoadTests(ITestOutputHelper output) => _output = output;

    private sealed class Tally
    {
        public long Calls;
        public long InjectedErrors;
        public long InjectedDrops;
        public readonly ConcurrentQueue<string> Errors = new();
    }

    [Fact]
    public async Task Fifty_clients_with_faults_firing_see_only_the_injected_errors_and_memory_and_sockets_stay_bounded()
    {
        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions
        {
            Farm = { Hosts = 3, Preset = "pooled-with-vms", VmsPerHost = 17 },
            Speed = 100,
        });
        var url = sim.CoordinatorUrl.ToString();
        using var control = new HttpClient { BaseAddress = sim.ControlUrl };
        control.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", sim.ControlToken);
        var options = new Client.XenSessionOptions { FailoverTimeout = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(30) };
        List<string> vms;
        var agile = new HashSet<string>(StringComparer.Ordinal);
        await using (var setup = new SessionScope(await Client.XenSession.LoginAsync(url, "root", "xenroot", options)))
        {
            vms = (await setup.Session.GetAllRecordsAsync<Client.Vm>(CancellationToken.None))
                .Where(v => !v.IsATemplate && !v.IsControlDomain && !v.IsASnapshot).OrderBy(v => v.NameLabel, StringComparer.Ordinal)
                .Select(v => v.OpaqueRef).ToList();
            // Only VMs on shared storage can move; the others are started and stopped.
            foreach (var vm in vms)
            {
                try
                {
                    await setup.Session.CallAsync<string>("VM.assert_agile", CancellationToken.None, vm);
                    agile.Add(vm);
                }
                catch (Client.XenApiException e) when (e.Code == "VM_REQUIRES_SR" || e.Code == "HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED")
                {
                }
            }
        }

        // The faults fire from here on, not on the set-up reads above.
        foreach (var rule in new[]
                 {
                     "{\"method\":\"VM.get_record\",\"probability\":0.1,\"delayMs\":100}",
                     "{\"method\":\"VM.get_all_records\",\"probability\":0.05,\"error\":[\"" + InjectedCode + "\",\"load test\"]}",
                     "{\"method\":\"VM.get_guest_metrics\",\"probability\":0.05,\"drop\":true}",
                 })
        {
            using var response = await control.PostAsync("faults", new StringContent(rule, Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.True(vms.Count >= Clients, vms.Count + " guest VMs");
        var hosts = sim.Farm.Pools.SelectMany(db => db.All("host")).Select(h => h.Ref).ToList();
        var tally = new Tally();
        var port = sim.Port;
        var peakSockets = 0;
        using var stop = new CancellationTokenSource();

        // Warm up (code paths, connection pools), then measure the baseline.
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(i => RunClientAsync(i, url, options, vms[i], agile.Contains(vms[i]), hosts, tally, DateTime.UtcNow + TimeSpan.FromSeconds(2))));
        var (heapBefore, workingSetBefore) = Memory();
        var callsBefore = Interlocked.Read(ref tally.Calls);
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakSockets = Math.Max(peakSockets, EstablishedTo(port));
                await Task.Delay(250).ConfigureAwait(false);
            }
        });
        var clock = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + RunFor;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(i => RunClientAsync(i, url, options, vms[i], agile.Contains(vms[i]), hosts, tally, deadline)));
        var elapsed = clock.Elapsed;
        stop.Cancel();
        await sampler;
        var (heapAfter, workingSetAfter) = Memory();
        var fired = await FiredAsync(control);

        var calls = Interlocked.Read(ref tally.Calls) - callsBefore;
        var summary = $"{Clients} clients for {elapsed.TotalSeconds:0.0} s: {calls} calls ({calls / elapsed.TotalSeconds:0} per second), "
                      + $"{tally.Errors.Count} errors, {tally.InjectedErrors} injected errors and {tally.InjectedDrops} injected drops seen (rules fired {fired}); "
                      + $"GC heap {heapBefore / 1048576.0:0.0} -> {heapAfter / 1048576.0:0.0} MiB, working set {workingSetBefore / 1048576.0:0} -> {workingSetAfter / 1048576.0:0} MiB; "
                      + $"peak established connections to the simulator {peakSockets}";
        _output.WriteLine(summary);
        Console.WriteLine("LOAD: " + summary);

        Assert.True(tally.Errors.IsEmpty, summary + Environment.NewLine + string.Join(Environment.NewLine, tally.Errors.Take(10)));
        Assert.True(tally.InjectedErrors + tally.InjectedDrops > 0, "no fault fired: " + summary);
        Assert.True(calls > Clients * 10, summary);
        // Generous bounds: a leak of a few KiB per call over thousands of calls would pass 64 MiB.
        Assert.True(heapAfter < heapBefore + 64L * 1024 * 1024, summary);
        // Each client has at most one call in flight, plus a connection being replaced after a drop.
        Assert.True(peakSockets <= 2 * Clients + 10, summary);
    }

    private static async Task RunClientAsync(int index, string url, Client.XenSessionOptions options, string vmRef, bool agile, List<string> hosts, Tally tally, DateTime deadline)
    {
        var random = new Random(index);
        var vm = new Client.XenRef<Client.Vm>(vmRef);
        Client.XenSession? session = null;
        try
        {
            session = await Call(tally, "session.login_with_password", () => Client.XenSession.LoginAsync(url, "root", "xenroot", options));
            if (session is null) return;
            var token = "";
            while (DateTime.UtcNow < deadline)
            {
                switch (random.Next(10))
                {
                    case 0:
                        await Call(tally, "VM.get_all_records", () => session.GetAllRecordsAsync<Client.Vm>(CancellationToken.None));
                        break;
                    case 1:
                    case 2:
                        await Call(tally, "VM.get_guest_metrics", () => session.CallAsync<string>("VM.get_guest_metrics", CancellationToken.None, vmRef));
                        break;
                    case 3:
                    case 4:
                    {
                        var from = await Call(tally, "event.from", () => session.CallRawAsync("event.from", new object?[] { new[] { "vm" }, token, 0.2 }, true, CancellationToken.None));
                        if (from is Dictionary<string, object?> map && map.TryGetValue("token", out var t) && t is string s) token = s;
                        break;
                    }
                    case 5:
                    case 6:
                    {
                        var record = await Call(tally, "VM.get_record", () => session.GetRecordAsync(vm, CancellationToken.None));
                        if (record is null) break;
                        if (record.PowerState == Client.VmPowerState.Halted)
                        {
                            await Call(tally, "VM.start", () => session.CallAsync<string>("VM.start", CancellationToken.None, vmRef, false, false));
                        }
                        else if (record.PowerState == Client.VmPowerState.Running && agile && random.Next(2) == 0 && await CanSuspendAsync(tally, session, record))
                        {
                            var target = hosts.Where(h => h != record.ResidentOn.OpaqueRef).OrderBy(_ => random.Next()).First();
                            await Call(tally, "VM.pool_migrate", () => session.CallAsync<string>("VM.pool_migrate", CancellationToken.None, vmRef, target,
                                new Dictionary<string, string> { ["live"] = "true" }));
                        }
                        else if (record.PowerState == Client.VmPowerState.Running)
                        {
                            await Call(tally, "VM.hard_shutdown", () => session.CallAsync<string>("VM.hard_shutdown", CancellationToken.None, vmRef));
                        }

                        break;
                    }
                    default:
                        await Call(tally, "VM.get_power_state", () => session.CallAsync<string>("VM.get_power_state", CancellationToken.None, vmRef));
                        break;
                }
            }
        }
        finally
        {
            if (session is not null)
            {
                await Call(tally, "session.logout", async () =>
                {
                    await session.LogoutAsync();
                    return true;
                });
                session.Dispose();
            }
        }
    }

    /// <summary>Live migration needs the guest's tools up (feature-suspend), as in xapi.</summary>
    private static async Task<bool> CanSuspendAsync(Tally tally, Client.XenSession session, Client.Vm record)
    {
        if (record.GuestMetrics.OpaqueRef is null or "OpaqueRef:NULL") return false;
        var other = await Call(tally, "VM_guest_metrics.get_other", () => session.CallAsync<Dictionary<string, string>>("VM_guest_metrics.get_other", CancellationToken.None, record.GuestMetrics.OpaqueRef));
        return other is not null && other.TryGetValue("feature-suspend", out var v) && v == "1";
    }

    /// <summary>One call: counts it, and sorts a failure into injected (the rule's error, or a dropped connection on the dropping method) or an error.</summary>
    private static async Task<T?> Call<T>(Tally tally, string method, Func<Task<T>> call)
    {
        Interlocked.Increment(ref tally.Calls);
        try
        {
            return await call();
        }
        catch (Client.XenConnectionException) when (method == "VM.get_guest_metrics")
        {
            Interlocked.Increment(ref tally.InjectedDrops);
        }
        catch (Client.XenApiException e) when (e.Code == InjectedCode && method == "VM.get_all_records")
        {
            Interlocked.Increment(ref tally.InjectedErrors);
        }
        catch (Exception e)
        {
            tally.Errors.Enqueue(method + ": " + e.GetType().Name + ": " + e.Message);
        }

        return default;
    }

    private static (long Heap, long WorkingSet) Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var me = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(true), me.WorkingSet64);
    }

    /// <summary>Established TCP connections whose remote end is the simulator's port (the client side of each).</summary>
    private static int EstablishedTo(int port) =>
        IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections().Count(c => c.State == TcpState.Established && c.RemoteEndPoint.Port == port);

    private static async Task<string> FiredAsync(HttpClient control)
    {
        var text = await control.GetStringAsync("faults");
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        var rules = doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("rules");
        return string.Join("/", rules.EnumerateArray().Select(r => r.TryGetProperty("fired", out var f) ? f.ToString() : "?"));
    }

    private sealed class SessionScope : IAsyncDisposable
    {
        public SessionScope(Client.XenSession session) => Session = session;

        public Client.XenSession Session { get; }

        public async ValueTask DisposeAsync()
        {
            await Session.LogoutAsync();
            Session.Dispose();
        }
    }
}
