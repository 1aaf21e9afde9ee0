using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client;
using XenHa.Simulator;

namespace XenHa.Benchmarks;

/// <summary>An in-process simulator plus a XenHa.Client session for setting up a scenario.</summary>
internal sealed class SimKit : IAsyncDisposable
{
    private const long MiB = 1L << 20;

    private SimKit(SimulatorHost host, XenSession session)
    {
        Host = host;
        Session = session;
    }

    public SimulatorHost Host { get; }

    public XenSession Session { get; }

    public static async Task<SimKit> StartAsync(SimulatorOptions options)
    {
        var host = await SimulatorHost.StartAsync(options).ConfigureAwait(false);
        var session = await XenSession.LoginAsync(host.CoordinatorUrl.ToString(), options.Farm.User, options.Farm.Password,
            new XenSessionOptions { Timeout = TimeSpan.FromMinutes(10) }).ConfigureAwait(false);
        return new SimKit(host, session);
    }

    public async ValueTask DisposeAsync()
    {
        Session.Dispose();
        await Host.DisposeAsync().ConfigureAwait(false);
    }

    public async Task<object?> Call(string method, params object?[] args) =>
        await Session.CallRawAsync(method, args, true, CancellationToken.None).ConfigureAwait(false);

    public async Task<string> Ref(string method, params object?[] args) => (string)(await Call(method, args).ConfigureAwait(false))!;

    public async Task<string> HostRef(string name) => (string)((object?[])(await Call("host.get_by_name_label", name).ConfigureAwait(false))!)[0]!;

    /// <summary>A shared NFS SR on the default NAS (agile VMs, HA heartbeat).</summary>
    public async Task<string> NfsSr()
    {
        var dc = new Dictionary<string, object?> { ["server"] = "nas01", ["serverpath"] = "/export/xen" };
        return await Ref("SR.create", await HostRef("xennode01").ConfigureAwait(false), dc, "0", "NFS", "", "nfs", "", true, new Dictionary<string, object?>()).ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="count"/> diskless (so agile) guests of <paramref name="memoryMiB"/> MiB from the Debian template,
    /// started on <paramref name="hostName"/>, 16 at a time.
    /// </summary>
    public async Task<IReadOnlyList<string>> StartGuests(int count, string hostName, long memoryMiB, bool protect)
    {
        var template = (string)((object?[])(await Call("VM.get_by_name_label", "Debian Bookworm 12").ConfigureAwait(false))!)[0]!;
        var host = await HostRef(hostName).ConfigureAwait(false);
        var bytes = (memoryMiB * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var refs = new string[count];
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var vm = await Ref("VM.clone", template, $"bench-{i:0000}").ConfigureAwait(false);
                await Call("VM.set_is_a_template", vm, false).ConfigureAwait(false);
                await Call("VM.set_memory_limits", vm, bytes, bytes, bytes, bytes).ConfigureAwait(false);
                await Call("VM.start_on", vm, host, false, false).ConfigureAwait(false);
                if (protect)
                {
                    await Call("VM.set_ha_restart_priority", vm, "restart").ConfigureAwait(false);
                }

                refs[i] = vm;
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return refs;
    }

    /// <summary>POST to the simulator's control plane (power, partitions).</summary>
    public async Task Control(string path)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Host.ControlUrl, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Host.ControlToken);
        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"control plane {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }
    }
}
