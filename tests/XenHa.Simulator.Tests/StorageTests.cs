using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using XenHa.Simulator.Inventory;
using Xunit;

namespace XenHa.Simulator.Tests;

public sealed class StorageTests
{
    private const long GiB = 1024L * 1024 * 1024;
    private const string Iqn = "iqn.2026-11.local.lab:storage.target01";

    private static async Task<(SimulatorHost Sim, SimClient C, string S, string Master)> Pooled(int hosts = 3, Action<Farm.FarmOptions>? tweak = null)
    {
        var sim = await PoolKit.Start(hosts, "pooled", tweak);
        var c = new SimClient(sim.CoordinatorUrl);
        var s = await c.LoginAsync();
        var master = (await c.ResultAsync("pool.get_master", s, (await c.ResultAsync("pool.get_all", s))[0].GetString())).GetString()!;
        return (sim, c, s, master);
    }

    private static Dictionary<string, string> Nfs(string path = "/export/xen") => new() { ["server"] = "nas01", ["serverpath"] = path };

    private static async Task<string> CreateSr(SimClient c, string s, string master, Dictionary<string, string> dc, string type, string name = "sr", string content = "", bool shared = true) =>
        (await c.ResultAsync("SR.create", s, master, dc, "0", name, "", type, content, shared, new Dictionary<string, string>())).GetString()!;

    private static async Task<string[]> CreateError(SimClient c, string s, string master, Dictionary<string, string> dc, string type, string content = "") =>
        await c.ErrorAsync("SR.create", s, master, dc, "0", "bad", "", type, content, true, new Dictionary<string, string>());

    private static async Task<(int Srs, int Pbds, int Secrets)> Counts(SimClient c, string s) =>
        ((await c.ResultAsync("SR.get_all", s)).GetArrayLength(), (await c.ResultAsync("PBD.get_all", s)).GetArrayLength(), (await c.ResultAsync("secret.get_all", s)).GetArrayLength());

    [Fact]
    public async Task Nfs_shared_sr_gets_one_plugged_pbd_per_host_coordinator_first_with_export_size()
    {
        var (sim, c, s, master) = await Pooled();
        await using var simLife = sim;
        using var clientLife = c;
        var sr = await CreateSr(c, s, master, Nfs(), "nfs", "NFS VM storage");
        var rec = await c.ResultAsync("SR.get_record", s, sr);
        Assert.True(rec.GetProperty("shared").GetBoolean());
        Assert.Equal(2048 * GiB, rec.GetProperty("physical_size").GetInt64());
        var pbds = rec.GetProperty("PBDs").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Equal(3, pbds.Count);
        var hosts = new List<string>();
        foreach (var p in pbds)
        {
            var pr = await c.ResultAsync("PBD.get_record", s, p);
            Assert.True(pr.GetProperty("currently_attached").GetBoolean());
            Assert.Equal("nas01", pr.GetProperty("device_config").GetProperty("server").GetString());
            Assert.Equal("/export/xen", pr.GetProperty("device_config").GetProperty("serverpath").GetString());
            hosts.Add(pr.GetProperty("host").GetString()!);
        }

        Assert.Equal(3, hosts.Distinct().Count());
        Assert.Equal(master, (await c.ResultAsync("PBD.get_host", s, (await c.ResultAsync("PBD.get_all_records_where", s, $"field \"SR\" = \"{sr}\"")).EnumerateObject().First().Name)).GetString());
        Assert.Equal(new[] { "SR_HAS_PBD", sr }, await c.ErrorAsync("SR.forget", s, sr));
        Assert.Equal(new[] { "SR_HAS_PBD", sr }, await c.ErrorAsync("SR.destroy", s, sr));
        await c.ResultAsync("SR.assert_can_host_ha_statefile", s, sr);
        await c.ResultAsync("PBD.unplug", s, pbds[2]);
        Assert.Equal(new[] { "SR_HAS_NO_PBDS", sr }, await c.ErrorAsync("SR.assert_can_host_ha_statefile", s, sr));
    }

    [Fact]
    public async Task Nfs_create_failures_carry_sm_codes_texts_and_leave_nothing()
    {
        var (sim, c, s, master) = await Pooled();
        await using var simLife = sim;
        using var clientLife = c;
        var before = await Counts(c, s);
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_102", "", "The request is missing the server parameter", "" },
            await CreateError(c, s, master, new() { ["serverpath"] = "/export/xen" }, "nfs"));
        var e101 = await CreateError(c, s, master, new() { ["server"] = "nas01" }, "nfs");
        Assert.Equal("SR_BACKEND_FAILURE_101", e101[0]);
        Assert.Equal("The request is missing the serverpath parameter", e101[2]);
        Assert.Equal(
            "<?xml version=\"1.0\" ?>\n<nfs-exports>\n\t<Export>\n\t\t<Target>nas01</Target>\n\t\t<Path>/export/xen</Path>\n\t\t<Accesslist>*</Accesslist>\n\t</Export>\n"
            + "\t<Export>\n\t\t<Target>nas01</Target>\n\t\t<Path>/export/iso</Path>\n\t\t<Accesslist>*</Accesslist>\n\t</Export>\n"
            + "\t<Export>\n\t\t<Target>nas01</Target>\n\t\t<Path>/export/empty</Path>\n\t\t<Accesslist>*</Accesslist>\n\t</Export>\n</nfs-exports>\n", e101[3]);
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_108", "", "Unable to detect an NFS service on this target.", "" },
            await CreateError(c, s, master, new() { ["server"] = "192.0.2.99", ["serverpath"] = "/x" }, "nfs"));
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_140", "", "Incorrect DNS name, unable to resolve.", "" },
            await CreateError(c, s, master, new() { ["server"] = "nosuchnas", ["serverpath"] = "/x" }, "nfs"));
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_73", "", "NFS mount error [opterr=mount failed on server `nas01` with return code 32]", "" },
            await CreateError(c, s, master, Nfs("/export/wrong"), "nfs"));
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_1200", "", "Invalid nfsversion.", "" },
            await CreateError(c, s, master, new() { ["server"] = "nas01", ["serverpath"] = "/export/xen", ["nfsversion"] = "5" }, "nfs"));
        Assert.Equal(new[] { "SR_UNKNOWN_DRIVER", "zfs" }, await CreateError(c, s, master, Nfs(), "zfs"));
        Assert.Equal(before, await Counts(c, s));
    }

    [Fact]
    public async Task Nfs_probe_lists_sr_uuids_and_versions()
    {
        var (sim, c, s, master) = await Pooled(1);
        await using var simLife = sim;
        using var clientLife = c;
        Assert.Equal("<?xml version=\"1.0\" ?>\n<SRlist/>\n", (await c.ResultAsync("SR.probe", s, master, Nfs(), "nfs", new Dictionary<string, string>())).GetString());
        var sr = await CreateSr(c, s, master, Nfs(), "nfs");
        var uuid = (await c.ResultAsync("SR.get_uuid", s, sr)).GetString();
        Assert.Equal($"<?xml version=\"1.0\" ?>\n<SRlist>\n\t<SR>\n\t\t<UUID>{uuid}</UUID>\n\t</SR>\n</SRlist>\n",
            (await c.ResultAsync("SR.probe", s, master, Nfs(), "nfs")).GetString());
        var withVersions = new Dictionary<string, string>(Nfs()) { ["probeversion"] = "" };
        Assert.Equal($"<?xml version=\"1.0\" ?>\n<SRlist>\n\t<SR>\n\t\t<UUID>{uuid}</UUID>\n\t</SR>\n\t<SupportedVersions>\n\t\t<Version>3</Version>\n\t\t<Version>4</Version>\n\t</SupportedVersions>\n</SRlist>\n",
            (await c.ResultAsync("SR.probe", s, master, withVersions, "nfs", new Dictionary<string, string>())).GetString());
        Assert.Equal("SR_BACKEND_FAILURE_101", (await c.ErrorAsync("SR.probe", s, master, new Dictionary<string, string> { ["server"] = "192.0.2.10" }, "nfs"))[0]);
        var ext = (await c.ResultAsync("SR.probe_ext", s, master, Nfs(), "nfs", new Dictionary<string, string>())).EnumerateArray().Single();
        Assert.True(ext.GetProperty("complete").GetBoolean());
        Assert.Equal(uuid, ext.GetProperty("sr").GetProperty("uuid").GetString());
        Assert.Equal(2048 * GiB, ext.GetProperty("sr").GetProperty("total_space").GetInt64());
    }

    private static void AddVdi(SimulatorHost sim, string srRef, string name, long size)
    {
        PoolKit.Locked(sim, f =>
        {
            var db = f.Pools.First(d => d.TryGet("SR", srRef) is not null);
            return db.Create("VDI", new Dictionary<string, object?> { ["name_label"] = name, ["SR"] = srRef, ["virtual_size"] = size, ["physical_utilisation"] = size / 4, ["type"] = "user" });
        });
    }

    [Fact]
    public async Task Forget_then_reattach_finds_the_same_uuid_and_vdis_destroy_removes_it()
    {
        var (sim, c, s, master) = await Pooled();
        await using var simLife = sim;
        using var clientLife = c;
        var sr = await CreateSr(c, s, master, Nfs(), "nfs", "NFS VM storage");
        var uuid = (await c.ResultAsync("SR.get_uuid", s, sr)).GetString()!;
        AddVdi(sim, sr, "data disk", 40 * GiB);
        var rec = await c.ResultAsync("SR.get_record", s, sr);
        Assert.Equal(40 * GiB, rec.GetProperty("virtual_allocation").GetInt64());
        Assert.Equal(10 * GiB, rec.GetProperty("physical_utilisation").GetInt64());
        var vdiUuid = (await c.ResultAsync("VDI.get_uuid", s, rec.GetProperty("VDIs")[0].GetString())).GetString();

        foreach (var p in rec.GetProperty("PBDs").EnumerateArray()) await c.ResultAsync("PBD.unplug", s, p.GetString());
        await c.ResultAsync("SR.forget", s, sr);
        Assert.Equal(new[] { "UUID_INVALID", "VDI", vdiUuid! }, await c.ErrorAsync("VDI.get_by_uuid", s, vdiUuid));
        Assert.Contains(uuid, (await c.ResultAsync("SR.probe", s, master, Nfs(), "nfs")).GetString());

        var again = (await c.ResultAsync("SR.introduce", s, uuid, "NFS VM storage", "", "nfs", "", true, new Dictionary<string, string>())).GetString()!;
        Assert.Equal(new[] { "SR_UUID_EXISTS", uuid }, await c.ErrorAsync("SR.introduce", s, uuid, "x", "", "nfs", "", true, new Dictionary<string, string>()));
        var hosts = (await c.ResultAsync("host.get_all", s)).EnumerateArray().Select(h => h.GetString()!).ToList();
        var pbds = new List<string>();
        foreach (var h in hosts)
            pbds.Add((await c.ResultAsync("PBD.create", s, new Dictionary<string, object> { ["host"] = h, ["SR"] = again, ["device_config"] = Nfs() })).GetString()!);
        Assert.Equal(new[] { "PBD_EXISTS", again, hosts[0], pbds[0] },
            await c.ErrorAsync("PBD.create", s, new Dictionary<string, object> { ["host"] = hosts[0], ["SR"] = again, ["device_config"] = Nfs() }));
        foreach (var p in pbds) await c.ResultAsync("PBD.plug", s, p);
        var vdi = (await c.ResultAsync("VDI.get_by_uuid", s, vdiUuid)).GetString();
        Assert.Equal("data disk", (await c.ResultAsync("VDI.get_name_label", s, vdi)).GetString());
        Assert.Equal(40 * GiB, (await c.ResultAsync("SR.get_virtual_allocation", s, again)).GetInt64());

        // destroy: refused while plugged; PBD.destroy refused while attached; then gone from the export.
        Assert.Equal(new[] { "OPERATION_NOT_ALLOWED", "PBD is currently attached" }, await c.ErrorAsync("PBD.destroy", s, pbds[0]));
        foreach (var p in pbds) await c.ResultAsync("PBD.unplug", s, p);
        await c.ResultAsync("SR.destroy", s, again);
        Assert.DoesNotContain(uuid, (await c.ResultAsync("SR.probe", s, master, Nfs(), "nfs")).GetString());
        Assert.Equal(new[] { "HANDLE_INVALID", "SR", again }, await c.ErrorAsync("SR.get_record", s, again));
    }

    [Fact]
    public async Task Iscsi_discovery_errors_carry_xml_in_element_3_and_async_error_info()
    {
        var (sim, c, s, master) = await Pooled(2);
        await using var simLife = sim;
        using var clientLife = c;
        var before = await Counts(c, s);
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_95", "", "The request is missing the target parameter", "" },
            await CreateError(c, s, master, new(), "lvmoiscsi", "user"));
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_141", "", "Unable to connect to ISCSI service on target", "" },
            await CreateError(c, s, master, new() { ["target"] = "192.0.2.21" }, "lvmoiscsi", "user"));

        // XenCenter's IQN discovery: Async.SR.create expecting failure 96.
        var task = (await c.ResultAsync("Async.SR.create", s, master, new Dictionary<string, string> { ["target"] = "192.0.2.20", ["port"] = "3260" }, "0",
            "__gui__", "SHOULD NEVER BE CREATED", "lvmoiscsi", "user", true, new Dictionary<string, string>())).GetString();
        await PoolKit.Until(async () => (await c.ResultAsync("task.get_status", s, task)).GetString() != "pending");
        var info = (await c.ResultAsync("task.get_error_info", s, task)).EnumerateArray().Select(x => x.GetString()!).ToArray();
        Assert.Equal(4, info.Length);
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_96", "", "The request is missing or has an incorrect target IQN parameter" }, info.Take(3));
        Assert.Equal("<?xml version=\"1.0\" ?>\n<iscsi-target-iqns>\n\t<TGT>\n\t\t<Index>0</Index>\n\t\t<IPAddress>192.0.2.20</IPAddress>\n\t\t<TargetIQN>" + Iqn
                     + "</TargetIQN>\n\t</TGT>\n\t<TGT>\n\t\t<Index>1</Index>\n\t\t<IPAddress>192.0.2.20</IPAddress>\n\t\t<TargetIQN>*</TargetIQN>\n\t</TGT>\n</iscsi-target-iqns>\n", info[3]);

        var e107 = await CreateError(c, s, master, new() { ["target"] = "192.0.2.20", ["targetIQN"] = Iqn }, "lvmoiscsi", "user");
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_107", "", "The SCSIid parameter is missing or incorrect" }, e107.Take(3));
        Assert.StartsWith("<?xml version=\"1.0\" ?>\n<iscsi-target>\n\t<LUN>\n\t\t<vendor>LIO-ORG</vendor>\n\t\t<serial>", e107[3]);
        Assert.Contains("<LUNid>1</LUNid>\n\t\t<size>" + (1024 * GiB) + "</size>\n\t\t<SCSIid>36001405", e107[3]);
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_107", "", "The SCSIid parameter is missing or incorrect", "" },
            await CreateError(c, s, master, new() { ["target"] = "192.0.2.20", ["targetIQN"] = Iqn, ["SCSIid"] = "36001405deadbeef" }, "lvmoiscsi"));
        var e83 = await CreateError(c, s, master, new() { ["target"] = "192.0.2.20", ["targetIQN"] = "iqn.wrong" }, "lvmoiscsi");
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_83", "", "ISCSI discovery failed [opterr=check target settings]" }, e83.Take(3));
        Assert.Equal(before, await Counts(c, s));
    }

    private static string Lun(SimulatorHost sim, int i) => PoolKit.Locked(sim, f => f.Storage.Iscsi[0].Luns[i].ScsiId);

    [Fact]
    public async Task Iscsi_create_probe_and_in_use()
    {
        var (sim, c, s, master) = await Pooled(2);
        await using var simLife = sim;
        using var clientLife = c;
        var dc = new Dictionary<string, string> { ["target"] = "san01", ["targetIQN"] = Iqn, ["SCSIid"] = Lun(sim, 0) };
        Assert.Equal("<?xml version=\"1.0\" ?>\n<SRlist/>\n", (await c.ResultAsync("SR.probe", s, master, dc, "lvmoiscsi")).GetString());
        var sr = await CreateSr(c, s, master, dc, "lvmoiscsi", "iSCSI");
        var rec = await c.ResultAsync("SR.get_record", s, sr);
        Assert.Equal(500 * GiB - 12 * 1024 * 1024, rec.GetProperty("physical_size").GetInt64());
        Assert.Equal("scsi-" + Lun(sim, 0), rec.GetProperty("sm_config").GetProperty("devserial").GetString());
        Assert.Equal(2, rec.GetProperty("PBDs").GetArrayLength());
        var uuid = rec.GetProperty("uuid").GetString();
        Assert.Equal($"<?xml version=\"1.0\" ?>\n<SRlist>\n\t<SR>\n\t\t<UUID>{uuid}</UUID>\n\t\t<Devlist>/dev/disk/by-id/scsi-{Lun(sim, 0)}</Devlist>\n\t\t<size>{500 * GiB - 12 * 1024 * 1024}</size>\n\t</SR>\n</SRlist>\n",
            (await c.ResultAsync("SR.probe", s, master, dc, "lvhdoiscsi")).GetString());
        var before = await Counts(c, s);
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_16", "", "The SR device is currently in use", "" }, await CreateError(c, s, master, dc, "lvmoiscsi"));
        Assert.Equal(before, await Counts(c, s));
    }

    [Fact]
    public async Task Chap_and_cifs_passwords_become_secrets()
    {
        var (sim, c, s, master) = await Pooled(2, o => o.Iscsi.Add("192.0.2.40,iqn.2026-11.local.lab:chap,200,chapuser:chapsecret"));
        await using var simLife = sim;
        using var clientLife = c;
        var lun = PoolKit.Locked(sim, f => f.Storage.Iscsi.Single().Luns[0].ScsiId);
        var dc = new Dictionary<string, string> { ["target"] = "192.0.2.40", ["targetIQN"] = "iqn.2026-11.local.lab:chap", ["SCSIid"] = lun };
        var secretsBefore = (await c.ResultAsync("secret.get_all", s)).GetArrayLength();
        var login = "ISCSI login failed - check access settings for the initiator on the storage, if CHAP is used verify CHAP credentials";
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_68", "", login, "" }, await CreateError(c, s, master, dc, "lvmoiscsi"));
        dc["chapuser"] = "chapuser";
        dc["chappassword"] = "wrong";
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_68", "", login, "" }, await CreateError(c, s, master, dc, "lvmoiscsi"));
        Assert.Equal(secretsBefore, (await c.ResultAsync("secret.get_all", s)).GetArrayLength());
        dc["chappassword"] = "chapsecret";
        var sr = await CreateSr(c, s, master, dc, "lvmoiscsi");
        foreach (var p in (await c.ResultAsync("SR.get_PBDs", s, sr)).EnumerateArray())
        {
            var pdc = await c.ResultAsync("PBD.get_device_config", s, p.GetString());
            Assert.False(pdc.TryGetProperty("chappassword", out _));
            var secret = (await c.ResultAsync("secret.get_by_uuid", s, pdc.GetProperty("chappassword_secret").GetString())).GetString();
            Assert.Equal("chapsecret", (await c.ResultAsync("secret.get_value", s, secret)).GetString());
        }

        // ISO library on the default SMB share.
        var iso = new Dictionary<string, string> { ["location"] = "//192.0.2.30/isos", ["type"] = "cifs", ["username"] = "isouser", ["cifspassword"] = "nope" };
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_222", "", "Could not mount the directory specified in Device Configuration [opterr=mount error(13): Permission denied]", "" },
            await CreateError(c, s, master, iso, "iso", "iso"));
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_94", "", "The request is missing the location parameter", "" },
            await CreateError(c, s, master, new() { ["type"] = "cifs" }, "iso", "iso"));
        iso["cifspassword"] = "isopass";
        var isoSr = await CreateSr(c, s, master, iso, "iso", "ISO library", "iso");
        var rec = await c.ResultAsync("SR.get_record", s, isoSr);
        Assert.Equal(0, rec.GetProperty("physical_size").GetInt64());
        Assert.Equal(3, rec.GetProperty("VDIs").GetArrayLength());
        Assert.Equal("cifs", rec.GetProperty("sm_config").GetProperty("iso_type").GetString());
        var pbd = rec.GetProperty("PBDs")[0].GetString();
        var idc = await c.ResultAsync("PBD.get_device_config", s, pbd);
        Assert.True(idc.TryGetProperty("cifspassword_secret", out _));
        Assert.False(idc.TryGetProperty("cifspassword", out _));
        Assert.Equal(new[] { "SR_OPERATION_NOT_SUPPORTED", isoSr }, await c.ErrorAsync("SR.assert_can_host_ha_statefile", s, isoSr));

        // NFS ISO library: wrong path.
        Assert.Equal(new[] { "SR_BACKEND_FAILURE_222", "", "Could not mount the directory specified in Device Configuration [opterr=mount failed on server `nas01` with return code 32]", "" },
            await CreateError(c, s, master, new() { ["location"] = "nas01:/export/nope", ["type"] = "nfs_iso" }, "iso", "iso"));
        var nfsIso = await CreateSr(c, s, master, new() { ["location"] = "nas01:/export/iso", ["type"] = "nfs_iso" }, "iso", "NFS ISO", "iso");
        Assert.Equal(3, (await c.ResultAsync("SR.get_VDIs", s, nfsIso)).GetArrayLength());
    }

    [Fact]
    public async Task A_host_joining_later_gets_a_plugged_pbd_for_each_shared_sr()
    {
        await using var sim = await PoolKit.Start(3, "none");
        using var c = new SimClient(sim.CoordinatorUrl);
        var s = await c.LoginAsync();
        var master = (await c.ResultAsync("host.get_all", s))[0].GetString()!;
        var sr = await CreateSr(c, s, master, Nfs(), "nfs");
        Assert.Equal(1, (await c.ResultAsync("SR.get_PBDs", s, sr)).GetArrayLength());
        await PoolKit.Join(sim, 2);
        var (_, h2) = PoolKit.HostRec(sim, 2);
        var pbds = (await c.ResultAsync("PBD.get_all_records", s)).EnumerateObject().Where(p => p.Value.GetProperty("SR").GetString() == sr).ToList();
        Assert.Equal(2, pbds.Count);
        var mine = pbds.Single(p => p.Value.GetProperty("host").GetString() == h2.Ref);
        Assert.True(mine.Value.GetProperty("currently_attached").GetBoolean());
        Assert.Equal("/export/xen", mine.Value.GetProperty("device_config").GetProperty("serverpath").GetString());

        // And a host with a shared SR of its own cannot join.
        using var j = new SimClient(sim.HostUrls[2]);
        var js = await j.LoginAsync();
        var h3 = (await j.ResultAsync("host.get_all", js))[0].GetString()!;
        await CreateSr(j, js, h3, Nfs("/export/empty"), "nfs");
        Assert.Equal(new[] { "JOINING_HOST_CANNOT_CONTAIN_SHARED_SRS" }, await j.ErrorAsync("pool.join", js, PoolKit.Address(sim, 1), "root", "xenroot"));
    }

    [Fact]
    public async Task Forgotten_sr_can_be_reattached_in_another_pool_and_unplug_refuses_while_a_running_vm_uses_it()
    {
        await using var sim = await PoolKit.Start(2, "none");
        using var a = new SimClient(sim.HostUrls[0]);
        var sa = await a.LoginAsync();
        var ha = (await a.ResultAsync("host.get_all", sa))[0].GetString()!;
        var sr = await CreateSr(a, sa, ha, Nfs(), "nfs");
        var uuid = (await a.ResultAsync("SR.get_uuid", sa, sr)).GetString()!;
        AddVdi(sim, sr, "os disk", 20 * GiB);
        var pbd = (await a.ResultAsync("SR.get_PBDs", sa, sr))[0].GetString()!;

        // A running VM on the host with the VDI attached blocks PBD.unplug.
        var vdi = PoolKit.Locked(sim, f =>
        {
            var (db, h) = f.HostByAddress(PoolKit.Address(sim, 1))!.Value;
            var d = db.All("VDI").Single(v => v.Str("SR") == sr);
            var vm = db.Create("VM", new Dictionary<string, object?> { ["name_label"] = "runner", ["power_state"] = "Running", ["resident_on"] = h.Ref });
            db.Create("VBD", new Dictionary<string, object?> { ["VM"] = vm.Ref, ["VDI"] = d.Ref, ["currently_attached"] = true });
            return d.Ref;
        });
        Assert.Equal(new[] { "VDI_IN_USE", vdi }, await a.ErrorAsync("PBD.unplug", sa, pbd));
        PoolKit.Locked(sim, f =>
        {
            var (db, _) = f.HostByAddress(PoolKit.Address(sim, 1))!.Value;
            foreach (var b in db.All("VBD").Where(b => b.Str("VDI") == vdi).ToList()) db.Delete(b);
            return 0;
        });
        await a.ResultAsync("PBD.unplug", sa, pbd);
        await a.ResultAsync("SR.forget", sa, sr);

        using var b2 = new SimClient(sim.HostUrls[1]);
        var sb = await b2.LoginAsync();
        var hb = (await b2.ResultAsync("host.get_all", sb))[0].GetString()!;
        var probe = (await b2.ResultAsync("SR.probe", sb, hb, Nfs(), "nfs")).GetString();
        Assert.Contains(uuid, probe);
        var again = (await b2.ResultAsync("SR.introduce", sb, uuid, "moved", "", "nfs", "", true)).GetString()!;
        var p2 = (await b2.ResultAsync("PBD.create", sb, new Dictionary<string, object> { ["host"] = hb, ["SR"] = again, ["device_config"] = Nfs() })).GetString();
        await b2.ResultAsync("PBD.plug", sb, p2);
        var vdis = (await b2.ResultAsync("SR.get_VDIs", sb, again)).EnumerateArray().ToList();
        Assert.Equal("os disk", (await b2.ResultAsync("VDI.get_name_label", sb, Assert.Single(vdis).GetString())).GetString());
        // A wrong path does not attach: PBD stays unplugged.
        var bad = (await b2.ResultAsync("SR.introduce", sb, Guid.NewGuid().ToString(), "ghost", "", "nfs", "", true)).GetString()!;
        var p3 = (await b2.ResultAsync("PBD.create", sb, new Dictionary<string, object> { ["host"] = hb, ["SR"] = bad, ["device_config"] = Nfs() })).GetString();
        Assert.Equal("SR_BACKEND_FAILURE_73", (await b2.ErrorAsync("PBD.plug", sb, p3))[0]);
        Assert.False((await b2.ResultAsync("PBD.get_currently_attached", sb, p3)).GetBoolean());
    }

    [Fact]
    public void Cli_parses_storage_options_and_rejects_bad_specs()
    {
        var (o, _) = Program.Parse(new[] { "--nfs", "10.0.0.5:/vol/xen,100", "--iscsi", "10.0.0.6:3261,iqn.x:y,10+20,u:p", "--cifs", "//fs/share,u:p", "--free-edition" });
        var b = Storage.StorageBackends.FromOptions(o.Farm);
        Assert.Equal(100 * GiB, b.Nfs.Single().Exports.Single().Capacity);
        Assert.Equal(3261, b.Iscsi.Single().Port);
        Assert.Equal(new[] { 10 * GiB, 20 * GiB }, b.Iscsi.Single().Luns.Select(l => l.Size));
        Assert.Equal("share", b.Cifs.Single().Share);
        Assert.True(o.Farm.FreeEdition);
        var d = Storage.StorageBackends.FromOptions(new Farm.FarmOptions());
        Assert.Equal("192.0.2.10", d.Nfs.Single().Address);
        Assert.Equal(3, d.Iscsi.Single().Luns.Count);
        Assert.Throws<ArgumentException>(() => Program.Parse(new[] { "--nfs", "nopath" }));
        Assert.Throws<ArgumentException>(() => Program.Parse(new[] { "--iscsi", "10.0.0.6" }));
    }
}
