using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Xva;

/// <summary>
/// GET /export (xapi export.ml handler and stream_vdi.ml send_all): checks as xapi does (the VM,
/// the 302 when this host cannot see the VM's storage, credentials, the export operation check),
/// marks export in current_operations, then streams the tar: ova.xml, then each disk in 1 MiB
/// chunks named "Ref:N/00000000", each followed by its checksum file. All-zero chunks are skipped
/// except a disk's first and last chunk, which are always written (the last may be shorter).
/// </summary>
internal static class XvaExport
{
    private sealed record Disk(string Id, Rec Vdi, long Size);

    private sealed record Plan(Rec Vm, byte[] OvaXml, List<Disk> Disks, string ChecksumExtension);

    public static async Task HandleAsync(XvaRequest req)
    {
        Plan? plan = null;
        Task? answer = null;
        lock (req.Farm.Lock)
        {
            try
            {
                plan = Prepare(req, out answer);
            }
            catch (XenApiException e)
            {
                answer = req.FailAsync(e, 500);
            }
        }

        if (answer is not null)
        {
            await answer.ConfigureAwait(false);
            return;
        }

        await StreamAsync(req, plan!).ConfigureAwait(false);
    }

    /// <summary>Under the lock: the checks in xapi's order; a non-null answer means "respond with this and stop".</summary>
    private static Plan? Prepare(XvaRequest req, out Task? answer)
    {
        var db = req.Db;
        Rec? found = null;
        answer = req.RouteAndAuthorise(() =>
        {
            found = FindVm(req);
            return DiskVbds(db, found).Select(v => db.Get("VDI", v.Str("VDI")).Str("SR")).Distinct().ToList();
        }, "VM.export");
        if (answer is not null) return null;

        var vm = found!;
        VmOps.Assert(db, vm, "export", legacy: PowerState.Legacy(req.Farm));
        VmOps.Begin(db, vm, req.Task!, "export");
        req.Farm.Tasks.SetProgress(db, req.Task!, 0.0);
        var (xml, disks) = Metadata(req, vm);
        var extension = PowerState.Legacy(req.Farm) ? Checksums.Sha1Extension : Checksums.XxhashExtension;
        return new Plan(vm, Encoding.UTF8.GetBytes(xml), disks, extension);
    }

    private static Rec FindVm(XvaRequest req)
    {
        if (req.Param("ref") is { } r) return req.Db.Get("VM", r);
        var uuid = req.Param("uuid") ?? throw new XenApiException("INTERNAL_ERROR", "Not_found");
        return req.Db.ByUuid("VM", uuid) ?? throw new XenApiException("UUID_INVALID", "VM", uuid);
    }

    private static IEnumerable<Rec> DiskVbds(Db db, Rec vm) =>
        db.All("VBD").Where(v => v.Str("VM") == vm.Ref && !v.Bool("empty") && db.TryGet("VDI", v.Str("VDI")) is not null);

    private static async Task StreamAsync(XvaRequest req, Plan plan)
    {
        var res = req.Context.Response;
        var db = req.Db;
        res.StatusCode = 200;
        res.Headers["task-id"] = req.Task!.Ref;
        res.ContentType = "application/octet-stream";
        res.Headers.ContentDisposition = "attachment; filename=\"export.xva\"";
        var compress = req.Param("use_compression") is "true" or "gzip";
        XenApiException? error = null;
        try
        {
            await req.RunAsync(async step =>
            {
                var body = compress ? new GZipStream(res.Body, CompressionLevel.Fastest, leaveOpen: true) : res.Body;
                try
                {
                    await WriteTarAsync(req, step, plan, body).ConfigureAwait(false);
                }
                finally
                {
                    if (compress) await body.DisposeAsync().ConfigureAwait(false);
                }

                return null;
            }).ConfigureAwait(false);
        }
        catch (XenApiException e)
        {
            error = e;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            error = req.Stopped(new XenApiException("CLIENT_ERROR", e.Message));
        }

        lock (req.Farm.Lock)
        {
            VmOps.End(db, plan.Vm, req.Task);
            req.Complete("", error);
            req.Logout();
        }

        if (error is not null) req.Context.Abort();
    }

    private static async Task WriteTarAsync(XvaRequest req, Step step, Plan plan, Stream body)
    {
        var ct = step.Token;
        var now = new DateTimeOffset(req.Farm.Clock.UtcNow).ToUnixTimeSeconds();
        await Tar.WriteFileAsync(body, "ova.xml", plan.OvaXml, plan.OvaXml.Length, now, ct).ConfigureAwait(false);
        var content = req.Farm.DiskContent;
        var total = Math.Max(1, plan.Disks.Sum(d => d.Size));
        var done = 0L;
        var lastShown = 0.0;
        var buffer = new byte[DiskContent.ChunkSize];
        foreach (var disk in plan.Disks)
        {
            var chunks = (disk.Size + DiskContent.ChunkSize - 1) / DiskContent.ChunkSize;
            for (var k = 0L; k < chunks; k++)
            {
                step.ThrowIfCancelled();
                var length = (int)Math.Min(DiskContent.ChunkSize, disk.Size - k * DiskContent.ChunkSize);
                var firstOrLast = k == 0 || k == chunks - 1;
                if (firstOrLast || content.MayHoldData(disk.Vdi, k))
                {
                    content.ReadChunk(disk.Vdi, k, buffer, length);
                    if (firstOrLast || !DiskContent.IsZero(buffer, length))
                    {
                        var name = disk.Id + "/" + k.ToString("D8", CultureInfo.InvariantCulture);
                        await Tar.WriteFileAsync(body, name, buffer, length, 0, ct).ConfigureAwait(false);
                        var sum = Encoding.ASCII.GetBytes(Checksums.Compute(plan.ChecksumExtension, buffer, length));
                        await Tar.WriteFileAsync(body, name + plan.ChecksumExtension, sum, sum.Length, 0, ct).ConfigureAwait(false);
                    }
                }

                done += length;
                var progress = (double)done / total;
                if (progress - lastShown >= 0.02)
                {
                    lastShown = progress;
                    step.Progress(progress);
                }
            }
        }

        await Tar.WriteEndAsync(body, ct).ConfigureAwait(false);
        await body.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// ova.xml (export.ml vm_metadata): an XML-RPC struct {version, objects}; objects are the VM, its
    /// metrics, VBDs, VIFs, networks, VDIs and SRs (and the affinity host), each {class, id, snapshot}
    /// with references rewritten to the export's "Ref:N" ids (NULL when not exported).
    /// </summary>
    private static (string Xml, List<Disk> Disks) Metadata(XvaRequest req, Rec vm)
    {
        var db = req.Db;
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string r)
        {
            if (r != Wire.NullRef && db.TryGet(r) is not null && !table.ContainsKey(r)) table[r] = "Ref:" + table.Count.ToString(CultureInfo.InvariantCulture);
        }

        Add(vm.Ref);
        foreach (var vif in db.All("VIF").Where(v => v.Str("VM") == vm.Ref))
        {
            Add(vif.Ref);
            Add(vif.Str("network"));
        }

        foreach (var vbd in db.All("VBD").Where(v => v.Str("VM") == vm.Ref))
        {
            Add(vbd.Ref);
            if (vbd.Bool("empty") || db.TryGet("VDI", vbd.Str("VDI")) is not { } vdi) continue;
            Add(vdi.Ref);
            Add(vdi.Str("SR"));
        }

        Add(vm.Str("metrics"));
        Add(vm.Str("guest_metrics"));
        Add(vm.Str("resident_on"));
        Add(vm.Str("affinity"));

        var objects = new List<object?>();
        foreach (var cls in new[] { "host", "VM", "VM_metrics", "VM_guest_metrics", "VBD", "VIF", "network", "VDI", "SR" })
            foreach (var rec in db.All(cls).Where(r => table.ContainsKey(r.Ref)).ToList())
                objects.Add(new Dictionary<string, object?>
                {
                    ["class"] = cls,
                    ["id"] = table[rec.Ref],
                    ["snapshot"] = Snapshot(db, rec, table),
                });

        var software = Farm.SimFarm.Coordinator(db).Map("software_version");
        string Sw(string key) => software.TryGetValue(key, out var v) ? Wire.AsString(v) : "";
        var xapi = Sw("xapi").Split('.');
        var version = new Dictionary<string, object?>
        {
            ["hostname"] = Sw("hostname"),
            ["date"] = Sw("date"),
            ["product_version"] = Sw("product_version"),
            ["product_brand"] = Sw("product_brand"),
            ["build_number"] = Sw("build_number"),
            ["xapi_major"] = long.Parse(xapi[0], CultureInfo.InvariantCulture),
            ["xapi_minor"] = xapi.Length > 1 ? long.Parse(xapi[1], CultureInfo.InvariantCulture) : 0L,
            ["export_vsn"] = 2L,
        };
        var xml = XmlRpc.ValueText(new Dictionary<string, object?> { ["version"] = version, ["objects"] = objects });

        var disks = db.All("VBD").Where(v => v.Str("VM") == vm.Ref && v.Str("type") != "CD" && !v.Bool("empty"))
            .Select(v => db.TryGet("VDI", v.Str("VDI")))
            .Where(v => v is not null && db.Get("SR", v.Str("SR")).Str("content_type") != "iso" && table.ContainsKey(v.Ref))
            .Select(v => new Disk(table[v!.Ref], v, v.Int("virtual_size")))
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        return (xml, disks);
    }

    /// <summary>Fields an export resets (make_vm, make_vbd, make_vif, make_vdi, make_sr, make_network, make_host).</summary>
    private static readonly Dictionary<string, object?> VmResets = new(StringComparer.Ordinal)
    {
        ["power_state"] = "Halted",
        ["is_a_snapshot"] = false,
        ["snapshot_time"] = Wire.Epoch,
        ["transportable_snapshot_id"] = "",
    };

    private static readonly HashSet<string> Emptied = new(StringComparer.Ordinal)
    {
        "current_operations", "allowed_operations", "crash_dumps", "consoles", "blobs", "snapshots", "PIFs", "PBDs", "host_CPUs",
        "patches", "updates", "crashdumps", "supported_bootloaders", "capabilities", "ha_statefiles", "ha_network_peers"
    };

    private static Dictionary<string, object?> Snapshot(Db db, Rec rec, Dictionary<string, string> table)
    {
        var snap = db.Snapshot(rec);
        foreach (var f in rec.Class.Fields)
        {
            if (Emptied.Contains(f.Name) && snap[f.Name] is List<object?> or Dictionary<string, object?>)
            {
                snap[f.Name] = snap[f.Name] is List<object?> ? new List<object?>() : new Dictionary<string, object?>();
                continue;
            }

            if (f.Kind == FieldKind.Ref) snap[f.Name] = table.TryGetValue(Wire.AsString(snap[f.Name]), out var id) ? id : Wire.NullRef;
            else if (f.Kind == FieldKind.RefSet)
                snap[f.Name] = ((List<object?>)snap[f.Name]!).Select(x => Wire.AsString(x)).Where(table.ContainsKey).Select(x => (object?)table[x]).ToList();
        }

        if (rec.Class.Name == "VM")
            foreach (var kv in VmResets)
                if (snap.ContainsKey(kv.Key)) snap[kv.Key] = kv.Value;
        if (rec.Class.Name is "VBD" or "VIF" && snap.ContainsKey("currently_attached")) snap["currently_attached"] = false;
        return snap;
    }
}
