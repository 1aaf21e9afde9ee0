using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

public sealed class ProcessTests
{
    private static ProcessStartInfo Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "xensim.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    [Fact]
    public async Task Xensim_prints_one_ready_line_serves_and_exits_zero_on_sigterm()
    {
        using var p = Process.Start(Start("--hosts", "2", "--port", "0", "--password", "s3cret-pw"))!;
        try
        {
            var readLine = p.StandardOutput.ReadLineAsync();
            var line = await readLine.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(line);
            var m = System.Text.RegularExpressions.Regex.Match(line!, "^XENHA_SIM_READY url=(http://127\\.0\\.0\\.1:(\\d+)/) hosts=(\\S+) pid=(\\d+) control=http://127\\.0\\.0\\.1:\\d+/ token=[0-9a-f]{32}$");
            Assert.True(m.Success, line);
            Assert.Equal(p.Id.ToString(), m.Groups[4].Value);
            var hosts = m.Groups[3].Value.Split(',');
            Assert.Equal(new[] { m.Groups[1].Value, $"http://127.0.0.2:{m.Groups[2].Value}/" }, hosts);
            using var c = new SimClient(new Uri(m.Groups[1].Value));
            var s = await c.LoginAsync("root", "s3cret-pw");
            Assert.StartsWith("OpaqueRef:", s);

            using (var kill = Process.Start("kill", new[] { "-TERM", p.Id.ToString() })) await kill!.WaitForExitAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, p.ExitCode);
            var rest = await p.StandardOutput.ReadToEndAsync();
            Assert.Equal("", rest);
            var err = await p.StandardError.ReadToEndAsync();
            Assert.DoesNotContain("s3cret-pw", err + line);
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
        }
    }

    [Fact]
    public async Task Unknown_option_exits_2_with_usage_on_stderr()
    {
        using var p = Process.Start(Start("--bogus"))!;
        var err = await p.StandardError.ReadToEndAsync();
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("usage: xensim", err);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task List_methods_prints_the_table()
    {
        using var p = Process.Start(Start("--list-methods"))!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, p.ExitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("VM.get_all_records", lines);
        Assert.Contains("event.from", lines);
        Assert.True(lines.Length > 500);
        Assert.Equal(lines.Length, lines.Distinct().Count());
    }
}
