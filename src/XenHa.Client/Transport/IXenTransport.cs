using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace XenHa.Client.Transport;

/// <summary>
/// The one seam between the client and the network: POST a request body to <c>uri</c> and let the
/// caller read the response body as a stream (so the codec can decode it while it arrives).
/// </summary>
public interface IXenTransport
{
    /// <summary>
    /// Sends a POST whose body <paramref name="writeBody"/> writes, then calls <paramref name="readBody"/>
    /// on the response body stream of a 200 answer. Network failures and timeouts become
    /// <see cref="XenConnectionException"/>; other HTTP statuses <see cref="XenProtocolException"/>;
    /// cancellation through <paramref name="cancellationToken"/> an <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<TResult> PostAsync<TResult>(Uri uri, Action<Stream> writeBody, Func<Stream, TResult> readBody, CancellationToken cancellationToken);
}
