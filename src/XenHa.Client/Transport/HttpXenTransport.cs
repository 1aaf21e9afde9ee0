using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace XenHa.Client.Transport;

/// <summary>
/// XML-RPC over HTTP(S) with <see cref="HttpClient"/>: keep-alive, <c>Content-Type: text/xml</c>, a
/// per-call timeout, the certificate check of <see cref="CertificateValidation"/>, and every network failure mapped to
/// <see cref="XenConnectionException"/>.
/// </summary>
public sealed class HttpXenTransport : IXenTransport, IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeSpan _timeout;
    private int _disposed;

    public HttpXenTransport(XenSessionOptions? options = null)
    {
        options ??= new XenSessionOptions();
        _timeout = options.Timeout <= TimeSpan.Zero ? TimeSpan.FromSeconds(60) : options.Timeout;
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = true,
            AutomaticDecompression = DecompressionMethods.None,
            ServerCertificateCustomValidationCallback = CertificateValidation.Callback(options),
        };
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        var agent = options.Originator;
        if (!string.IsNullOrEmpty(agent))
        {
            _client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", agent);
        }

        _client.DefaultRequestHeaders.ExpectContinue = false;
    }

    public async Task<TResult> PostAsync<TResult>(Uri uri, Action<Stream> writeBody, Func<Stream, TResult> readBody, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(HttpXenTransport));
        }

        cancellationToken.ThrowIfCancellationRequested();
        byte[] body;
        using (var ms = new MemoryStream())
        {
            writeBody(ms);
            body = ms.ToArray();
        }

        using var timeout = new CancellationTokenSource(_timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var ct = linked.Token;
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/xml");
        HttpResponseMessage? response = null;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var text = await ReadSnippetAsync(response).ConfigureAwait(false);
                throw new XenProtocolException("HTTP " + (int)response.StatusCode + " " + response.ReasonPhrase + " from " + uri + ": " + text);
            }

            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (mediaType is not null && !mediaType.EndsWith("/xml", StringComparison.OrdinalIgnoreCase))
            {
                var text = await ReadSnippetAsync(response).ConfigureAwait(false);
                throw new XenProtocolException("expected an XML-RPC answer (text/xml) from " + uri + " but got Content-Type " + mediaType + ": " + text);
            }

            // The decoder reads 64 KiB at a time itself (XmlTokenizer), so the content stream needs no buffer of its own.
            var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            // The codec reads synchronously; a blocked read is ended by disposing the response.
            using (ct.Register(state => ((HttpResponseMessage)state!).Dispose(), response))
            {
                return await Task.Run(() => readBody(stream), ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && IsAbort(ex))
        {
            throw new OperationCanceledException("The XenAPI call was cancelled.", ex, cancellationToken);
        }
        catch (Exception ex) when (timeout.IsCancellationRequested && IsAbort(ex))
        {
            throw new XenConnectionException(
                "The call to " + uri.Host + " did not complete within " + _timeout.TotalSeconds + " s", uri, null, true, null, ex);
        }
        catch (XenApiException)
        {
            throw;
        }
        catch (Exception ex) when (CertificateValidation.Refusal(request) is { } decision)
        {
            throw new XenCertificateException(decision, null, ex);
        }
        catch (Exception ex) when (IsAbort(ex) || ex is AuthenticationException)
        {
            throw new XenConnectionException(Describe(uri, ex, request), uri, null, false, null, ex);
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <summary>
    /// Sends a streaming request (VM export/import) with this transport's HTTP client, so the same
    /// certificate validation, proxy and User-Agent apply. Returns once the response headers are in;
    /// only that wait is bounded by the call timeout. Network failures become <see cref="XenConnectionException"/>.
    /// </summary>
    public async Task<HttpResponseMessage> SendStreamingAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(HttpXenTransport));
        }

        var uri = request.RequestUri!;
        using var timeout = new CancellationTokenSource(_timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && IsAbort(ex))
        {
            throw new OperationCanceledException("The transfer was cancelled.", ex, cancellationToken);
        }
        catch (Exception ex) when (timeout.IsCancellationRequested && IsAbort(ex))
        {
            throw new XenConnectionException("The host " + uri.Host + " did not answer within " + _timeout.TotalSeconds + " s", uri, null, true, null, ex);
        }
        catch (Exception ex) when (CertificateValidation.Refusal(request) is { } decision)
        {
            throw new XenCertificateException(decision, null, ex);
        }
        catch (Exception ex) when (IsAbort(ex) || ex is AuthenticationException)
        {
            throw new XenConnectionException(Describe(uri, ex, request), uri, null, false, null, ex);
        }
    }

    /// <summary>What a dropped connection, timeout or cancellation can surface as.</summary>
    private static bool IsAbort(Exception ex) =>
        ex is OperationCanceledException or IOException or ObjectDisposedException or HttpRequestException
            or SocketException or WebException or XenProtocolException;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client.Dispose();
        }
    }

    private static string Describe(Uri uri, Exception ex, HttpRequestMessage request)
    {
        var policyErrors = CertificateValidation.PolicyErrors(request);
        var root = ex;
        AuthenticationException? auth = null;
        SocketException? socket = null;
        for (var e = ex; e is not null; e = e.InnerException)
        {
            root = e;
            auth ??= e as AuthenticationException;
            socket ??= e as SocketException;
        }

        if (policyErrors != SslPolicyErrors.None || auth is not null)
        {
            var why = policyErrors != SslPolicyErrors.None ? " (" + policyErrors + ")" : "";
            return "The TLS connection to " + uri.Host + " failed: the server certificate was not accepted" + why
                + ". This is a certificate problem; trust the host's certificate, or use -SkipCertificateCheck for a lab host. " + root.Message;
        }

        if (socket is not null)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "Cannot resolve the host name " + uri.Host + ": " + socket.Message,
                SocketError.ConnectionRefused => "The connection to " + uri.Host + ":" + uri.Port + " was refused (is xapi running, and is the port right?)",
                SocketError.ConnectionReset or SocketError.ConnectionAborted => "The connection to " + uri.Host + " was reset: " + socket.Message,
                SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable => "Cannot reach " + uri.Host + ":" + uri.Port + ": " + socket.Message,
                _ => "Cannot connect to " + uri.Host + ":" + uri.Port + ": " + socket.Message,
            };
        }

        return "The connection to " + uri.Host + ":" + uri.Port + " failed: " + root.Message;
    }

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var buffer = new byte[800];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer, read, buffer.Length - read).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, read);
            text = text.Replace("\r", " ").Replace("\n", " ").Trim();
            return text.Length <= 200 ? text : text.Substring(0, 200);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
        {
            return "(body unreadable)";
        }
    }
}
