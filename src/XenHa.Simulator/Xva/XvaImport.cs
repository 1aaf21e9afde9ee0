using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Xva;

/// <summary>
/// PUT /import (xapi import.ml handler, stream_import, stream_vdi.ml recv_all): the target SR
/// (sr_id, sr_uuid, else the pool's default SR), a 302 when this host cannot see it, credentials,
/// no ISO SR, no chunked body; then ova.xml, the version check, the records, the disk chunks with
/// their checksums. Any failure undoes what was created (unless force) and fails the task with
/// xapi's import error; success puts the set of new VM refs in task.result.
/// </summary>
internal static class XvaImport
{
    private const int MaxOvaXml = 64 * 1024 * 1024;

    public static async Task HandleAsync(XvaRequest req)
    {
        Rec? sr;
        Task? answer = null;
        lock (req.Farm.Lock)
        {
            sr = Prepare(req, out answer);
        }

        if (answer is not null)
        {
            await answer.ConfigureAwait(false);
            return;
        }

        var objects = new XvaObjects(req, sr!, req.Flag("restore"), req.Flag("force"));
        XenApiException? error = null;
        try
        {
            await req.RunAsync(async step =>
            {
                await ReceiveAsync(req, step, objects, req.Flag("force")).ConfigureAwait(false);
                return null;
            }).ConfigureAwait(false);
        }
        catch (XenApiException e)
        {
            error = e;
        }
        catch (PrematureEofException)
        {
            error = new XenApiException("IMPORT_ERROR_PREMATURE_EOF");
        }
        catch (InvalidXvaException e)
        {
            error = new XenApiException("IMPORT_ERROR", e.Message);
        }
        catch (MalformedRequestException e)
        {
            error = new XenApiException("IMPORT_ERROR", e.Message);
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException or InvalidDataException)
        {
            error = req.Stopped(req.Context.RequestAborted.IsCancellationRequested || e is not InvalidDataException
                ? new XenApiException("IMPORT_ERROR_PREMATURE_EOF")
                : new XenApiException("IMPORT_ERROR", e.Message));
        }

        lock (req.Farm.Lock)
        {
            if (error is not null) objects.RollBack();
            objects.Finish();
            req.Complete(objects.Vms.Select(v => (object?)v.Ref).ToList(), error);
            req.Logout();
        }

        if (error is not null)
        {
            await req.ErrorAsync(500, string.Join(", ", error.Description().Select(x => (string)x!))).ConfigureAwait(false);
            return;
        }

        var res = req.Context.Response;
        res.StatusCode = 200;
        res.Headers["task-id"] = req.Task!.Ref;
        res.ContentType = "application/octet-stream";
        res.ContentLength = 0;
    }

    /// <summary>Under the lock: the checks before the body is read; a non-null answer means "respond with this and stop".</summary>
    private static Rec? Prepare(XvaRequest req, out Task? answer)
    {
        var db = req.Db;
        Rec? target = null;
        answer = req.RouteAndAuthorise(() =>
        {
            target = TargetSr(req);
            return new[] { target.Ref };
        }, "VM.import");
        if (answer is not null) return null;

        var sr = target!;
        req.Farm.Tasks.SetProgress(db, req.Task!, 0.0);
        if (sr.Str("content_type") == "iso")
        {
            answer = req.FailAsync(new XenApiException("SR_OPERATION_NOT_SUPPORTED"), 400);
            return null;
        }

        if (req.Context.Request.Headers.TransferEncoding.Count > 0)
        {
            answer = req.FailAsync(new XenApiException("IMPORT_ERROR_CANNOT_HANDLE_CHUNKED"), 403);
            return null;
        }

        return sr;
    }

    private static Rec TargetSr(XvaRequest req)
    {
        var db = req.Db;
        if (req.Param("sr_id") is { } id) return db.Get("SR", id);
        if (req.Param("sr_uuid") is { } uuid) return db.ByUuid("SR", uuid) ?? throw new XenApiException("UUID_INVALID", "SR", uuid);
        var def = SimFarm.Pool(db).Str("default_SR");
        return db.TryGet("SR", def) ?? throw new XenApiException("DEFAULT_SR_NOT_FOUND", def);
    }

    private static async Task ReceiveAsync(XvaRequest req, Step step, XvaObjects objects, bool force)
    {
        var ct = step.Token;
        var body = await OpenAsync(req.Context.Request.Body, ct).ConfigureAwait(false);
        var (name, size) = await Tar.ReadHeaderAsync(body, ct).ConfigureAwait(false);
        if (name != "ova.xml") throw new XenApiException("IMPORT_ERROR_UNEXPECTED_FILE", "ova.xml", name);
        if (size > MaxOvaXml) throw new InvalidXvaException("ova.xml is too large");
        var xmlBytes = new byte[size];
        await Tar.ReadExactlyAsync(body, xmlBytes, (int)size, ct).ConfigureAwait(false);
        await Tar.SkipAsync(body, Tar.Padding(size), ct).ConfigureAwait(false);

        var header = Wire.AsStruct(XmlRpc.ParseValueText(Encoding.UTF8.GetString(xmlBytes)));
        var version = Wire.AsStruct(header["version"]);
        AssertCompatible(req, version);
        var exportVsn = version.TryGetValue("export_vsn", out var vsn) ? Wire.AsLong(vsn) : 0L;
        var list = XvaObjects.Parse(header["objects"]);

        step.Locked(() =>
        {
            step.ThrowIfCancelled();
            objects.Create(list);
            req.Task!.Map("other_config")["object_creation"] = "complete";
            req.Db.Changed(req.Task);
        });

        var sums = await ReceiveDisksAsync(req, step, objects, body, exportVsn > 0, force).ConfigureAwait(false);
        if (exportVsn < 2) await CheckTrailingTableAsync(body, sums, force, ct).ConfigureAwait(false);
        step.ThrowIfCancelled();
    }

    /// <summary>Plain tar, or gzip (sniffed from the first bytes, as xapi retries with a decompressor).</summary>
    private static async Task<Stream> OpenAsync(Stream raw, CancellationToken ct)
    {
        var head = new byte[2];
        var n = 0;
        while (n < 2)
        {
            var r = await raw.ReadAsync(head.AsMemory(n, 2 - n), ct).ConfigureAwait(false);
            if (r == 0) throw new PrematureEofException();
            n += r;
        }

        var stream = new PeekStream(raw, head);
        return head[0] == 0x1f && head[1] == 0x8b ? new GZipStream(stream, CompressionMode.Decompress) : stream;
    }

    /// <summary>Importexport.assert_compatible: an export from a newer xapi is refused.</summary>
    private static void AssertCompatible(XvaRequest req, Dictionary<string, object?> version)
    {
        long major, minor;
        try
        {
            major = Wire.AsLong(version["xapi_major"]);
            minor = Wire.AsLong(version["xapi_minor"]);
        }
        catch (KeyNotFoundException e)
        {
            throw new InvalidXvaException("Failed to find key in version data: " + e.Message);
        }

        string ours;
        lock (req.Farm.Lock) ours = Wire.AsString(SimFarm.Coordinator(req.Db).Map("software_version").GetValueOrDefault("xapi", "0.0"));
        var parts = ours.Split('.');
        var myMajor = long.Parse(parts[0], CultureInfo.InvariantCulture);
        var myMinor = parts.Length > 1 ? long.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        if (myMajor < major || myMajor == major && myMinor < minor) throw new XenApiException("IMPORT_INCOMPATIBLE_VERSION");
    }

    /// <summary>stream_vdi.ml recv_all: per disk, chunks in increasing order until its size is reached; gaps are zeros.</summary>
    private static async Task<Dictionary<string, string>> ReceiveDisksAsync(XvaRequest req, Step step, XvaObjects objects, Stream body, bool inlineChecksums, bool force)
    {
        var ct = step.Token;
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        var total = Math.Max(1, objects.Disks.Sum(d => d.Size));
        var done = 0L;
        var lastShown = 0.0;
        var firstChunkLength = -1L;
        foreach (var (id, vdi, size) in objects.Disks)
        {
            var chunks = new Dictionary<long, byte[]>();
            var offset = 0L;
            var last = -1L;
            while (offset < size)
            {
                step.ThrowIfCancelled();
                var (name, length) = await Tar.ReadHeaderAsync(body, ct).ConfigureAwait(false);
                if (firstChunkLength < 0) firstChunkLength = length;
                if (!name.StartsWith(id + "/", StringComparison.Ordinal)) throw new InvalidXvaException("Invalid XVA file");
                var suffix = name.Substring(id.Length + 1);
                if (!long.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index <= last || length > DiskContent.ChunkSize)
                    throw new InvalidXvaException("Invalid XVA file");
                var skipped = firstChunkLength * (index - last - 1);
                var data = new byte[length];
                await Tar.ReadExactlyAsync(body, data, (int)length, ct).ConfigureAwait(false);
                await Tar.SkipAsync(body, Tar.Padding(length), ct).ConfigureAwait(false);

                var (sumName, sumLength) = await Tar.ReadHeaderAsync(body, ct).ConfigureAwait(false);
                var extension = Path.GetExtension(sumName);
                var computed = Checksums.Compute(extension, data, data.Length);
                sums[name] = computed;
                if (sumName != name + extension)
                    throw new InvalidXvaException("Expected to find a supported inline checksum file, instead found a file called: " + sumName);
                if (sumLength > 64) throw new InvalidXvaException("Invalid XVA file");
                var stored = new byte[sumLength];
                await Tar.ReadExactlyAsync(body, stored, (int)sumLength, ct).ConfigureAwait(false);
                await Tar.SkipAsync(body, Tar.Padding(sumLength), ct).ConfigureAwait(false);
                if (inlineChecksums)
                {
                    var original = Encoding.ASCII.GetString(stored);
                    if (original != computed && !force)
                        throw new XenApiException("IMPORT_ERROR",
                            "Stream_vdi.Invalid_checksum(\"Block " + name + " checksum failed: original = " + original + "; recomputed = " + computed + "\")");
                }

                if (!DiskContent.IsZero(data, data.Length)) chunks[index] = data;
                offset += skipped + length;
                last = index;
                done += skipped + length;
                var progress = (double)done / total;
                if (progress - lastShown >= 0.02)
                {
                    lastShown = progress;
                    step.Progress(progress);
                }
            }

            req.Farm.DiskContent.Store(vdi.Ref, chunks);
        }

        return sums;
    }

    /// <summary>Exports before export_vsn 2 end with a table of checksums (filename → SHA-1) as one more file.</summary>
    private static async Task CheckTrailingTableAsync(Stream body, Dictionary<string, string> computed, bool force, CancellationToken ct)
    {
        var (_, size) = await Tar.ReadHeaderAsync(body, ct).ConfigureAwait(false);
        if (size > MaxOvaXml) throw new InvalidXvaException("checksum table is too large");
        var bytes = new byte[size];
        await Tar.ReadExactlyAsync(body, bytes, (int)size, ct).ConfigureAwait(false);
        var table = Wire.AsStruct(XmlRpc.ParseValueText(Encoding.UTF8.GetString(bytes)));
        var ok = computed.All(kv => table.TryGetValue(kv.Key, out var v) && v is string s && s == kv.Value);
        if (!ok && !force) throw new XenApiException("IMPORT_ERROR_SOME_CHECKSUMS_FAILED");
    }
}
