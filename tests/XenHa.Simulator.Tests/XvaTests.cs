using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using System.Xml.Linq;
using XenHa.Simulator.Xva;
using Xunit;

namespace XenHa.Simulator.Tests;

public sealed class XvaTests
{
    private const int MiB = 1024 * 1024;

    private static HttpClient Http() => new(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Tar entries (name, data) of an uncompressed XVA.</summary>
    private static List<(string Name, byte[] Data)> Entries(byte[] tar)
    {
        var list = new List<(string, byte[])>();
        for (var pos = 0; pos + 512 <= tar.Length;)
        {
            if (tar.AsSpan(pos, 512).IndexOfAnyExcept((byte)0) < 0) break;
            var name = Encoding.ASCII.GetString(tar, pos, 100).TrimEnd('\0');
            var size = Convert.ToInt64(Encoding.ASCII.GetString(tar, pos + 124, 12).Trim('\0', ' '), 8);
            list.Add((name, tar.AsSpan(pos + 512, (int)size).ToArray()));
            pos += 512 + (int)((size + 511) / 512 * 512);
        }

        return list;
    }

    private static async Task<string> NewTask(VmKit k, string label) => await k.Str("task.create", label, "");

    private static async Task<(HttpStatusCode Status, byte[] Body, HttpResponseMessage Response)> Export(VmKit k, string vm, string? task = null, string extra = "", Uri? at = null)
    {
        using var http = Http();
        var uuid = (await k.Rec("VM", vm)).GetProperty("uuid").GetString();
        var url = new Uri(at ?? k.Host.CoordinatorUrl, $"/export?session_id={k.S}&uuid={uuid}" + (task is null ? "" : "&task_id=" + task) + extra);
        var res = await http.GetAsync(url);
        return (res.StatusCode, await res.Content.ReadAsByteArrayAsync(), res);
    }

    private static async Task<HttpResponseMessage> Import(Uri host, string session, byte[] xva, string? task, string extra = "")
    {
        using var http = Http();
        var content = new ByteArrayContent(xva);
        return await http.PutAsync(new Uri(host, $"/import?session_id={session}" + (task is null ? "" : "&task_id=" + task) + extra), content);
    }

    private static async Task<int> Count(VmKit k, string cls, Uri? at = null, string? session = null)
    {
        if (at is null) return (await k.R(cls + ".get_all")).GetArrayLength();
        using var c = new SimClient(at);
        return (await c.ResultAsync(cls + ".get_all", session)).GetArrayLength();
    }

    /// <summary>A VM installed from a built-in template on the default SR (what xe vm-install does).</summary>
    private static async Task<string> Installed(VmKit k, string name)
    {
        var vm = await k.Str("VM.clone", await k.Vm("Debian Bookworm 12"), name);
        var pool = (await k.R("pool.get_all"))[0].GetString();
        var sr = await k.Str("SR.get_uuid", await k.Str("pool.get_default_SR", pool));
        var disks = (await k.Rec("VM", vm)).GetProperty("other_config").GetProperty("disks").GetString()!;
        await k.R("VM.remove_from_other_config", vm, "disks");
        await k.R("VM.add_to_other_config", vm, "disks", disks.Replace("sr=\"\"", "sr=\"" + sr + "\"", StringComparison.Ordinal));
        await k.R("VM.provision", vm);
        return vm;
    }

    [Fact]
    public void Xxh64_matches_the_published_test_vectors()
    {
        Assert.Equal(0xEF46DB3751D8E999UL, Checksums.Xxh64(ReadOnlySpan<byte>.Empty));
        Assert.Equal(0x44BC2CF5AD770999UL, Checksums.Xxh64("abc"u8));
        Assert.Equal("a9993e364706816aba3e25717850c26c9cd0d89d", Checksums.Compute(".checksum", "abc"u8.ToArray(), 3));
    }

    [Fact]
    public async Task Export_streams_ova_xml_then_checksummed_chunks_skipping_zero_chunks_but_not_the_first_and_last()
    {
        await using var k = await VmKit.StartAsync();
        var vm = await k.Vm("xennode01-vm2");
        var task = await NewTask(k, "export");
        var (status, body, res) = await Export(k, vm, task);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(task, res.Headers.GetValues("task-id").Single());
        var entries = Entries(body);
        Assert.Equal("ova.xml", entries[0].Name);
        var ova = XElement.Parse(Encoding.UTF8.GetString(entries[0].Data));
        var members = ova.Descendants("member").ToList();
        Assert.Contains(members, m => m.Element("name")!.Value == "export_vsn" && m.Element("value")!.Value == "2");
        var classes = ova.Descendants("member").Where(m => m.Element("name")!.Value == "class").Select(m => m.Element("value")!.Value).ToList();
        Assert.Equal(new[] { "host", "VM", "VM_metrics", "VBD", "VIF", "network", "VDI", "SR" }, classes);
        Assert.DoesNotContain("OpaqueRef:", Encoding.UTF8.GetString(entries[0].Data).Replace("OpaqueRef:NULL", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var chunks = entries.Skip(1).ToList();
        var vdiId = chunks[0].Name.Split('/')[0];
        Assert.StartsWith("Ref:", vdiId, StringComparison.Ordinal);
        // 20 GiB disk, 4 MiB of data with MiB 2 zero: chunks 0, 1, 3 and the last (20479), each with an .xxhash file.
        Assert.Equal(new[] { "00000000", "00000001", "00000003", "00020479" },
            chunks.Where(c => !c.Name.EndsWith(".xxhash", StringComparison.Ordinal)).Select(c => c.Name.Split('/')[1]).ToArray());
        for (var i = 0; i < chunks.Count; i += 2)
        {
            Assert.Equal(chunks[i].Name + ".xxhash", chunks[i + 1].Name);
            Assert.Equal(Checksums.Xxh64(chunks[i].Data).ToString("X16"), Encoding.ASCII.GetString(chunks[i + 1].Data));
            Assert.Equal(MiB, chunks[i].Data.Length);
        }

        Assert.True(chunks[^2].Data.All(b => b == 0));
        var rec = await k.WaitTask(task);
        Assert.Equal("success", rec.GetProperty("status").GetString());
        Assert.Empty((await k.R("VM.get_current_operations", vm)).EnumerateObject());
    }

    [Fact]
    public async Task A_legacy_host_writes_sha1_checksum_files_and_imports_read_them()
    {
        await using var k = await VmKit.StartAsync(api: "1.7");
        var (status, body, _) = await Export(k, await k.Vm("xennode01-vm2"));
        Assert.Equal(HttpStatusCode.OK, status);
        var chunks = Entries(body).Skip(1).ToList();
        Assert.EndsWith(".checksum", chunks[1].Name, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(chunks[0].Data)), Encoding.ASCII.GetString(chunks[1].Data));
        var task = await NewTask(k, "import");
        Assert.Equal(HttpStatusCode.OK, (await Import(k.Host.CoordinatorUrl, k.S, body, task)).StatusCode);
        Assert.Equal("success", (await k.WaitTask(task)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Task_cancel_stops_an_export_in_flight_and_releases_the_vm()
    {
        await using var k = await VmKit.StartAsync(new SimulatorOptions { Speed = 500, Farm = { Hosts = 1, Preset = "pooled-with-vms", DiskContentMb = 4096 } });
        var vm = await k.Vm("xennode01-vm2");
        var uuid = (await k.Rec("VM", vm)).GetProperty("uuid").GetString();
        var task = await NewTask(k, "export");
        using var http = Http();
        using var res = await http.GetAsync(new Uri(k.Host.CoordinatorUrl, $"/export?session_id={k.S}&uuid={uuid}&task_id={task}"), HttpCompletionOption.ResponseHeadersRead);
        var stream = await res.Content.ReadAsStreamAsync();
        var buffer = new byte[MiB];
        var read = 0L;
        while (read < 4 * MiB) read += await stream.ReadAsync(buffer);
        Assert.Equal("export", (await k.Rec("VM", vm)).GetProperty("current_operations").GetProperty(task).GetString());
        await k.R("task.cancel", task);
        var rec = await k.WaitTask(task);
        Assert.Equal("cancelled", rec.GetProperty("status").GetString());
        await Assert.ThrowsAnyAsync<Exception>(async () => { while (await stream.ReadAsync(buffer) > 0) { } });
        Assert.Empty((await k.R("VM.get_current_operations", vm)).EnumerateObject());
    }

    [Fact]
    public async Task A_running_vm_is_refused_with_vm_bad_power_state_on_the_task_and_http_500()
    {
        await using var k = await VmKit.StartAsync();
        var vm = await k.Vm("xennode01-vm1");
        var task = await NewTask(k, "export");
        var (status, _, _) = await Export(k, vm, task);
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        var rec = await k.WaitTask(task);
        Assert.Equal("failure", rec.GetProperty("status").GetString());
        Assert.Equal(new[] { "VM_BAD_POWER_STATE", vm, "halted, suspended", "running" }, rec.GetProperty("error_info").EnumerateArray().Select(x => x.GetString()).ToArray());
    }

    [Fact]
    public async Task Wrong_credentials_get_401_and_basic_auth_works()
    {
        await using var k = await VmKit.StartAsync();
        var vm = await k.Vm("xennode01-vm2");
        var uuid = (await k.Rec("VM", vm)).GetProperty("uuid").GetString();
        using var http = Http();
        var bad = await http.GetAsync(new Uri(k.Host.CoordinatorUrl, "/export?session_id=OpaqueRef:nope&uuid=" + uuid));
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        using var req = new HttpRequestMessage(HttpMethod.Get, new Uri(k.Host.CoordinatorUrl, "/export?use_compression=true&uuid=" + uuid));
        req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("root:xenroot")));
        var ok = await http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var gz = await ok.Content.ReadAsByteArrayAsync();
        Assert.Equal(0x1f, gz[0]);
        Assert.Equal(0x8b, gz[1]);
    }

    [Fact]
    public async Task Export_from_a_host_that_cannot_see_the_disks_redirects_to_one_that_can()
    {
        await using var k = await VmKit.StartAsync();
        var vm = await k.Vm("xennode02-vm2");
        var (status, _, res) = await Export(k, vm);
        Assert.Equal(HttpStatusCode.Found, status);
        Assert.Equal(k.Host.HostUrls[1].Host, res.Headers.Location!.Host);
        Assert.Equal("/export", res.Headers.Location.AbsolutePath);
    }

    [Fact]
    public async Task Import_into_another_pool_recreates_the_vm_with_the_same_disk_bytes_and_fresh_identity()
    {
        await using var k = await VmKit.StartAsync(preset: "none", hosts: 2);
        var vm = await Installed(k, "mover");
        var (_, xva, _) = await Export(k, vm);

        var target = k.Host.HostUrls[1];
        using var c2 = new SimClient(target);
        var s2 = await c2.LoginAsync();
        var task = (await c2.ResultAsync("task.create", s2, "import", "")).GetString()!;
        var res = await Import(target, s2, xva, task);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var rec = await c2.ResultAsync("task.get_record", s2, task);
        Assert.Equal("success", rec.GetProperty("status").GetString());
        var result = rec.GetProperty("result").GetString()!;
        var newVm = XElement.Parse(result).Descendants("value").Last().Value;
        Assert.StartsWith("OpaqueRef:", newVm, StringComparison.Ordinal);
        var newRec = await c2.ResultAsync("VM.get_record", s2, newVm);
        Assert.Equal("mover", newRec.GetProperty("name_label").GetString());
        Assert.NotEqual((await k.Rec("VM", vm)).GetProperty("uuid").GetString(), newRec.GetProperty("uuid").GetString());
        Assert.Empty(newRec.GetProperty("current_operations").EnumerateObject());

        using var http = Http();
        var again = await http.GetByteArrayAsync(new Uri(target, $"/export?session_id={s2}&ref={newVm}"));
        var before = Entries(xva).Skip(1).Where(e => !e.Name.EndsWith(".xxhash", StringComparison.Ordinal)).Select(e => (e.Name.Split('/')[1], Convert.ToHexString(e.Data))).ToList();
        var after = Entries(again).Skip(1).Where(e => !e.Name.EndsWith(".xxhash", StringComparison.Ordinal)).Select(e => (e.Name.Split('/')[1], Convert.ToHexString(e.Data))).ToList();
        Assert.NotEmpty(before);
        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData("checksum")]
    [InlineData("truncated")]
    [InlineData("garbage")]
    public async Task A_corrupt_or_truncated_xva_is_refused_and_nothing_is_left_behind(string damage)
    {
        await using var k = await VmKit.StartAsync();
        var (_, xva, _) = await Export(k, await k.Vm("xennode01-vm2"));
        var entries = Entries(xva);
        byte[] bad;
        string[] expected;
        switch (damage)
        {
            case "checksum":
                bad = (byte[])xva.Clone();
                var offset = 512 + entries[0].Data.Length + (512 - entries[0].Data.Length % 512) % 512 + 512 + 100;
                bad[offset] ^= 0xff;
                expected = new[] { "IMPORT_ERROR" };
                break;
            case "truncated":
                bad = xva.AsSpan(0, xva.Length / 2).ToArray();
                expected = new[] { "IMPORT_ERROR_PREMATURE_EOF" };
                break;
            default:
                bad = Encoding.ASCII.GetBytes(new string('x', 4096));
                expected = new[] { "IMPORT_ERROR" };
                break;
        }

        var vms = await Count(k, "VM");
        var vdis = await Count(k, "VDI");
        var vbds = await Count(k, "VBD");
        var vifs = await Count(k, "VIF");
        var task = await NewTask(k, "import");
        var res = await Import(k.Host.CoordinatorUrl, k.S, bad, task);
        Assert.Equal(HttpStatusCode.InternalServerError, res.StatusCode);
        var rec = await k.WaitTask(task);
        Assert.Equal("failure", rec.GetProperty("status").GetString());
        Assert.Equal(expected[0], rec.GetProperty("error_info")[0].GetString());
        if (damage == "checksum") Assert.Contains("checksum failed", rec.GetProperty("error_info")[1].GetString(), StringComparison.Ordinal);
        Assert.Equal(vms, await Count(k, "VM"));
        Assert.Equal(vdis, await Count(k, "VDI"));
        Assert.Equal(vbds, await Count(k, "VBD"));
        Assert.Equal(vifs, await Count(k, "VIF"));
    }

    [Fact]
    public async Task A_chunked_upload_is_refused_with_403_and_import_error_cannot_handle_chunked()
    {
        await using var k = await VmKit.StartAsync();
        var task = await NewTask(k, "import");
        using var http = Http();
        using var req = new HttpRequestMessage(HttpMethod.Put, new Uri(k.Host.CoordinatorUrl, $"/import?session_id={k.S}&task_id={task}"))
        {
            Content = new StreamContent(new MemoryStream(new byte[2048])),
        };
        req.Headers.TransferEncodingChunked = true;
        var res = await http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        var rec = await k.WaitTask(task);
        Assert.Equal("IMPORT_ERROR_CANNOT_HANDLE_CHUNKED", rec.GetProperty("error_info")[0].GetString());
    }

    [Fact]
    public async Task Restore_keeps_the_uuids_and_macs_and_refuses_to_replace_a_vm_that_is_not_older()
    {
        await using var k = await VmKit.StartAsync(preset: "none", hosts: 2);
        var vm = await Installed(k, "keeper");
        var net = (await k.R("network.get_all"))[0].GetString();
        await k.R("VIF.create", new Dictionary<string, object?>
        {
            ["VM"] = vm, ["network"] = net, ["device"] = "0", ["MAC"] = "", ["MTU"] = "1500", ["other_config"] = new Dictionary<string, object?>(),
            ["qos_algorithm_type"] = "", ["qos_algorithm_params"] = new Dictionary<string, object?>(),
        });
        var (_, xva, _) = await Export(k, vm);
        var uuid = (await k.Rec("VM", vm)).GetProperty("uuid").GetString();
        var vif = (await k.Rec("VM", vm)).GetProperty("VIFs")[0].GetString()!;
        var mac = (await k.Rec("VIF", vif)).GetProperty("MAC").GetString();

        var target = k.Host.HostUrls[1];
        using var c2 = new SimClient(target);
        var s2 = await c2.LoginAsync();
        Assert.Equal(HttpStatusCode.OK, (await Import(target, s2, xva, null, "&restore=true")).StatusCode);
        var restored = (await c2.ResultAsync("VM.get_by_uuid", s2, uuid)).GetString()!;
        var rvif = (await c2.ResultAsync("VM.get_VIFs", s2, restored))[0].GetString()!;
        Assert.Equal(mac, (await c2.ResultAsync("VIF.get_MAC", s2, rvif)).GetString());

        // Same pool, same version: VM_TO_IMPORT_IS_NOT_NEWER_VERSION and nothing created.
        var vms = await Count(k, "VM");
        var task = await NewTask(k, "import");
        await Import(k.Host.CoordinatorUrl, k.S, xva, task, "&restore=true");
        var rec = await k.WaitTask(task);
        Assert.Equal("VM_TO_IMPORT_IS_NOT_NEWER_VERSION", rec.GetProperty("error_info")[0].GetString());
        Assert.Equal(vms, await Count(k, "VM"));
    }
}
