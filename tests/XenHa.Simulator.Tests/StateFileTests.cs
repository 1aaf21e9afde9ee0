using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace XenHa.Simulator.Tests;

/// <summary>
/// xensim --state FILE: a scenario of writes, SIGKILL at random points, restart with the same file
/// and port; every write whose answer arrived is there and the inventory is consistent.
/// </summary>
public sealed class StateFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "xensim-state-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public StateFileTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private sealed class Running : IDisposable
    {
        public required Process Process { get; init; }
        public required Uri Url { get; init; }
        public required int Port { get; init; }
        public required SimClient Client { get; init; }

        public void Dispose()
        {
            Client.Dispose();
            if (!Process.HasExited) Process.Kill(true);
            Process.Dispose();
        }
    }

    private static async Task<Running> StartAsync(string state, int port)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "xensim.dll"), "--hosts", "3", "--preset", "pooled-with-vms", "--speed", "50",
                     "--state", state, "--port", port.ToString(), "--parent-pid", Environment.ProcessId.ToString() })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var m = Regex.Match(line ?? "", "^XENHA_SIM_READY url=(http://127\\.0\\.0\\.1:(\\d+)/)");
        Assert.True(m.Success, "no ready line: " + line);
        var url = new Uri(m.Groups[1].Value);
        return new Running { Process = p, Url = url, Port = int.Parse(m.Groups[2].Value), Client = new SimClient(url) };
    }

    [Fact]
    public async Task Acknowledged_writes_survive_sigkill_at_random_points()
    {
        var state = Path.Combine(_dir, "farm.json");
        var random = new Random(20261125);
        var expectedVms = new Dictionary<string, (string Power, string? Mark)>(StringComparer.Ordinal);
        string? expectedPoolName = null;
        string? expectedSr = null;
        var acknowledged = 0;
        var uuids = new List<string>();
        var run = await StartAsync(state, 0);
        var port = run.Port;
        var url = run.Url;
        const int kills = 6;
        try
        {
            for (var round = 0; round <= kills; round++)
            {
                var c = run.Client;
                var s = await c.LoginAsync();
                // Whatever was acknowledged before the last kill is there, and nothing is half made.
                await VerifyAsync(c, s, expectedVms, expectedPoolName, expectedSr);
                if (round == 0)
                {
                    uuids = await HostUuidsAsync(c, s);
                    if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(state));
                }
                else
                {
                    Assert.Equal(uuids, await HostUuidsAsync(c, s));
                    Assert.Equal(url, run.Url);
                }

                if (round == kills) break;

                var source = await SourceVmAsync(c, s);
                var writes = random.Next(3, 9);
                for (var i = 0; i < writes; i++)
                {
                    var n = $"{round}-{i}";
                    var clones = expectedVms.Keys.ToList();
                    switch (clones.Count == 0 ? 0 : random.Next(5))
                    {
                        case 0:
                            await c.ResultAsync("VM.clone", s, source, "kt-" + n);
                            expectedVms["kt-" + n] = ("Halted", null);
                            break;
                        case 1:
                        {
                            var name = clones[random.Next(clones.Count)];
                            var vm = await RefAsync(c, s, name);
                            await c.ResultAsync("VM.remove_from_other_config", s, vm, "kt");
                            await c.ResultAsync("VM.add_to_other_config", s, vm, "kt", n);
                            expectedVms[name] = expectedVms[name] with { Mark = n };
                            break;
                        }
                        case 2:
                        {
                            var name = clones[random.Next(clones.Count)];
                            var vm = await RefAsync(c, s, name);
                            if (expectedVms[name].Power == "Halted")
                            {
                                await c.ResultAsync("VM.start", s, vm, false, false);
                                expectedVms[name] = expectedVms[name] with { Power = "Running" };
                            }
                            else
                            {
                                await c.ResultAsync("VM.hard_shutdown", s, vm);
                                expectedVms[name] = expectedVms[name] with { Power = "Halted" };
                            }

                            break;
                        }
                        case 3:
                        {
                            var pool = (await c.ResultAsync("pool.get_all", s))[0].GetString()!;
                            await c.ResultAsync("pool.set_name_label", s, pool, "kt-pool-" + n);
                            expectedPoolName = "kt-pool-" + n;
                            break;
                        }
                        default:
                            if (expectedSr is null)
                            {
                                var pool = (await c.ResultAsync("pool.get_all", s))[0].GetString()!;
                                var master = (await c.ResultAsync("pool.get_master", s, pool)).GetString()!;
                                await c.ResultAsync("SR.create", s, master, new Dictionary<string, string> { ["server"] = "nas01", ["serverpath"] = "/export/xen" },
                                    "0", "kt-sr", "", "nfs", "", true, new Dictionary<string, string>());
                                expectedSr = "kt-sr";
                            }

                            break;
                    }

                    acknowledged++;
                }

                // A write in flight when the process dies: it may or may not be there, but never half.
                var inflight = c.ResultAsync("VM.clone", s, source, "inflight-" + round);
                await Task.Delay(random.Next(0, 40));
                run.Process.Kill();
                await run.Process.WaitForExitAsync();
                try
                {
                    await inflight;
                }
                catch (Exception e) when (e is System.Net.Http.HttpRequestException or InvalidOperationException or XenError or TaskCanceledException)
                {
                }

                run.Dispose();
                run = await StartAsync(state, port);
            }
        }
        finally
        {
            run.Dispose();
        }

        _output.WriteLine($"{kills} SIGKILLs survived, {acknowledged} acknowledged writes all present");
        Console.WriteLine($"STATE: {kills} SIGKILLs survived, {acknowledged} acknowledged writes all present");
    }

    [Fact]
    public async Task An_unreadable_state_file_stops_xensim_with_a_clear_error()
    {
        var state = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(state, "{\"format\":1,");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "xensim.dll"), "--state", state })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("cannot be read", err);
    }

    [Fact]
    public async Task A_state_file_that_cannot_be_written_stops_the_start_with_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            SimulatorHost.StartAsync(new SimulatorOptions { StatePath = Path.Combine(_dir, "no-such-dir", "farm.json") }));
        Assert.Contains("cannot be written", e.Message);
    }

    private static async Task<string> SourceVmAsync(SimClient c, string s)
    {
        var vm = await RefAsync(c, s, "xennode01-vm1");
        if ((await c.ResultAsync("VM.get_power_state", s, vm)).GetString() != "Halted") await c.ResultAsync("VM.hard_shutdown", s, vm);
        return vm;
    }

    private static async Task<string> RefAsync(SimClient c, string s, string name)
    {
        var refs = await c.ResultAsync("VM.get_by_name_label", s, name);
        Assert.True(refs.GetArrayLength() == 1, name + ": " + refs);
        return refs[0].GetString()!;
    }

    private static async Task<List<string>> HostUuidsAsync(SimClient c, string s) =>
        (await c.ResultAsync("host.get_all_records", s)).EnumerateObject().Select(h => h.Value.GetProperty("name_label").GetString() + "=" + h.Value.GetProperty("uuid").GetString())
        .OrderBy(x => x, StringComparer.Ordinal).ToList();

    private static async Task VerifyAsync(SimClient c, string s, Dictionary<string, (string Power, string? Mark)> vms, string? poolName, string? sr)
    {
        var all = (await c.ResultAsync("VM.get_all_records", s)).EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        foreach (var (name, (power, mark)) in vms)
        {
            var matches = all.Values.Where(v => v.GetProperty("name_label").GetString() == name).ToList();
            Assert.True(matches.Count == 1, "acknowledged VM " + name + " is missing");
            Assert.Equal(power, matches[0].GetProperty("power_state").GetString());
            var other = matches[0].GetProperty("other_config");
            if (mark is not null) Assert.Equal(mark, other.GetProperty("kt").GetString());
        }

        if (poolName is not null)
        {
            var pool = (await c.ResultAsync("pool.get_all", s))[0].GetString()!;
            Assert.Equal(poolName, (await c.ResultAsync("pool.get_name_label", s, pool)).GetString());
        }

        var srs = (await c.ResultAsync("SR.get_all_records", s)).EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        if (sr is not null)
        {
            var created = srs.Values.Single(x => x.GetProperty("name_label").GetString() == sr);
            Assert.Equal(3, created.GetProperty("PBDs").GetArrayLength());
        }

        // No half-made objects: every reference between VMs, VBDs, VDIs and SRs resolves.
        var vbds = (await c.ResultAsync("VBD.get_all_records", s)).EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        var vdis = (await c.ResultAsync("VDI.get_all_records", s)).EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        foreach (var (r, vbd) in vbds)
        {
            Assert.True(all.ContainsKey(vbd.GetProperty("VM").GetString()!), "VBD " + r + " of a missing VM");
            var vdi = vbd.GetProperty("VDI").GetString()!;
            Assert.True(vdi == "OpaqueRef:NULL" || vdis.ContainsKey(vdi), "VBD " + r + " of a missing VDI " + vdi);
        }

        foreach (var (r, vm) in all)
            foreach (var vbd in vm.GetProperty("VBDs").EnumerateArray())
                Assert.True(vbds.ContainsKey(vbd.GetString()!), "VM " + r + " lists a missing VBD");
        foreach (var (r, vdi) in vdis)
            Assert.True(srs.ContainsKey(vdi.GetProperty("SR").GetString()!), "VDI " + r + " on a missing SR");
        foreach (var task in (await c.ResultAsync("task.get_all_records", s)).EnumerateObject())
            Assert.NotEqual("pending", task.Value.GetProperty("status").GetString());
    }
}
