using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace XenHa.Infrastructure;

/// <summary>
/// Fencing evidence for Repair-XenPool: does a host still answer on its management address? A
/// TCP connection to the management port followed by an HTTP answer (or a TLS handshake on https),
/// bounded by a short timeout. A host that accepts connections but never answers counts as not
/// answering (its xapi is gone); a host that answers may still be running its VMs.
/// </summary>
internal static class ReachabilityProbe
{
    /// <summary>The endpoint probed for a host address: the connection's scheme and port.</summary>
    public static Uri EndpointOf(string address, Uri connectionUri)
    {
        var host = address.Contains(":") && !address.StartsWith("[", StringComparison.Ordinal) ? "[" + address + "]" : address;
        return new Uri($"{connectionUri.Scheme}://{host}:{connectionUri.Port}/");
    }

    /// <summary>True when something answers at the endpoint within the timeout.</summary>
    public static async Task<bool> AnswersAsync(Uri endpoint, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        using var client = new TcpClient();
        try
        {
            var connect = client.ConnectAsync(endpoint.IdnHost, endpoint.Port);
            if (await Task.WhenAny(connect, Task.Delay(Timeout.Infinite, limit.Token)).ConfigureAwait(false) != connect)
            {
                ct.ThrowIfCancellationRequested();
                return false;
            }
            await connect.ConfigureAwait(false);
            Stream stream = client.GetStream();
            if (string.Equals(endpoint.Scheme, "https", StringComparison.OrdinalIgnoreCase))
            {
                // Any certificate will do: the question is only whether the host's stack is alive.
                var tls = new SslStream(stream, false, (_, _, _, _) => true);
                var handshake = tls.AuthenticateAsClientAsync(endpoint.IdnHost);
                var done = await Task.WhenAny(handshake, Task.Delay(Timeout.Infinite, limit.Token)).ConfigureAwait(false);
                if (done != handshake)
                {
                    ct.ThrowIfCancellationRequested();
                    return false;
                }
                await handshake.ConfigureAwait(false);
                stream = tls;
            }
            var request = Encoding.ASCII.GetBytes($"HEAD / HTTP/1.0\r\nHost: {endpoint.Authority}\r\n\r\n");
            await stream.WriteAsync(request, 0, request.Length, limit.Token).ConfigureAwait(false);
            var buffer = new byte[1];
            var read = stream.ReadAsync(buffer, 0, 1, limit.Token);
            var finished = await Task.WhenAny(read, Task.Delay(Timeout.Infinite, limit.Token)).ConfigureAwait(false);
            if (finished != read)
            {
                ct.ThrowIfCancellationRequested();
                return false;
            }
            return await read.ConfigureAwait(false) > 0;
        }
        catch (Exception e) when (e is SocketException || e is IOException || e is System.Security.Authentication.AuthenticationException
                                  || (e is OperationCanceledException && !ct.IsCancellationRequested) || e is ObjectDisposedException)
        {
            return false;
        }
    }
}
