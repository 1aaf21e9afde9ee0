using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client.Transport;

namespace XenHa.Client;

/// <summary>How far a transfer is: bytes so far, the total when known, and the average rate.</summary>
public sealed class XenTransferProgress
{
    public XenTransferProgress(long bytes, long? totalBytes, double bytesPerSecond)
    {
        Bytes = bytes;
        TotalBytes = totalBytes;
        BytesPerSecond = bytesPerSecond;
    }

    public long Bytes { get; }

    /// <summary>The total size (imports); null for exports, whose size is not known in advance.</summary>
    public long? TotalBytes { get; }

    public double BytesPerSecond { get; }
}

/// <summary>
/// VM export and import over xapi's HTTP handlers (reference §1.7): GET /export and PUT /import with
/// the session, a client-created task whose status carries the outcome (and its error), 302s
/// followed to the host that owns the storage, data streamed in 1 MiB pieces (never the whole
/// image in memory), progress callbacks, and cancellation that also cancels the server task.
/// Uses the session's own HTTP transport, so its certificate validation and timeouts apply.
/// </summary>
public sealed class XenHttpTransfer
{
    private const int BufferSize = 1024 * 1024;
    private const int MaxRedirects = 5;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan TaskSettleTimeout = TimeSpan.FromSeconds(60);

    private readonly XenSession _session;
    private readonly HttpXenTransport _transport;

    public XenHttpTransfer(XenSession session)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _transport = session.HttpTransport
            ?? throw new InvalidOperationException("VM export and import need a session logged in over HTTP(S).");
    }

    /// <summary>
    /// Streams the XVA of a halted or suspended VM into <paramref name="destination"/> (gzip-compressed
    /// by the host when <paramref name="compress"/>). Returns the bytes written. The VM's power state and
    /// other refusals surface as the <see cref="XenApiException"/> xapi put on the task.
    /// </summary>
    public async Task<long> ExportVmAsync(XenRef<Vm> vm, Stream destination, bool compress, Action<XenTransferProgress>? progress, CancellationToken cancellationToken)
    {
        if (destination is null)
        {
            throw new ArgumentNullException(nameof(destination));
        }

        var task = await _session.CallAsync<XenRef<XenTask>>("task.create", cancellationToken, "Export of VM " + vm.OpaqueRef, "XenHa export").ConfigureAwait(false);
        try
        {
            var query = "ref=" + Uri.EscapeDataString(vm.OpaqueRef) + (compress ? "&use_compression=true" : "");
            using var response = await SendAsync(HttpMethod.Get, "/export", query, task, null, cancellationToken).ConfigureAwait(false);
            long written;
            try
            {
                var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                written = await CopyAsync(body, destination, null, progress, response, cancellationToken).ConfigureAwait(false);
            }
            catch (DestinationException ex)
            {
                // The local file could not be written (disk full, no permission): that error, not the network's.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
                throw;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is IOException || ex is HttpRequestException || ex is ObjectDisposedException))
            {
                throw await TaskErrorAsync(task, "The export stream from " + response.RequestMessage?.RequestUri?.Host + " broke off: " + ex.Message, ex).ConfigureAwait(false);
            }

            await WaitTaskAsync(task, cancellationToken).ConfigureAwait(false);
            return written;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelTaskAsync(task).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await DestroyTaskAsync(task).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Uploads an XVA (plain or gzip) from a seekable <paramref name="source"/> into <paramref name="sr"/>
    /// (the pool's default SR when Null). <paramref name="restore"/> keeps the VM's identity (uuids, MACs);
    /// <paramref name="force"/> makes xapi ignore checksum failures. Returns the new VMs.
    /// </summary>
    public async Task<IReadOnlyList<XenRef<Vm>>> ImportVmAsync(Stream source, XenRef<Sr> sr, bool restore, bool force, Action<XenTransferProgress>? progress, CancellationToken cancellationToken)
    {
        if (source is null)
        {
            throw new ArgumentNullException(nameof(source));
        }

        if (!source.CanSeek)
        {
            throw new ArgumentException("The XVA stream must be seekable (a redirect sends it again).", nameof(source));
        }

        var task = await _session.CallAsync<XenRef<XenTask>>("task.create", cancellationToken, "Import of a VM", "XenHa import").ConfigureAwait(false);
        try
        {
            var query = (sr.IsNull ? "" : "sr_id=" + Uri.EscapeDataString(sr.OpaqueRef) + "&") + (restore ? "restore=true&" : "") + (force ? "force=true&" : "");
            var start = source.Position;
            try
            {
                using var response = await SendAsync(HttpMethod.Put, "/import", query.TrimEnd('&'), task,
                    () =>
                    {
                        source.Position = start;
                        return new UploadContent(source, source.Length - start, progress, cancellationToken);
                    }, cancellationToken).ConfigureAwait(false);
            }
            catch (XenConnectionException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The host may close the upload once it has failed the import (e.g. a bad checksum).
                throw await TaskErrorAsync(task, ex.Message, ex).ConfigureAwait(false);
            }

            var record = await WaitTaskAsync(task, cancellationToken).ConfigureAwait(false);
            var refs = new List<XenRef<Vm>>();
            if (record.DecodeResult() is object?[] items)
            {
                foreach (var item in items)
                {
                    if (item is string s)
                    {
                        refs.Add(new XenRef<Vm>(s));
                    }
                }
            }
            else if (record.DecodeResult() is string single)
            {
                refs.Add(new XenRef<Vm>(single));
            }

            return refs;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelTaskAsync(task).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await DestroyTaskAsync(task).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the request to the coordinator, following 302s; a non-200 answer becomes the task's error.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string query, XenRef<XenTask> task, Func<HttpContent>? content, CancellationToken ct)
    {
        var uri = new UriBuilder(_session.Uri)
        {
            Path = path,
            Query = "session_id=" + Uri.EscapeDataString(_session.SessionRef) + "&task_id=" + Uri.EscapeDataString(task.OpaqueRef) + (query.Length > 0 ? "&" + query : ""),
        }.Uri;
        for (var hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(method, uri);
            if (content is not null)
            {
                request.Content = content();
                // Lets the host refuse (302, 401, 403) before the image is sent.
                request.Headers.ExpectContinue = true;
            }

            var response = await _transport.SendStreamingAsync(request, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return response;
            }

            var location = response.Headers.Location;
            var status = (int)response.StatusCode;
            var text = await SnippetAsync(response).ConfigureAwait(false);
            response.Dispose();
            if (status >= 300 && status < 400 && location is not null && hop < MaxRedirects)
            {
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                continue;
            }

            throw await TaskErrorAsync(task, "HTTP " + status + " from " + uri.Host + path + ": " + text, null).ConfigureAwait(false);
        }
    }

    private static async Task<long> CopyAsync(Stream from, Stream to, long? total, Action<XenTransferProgress>? progress, IDisposable abortOnCancel, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long bytes = 0;
        // A read blocked on the network is ended by disposing the response.
        using (ct.Register(state => ((IDisposable)state!).Dispose(), abortOnCancel))
        {
            int n;
            while ((n = await from.ReadAsync(buffer, 0, buffer.Length, ct).ConfigureAwait(false)) > 0)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    await to.WriteAsync(buffer, 0, n, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new DestinationException(ex);
                }

                bytes += n;
                if (progress is not null && clock.Elapsed - lastReport >= ProgressInterval)
                {
                    lastReport = clock.Elapsed;
                    progress(new XenTransferProgress(bytes, total, Rate(bytes, clock.Elapsed)));
                }
            }
        }

        ct.ThrowIfCancellationRequested();
        progress?.Invoke(new XenTransferProgress(bytes, total ?? bytes, Rate(bytes, clock.Elapsed)));
        return bytes;
    }

    private static double Rate(long bytes, TimeSpan elapsed) => elapsed.TotalSeconds > 0 ? bytes / elapsed.TotalSeconds : 0;

    /// <summary>Polls the task until it leaves pending; a failure throws the XenAPI error it carries.</summary>
    private async Task<XenTask> WaitTaskAsync(XenRef<XenTask> task, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TaskSettleTimeout;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var record = await _session.GetRecordAsync(task, ct).ConfigureAwait(false);
            switch (record.Status)
            {
                case XenTaskStatus.Success:
                    return record;
                case XenTaskStatus.Failure:
                    throw new XenApiException(record.ErrorInfo.Count > 0 ? record.ErrorInfo : new List<string> { "INTERNAL_ERROR", "The task failed without error information." }, record.NameLabel);
                case XenTaskStatus.Cancelled:
                    throw new XenApiException(new[] { "TASK_CANCELLED", task.OpaqueRef }, record.NameLabel);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The transfer finished but the task " + task.OpaqueRef + " did not complete within " + TaskSettleTimeout.TotalSeconds + " s.");
            }

            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(500, delay.TotalMilliseconds * 2));
        }
    }

    /// <summary>The error to throw after an HTTP failure: the task's XenAPI error when it has one, else a protocol error.</summary>
    private async Task<Exception> TaskErrorAsync(XenRef<XenTask> task, string detail, Exception? inner)
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            for (var i = 0; i < 20; i++)
            {
                var record = await _session.GetRecordAsync(task, quick.Token).ConfigureAwait(false);
                if (record.Status == XenTaskStatus.Failure && record.ErrorInfo.Count > 0)
                {
                    return new XenApiException(record.ErrorInfo, record.NameLabel, inner);
                }

                if (record.Status != XenTaskStatus.Pending)
                {
                    break;
                }

                await Task.Delay(50, quick.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is XenApiException || e is OperationCanceledException)
        {
            // No better error to report than the HTTP one.
        }

        return new XenProtocolException(detail, null, inner);
    }

    private async Task CancelTaskAsync(XenRef<XenTask> task)
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _session.CallAsync<object?>("task.cancel", quick.Token, task).ConfigureAwait(false);
        }
        catch (Exception e) when (e is XenApiException || e is OperationCanceledException)
        {
            // Best effort: the transfer has stopped on our side either way.
        }
    }

    private async Task DestroyTaskAsync(XenRef<XenTask> task)
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _session.CallAsync<object?>("task.destroy", quick.Token, task).ConfigureAwait(false);
        }
        catch (Exception e) when (e is XenApiException || e is OperationCanceledException)
        {
            // The outcome is already known; a leftover task expires on the server.
        }
    }

    private static async Task<string> SnippetAsync(HttpResponseMessage response)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            text = System.Text.RegularExpressions.Regex.Replace(text, "<[^>]+>", " ").Trim();
            return text.Length <= 300 ? text : text.Substring(0, 300);
        }
        catch (Exception ex) when (ex is IOException || ex is HttpRequestException || ex is ObjectDisposedException)
        {
            return "(body unreadable)";
        }
    }

    /// <summary>Marks a failure to write the destination, so it is not taken for a broken download.</summary>
    private sealed class DestinationException : Exception
    {
        public DestinationException(Exception inner) : base(inner.Message, inner)
        {
        }
    }

    /// <summary>The request body of an import: the file in 1 MiB pieces, with progress and cancellation.</summary>
    private sealed class UploadContent : HttpContent
    {
        private readonly Stream _source;
        private readonly long _length;
        private readonly Action<XenTransferProgress>? _progress;
        private readonly CancellationToken _ct;

        public UploadContent(Stream source, long length, Action<XenTransferProgress>? progress, CancellationToken ct)
        {
            _source = source;
            _length = length;
            _progress = progress;
            _ct = ct;
            Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var limited = new LimitedReader(_source, _length);
            await CopyAsync(limited, stream, _length, _progress, limited, _ct).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }

    /// <summary>Reads at most a given number of bytes (the part of the source being sent); leaves the source open.</summary>
    private sealed class LimitedReader : Stream
    {
        private readonly Stream _inner;
        private long _left;

        public LimitedReader(Stream inner, long length)
        {
            _inner = inner;
            _left = length;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = _inner.Read(buffer, offset, (int)Math.Min(count, _left));
            _left -= n;
            return n;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            var n = await _inner.ReadAsync(buffer, offset, (int)Math.Min(count, _left), cancellationToken).ConfigureAwait(false);
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
