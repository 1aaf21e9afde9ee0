using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client.XmlRpc;

namespace XenHa.Client;

/// <summary>
/// Surviving the coordinator: re-login once on SESSION_INVALID, find the new coordinator among the
/// remembered members when the current one stops answering or says HOST_IS_SLAVE, repeat reads
/// transparently, and report writes whose outcome is unknown instead of repeating them.
/// </summary>
public sealed partial class XenSession
{
    /// <summary>
    /// Finds the pool's current coordinator among the remembered members and re-points the session to it
    /// (a fresh login there). Use it after <c>pool.designate_new_master</c>. Bounded by
    /// <see cref="XenSessionOptions.FailoverTimeout"/>; raises <see cref="CoordinatorChanged"/> when it moved.
    /// </summary>
    public Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return RecoverCoordinatorAsync(Volatile.Read(ref _generation), null, force: true, cancellationToken);
    }

    /// <summary>
    /// Whether <paramref name="method"/> only reads, so repeating it cannot change anything:
    /// <c>*.get_*</c> (records, fields, get_all*), <c>system.*</c>, <c>event.from</c>,
    /// <c>*.ha_compute_*</c> and <c>*.assert_*</c>. Async.* calls start tasks and never count as reads.
    /// </summary>
    public static bool IsReadOnlyMethod(string method)
    {
        if (string.IsNullOrEmpty(method) || method.StartsWith("Async.", StringComparison.Ordinal))
        {
            return false;
        }

        if (method.StartsWith("system.", StringComparison.Ordinal) || method == "event.from")
        {
            return true;
        }

        var dot = method.IndexOf('.');
        if (dot <= 0)
        {
            return false;
        }

        var message = method.Substring(dot + 1);
        return message.StartsWith("get_", StringComparison.Ordinal)
               || message.StartsWith("ha_compute_", StringComparison.Ordinal)
               || message.StartsWith("assert_", StringComparison.Ordinal);
    }

    /// <summary>
    /// One call with the recovery rules: SESSION_INVALID → log in again once and repeat; coordinator lost
    /// (no answer, HOST_IS_SLAVE) → find the new coordinator, then repeat the call if it is a read or if
    /// the old coordinator provably did not run it (HOST_IS_SLAVE, connection refused); otherwise
    /// <see cref="XenWriteOutcomeUnknownException"/>.
    /// </summary>
    private async Task<object?> CallResilientAsync(string method, IReadOnlyList<object?> args, bool prependSession,
        ValueDecoder decoder, Type resultType, CancellationToken cancellationToken, Func<bool>? mayRepeat = null)
    {
        var reloggedIn = false;
        var failedOver = false;
        var isRead = IsReadOnlyMethod(method);
        var lifecycle = method.StartsWith("session.", StringComparison.Ordinal) && !method.StartsWith("session.get_", StringComparison.Ordinal);
        while (true)
        {
            var generation = Volatile.Read(ref _generation);
            var uri = Uri;
            var full = prependSession ? WithSession(args) : args.ToArray();
            try
            {
                return await InvokeAsync(uri, method, full, decoder, resultType, cancellationToken).ConfigureAwait(false);
            }
            catch (XenApiException ex) when (prependSession && !lifecycle && !reloggedIn && ex.Code == "SESSION_INVALID" && (mayRepeat?.Invoke() ?? true))
            {
                reloggedIn = true;
                await ReloginAsync(generation, cancellationToken).ConfigureAwait(false);
            }
            catch (XenApiException ex) when (!lifecycle && !failedOver && IsCoordinatorLoss(ex) && _options.FailoverTimeout > TimeSpan.Zero
                                             && KnownMembers.Count > 0 && (mayRepeat?.Invoke() ?? true))
            {
                failedOver = true;
                var notRun = ex.Code == "HOST_IS_SLAVE" || WasRefused(ex);
                var oldUri = uri;
                try
                {
                    await RecoverCoordinatorAsync(generation, ex, force: false, cancellationToken).ConfigureAwait(false);
                }
                catch (XenApiException recovery) when (!isRead && !notRun)
                {
                    throw new XenWriteOutcomeUnknownException(method, oldUri, null, ex, recovery);
                }

                if (!isRead && !notRun)
                {
                    throw new XenWriteOutcomeUnknownException(method, oldUri, Uri, ex, null);
                }
            }
        }
    }

    /// <summary>The coordinator stopped answering, or answered that it no longer is the coordinator.</summary>
    private static bool IsCoordinatorLoss(XenApiException ex) =>
        ex is XenConnectionException || ex.Code == "HOST_IS_SLAVE";

    /// <summary>True when the request never reached a server (refused, unreachable): it cannot have run.</summary>
    private static bool WasRefused(Exception ex)
    {
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket && socket.SocketErrorCode is SocketError.ConnectionRefused
                    or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostNotFound)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Logs in again at the current coordinator, once for all concurrent callers of the same generation.</summary>
    private async Task ReloginAsync(int observedGeneration, CancellationToken cancellationToken)
    {
        await _recoveryGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            if (Volatile.Read(ref _generation) != observedGeneration)
            {
                return; // Someone else already logged in again or moved the session.
            }

            var sessionRef = await LoginAtAsync(Uri, cancellationToken).ConfigureAwait(false);
            _sessionRef = sessionRef;
            Interlocked.Increment(ref _generation);
        }
        finally
        {
            _recoveryGate.Release();
        }
    }

    private async Task<string> LoginAtAsync(Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            var value = (string?)await InvokeAsync(uri, LoginMethod,
                new object?[] { UserName, _password, _options.ApiVersion ?? "", _options.Originator ?? "" },
                XmlRpcDecoders.For(typeof(string)), typeof(string), cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(value))
            {
                throw new XenProtocolException("the login answer carries no session reference", LoginMethod);
            }

            return value!;
        }
        catch (XenApiException ex)
        {
            throw Redact(ex, _password);
        }
    }

    /// <summary>
    /// Rounds over the remembered members (in order, each with a short timeout, following HOST_IS_SLAVE
    /// pointers) until one accepts a login as coordinator of the same pool, with back-off between rounds,
    /// bounded by FailoverTimeout. Single-flight: concurrent callers wait for the first one's result.
    /// </summary>
    private async Task RecoverCoordinatorAsync(int observedGeneration, XenApiException? cause, bool force, CancellationToken cancellationToken)
    {
        await _recoveryGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            if (!force && Volatile.Read(ref _generation) != observedGeneration)
            {
                return; // Another call already found the coordinator.
            }

            var deadline = DateTime.UtcNow + (_options.FailoverTimeout > TimeSpan.Zero ? _options.FailoverTimeout : TimeSpan.FromSeconds(30));
            var pause = _options.FailoverRetryDelay > TimeSpan.Zero ? _options.FailoverRetryDelay : TimeSpan.FromSeconds(1);
            var tried = new List<string>();
            XenApiException? last = cause;
            while (true)
            {
                var candidates = new List<string>(KnownMembers);
                for (var i = 0; i < candidates.Count; i++)
                {
                    var address = candidates[i];
                    var uri = ServerAddress.WithHost(Uri, address);
                    if (!tried.Contains(address, StringComparer.OrdinalIgnoreCase))
                    {
                        tried.Add(address);
                    }

                    var snapshot = await ProbeAsync(uri, deadline, cancellationToken, e => last = e, pointer =>
                    {
                        // A supporter names the coordinator: try that address next, even if it is not remembered.
                        var at = candidates.FindIndex(c => string.Equals(c, pointer, StringComparison.OrdinalIgnoreCase));
                        if (at > i + 1 || at < 0)
                        {
                            if (at >= 0)
                            {
                                candidates.RemoveAt(at);
                            }

                            candidates.Insert(i + 1, pointer);
                        }
                    }).ConfigureAwait(false);
                    if (snapshot is not null)
                    {
                        SwitchTo(snapshot);
                        return;
                    }
                }

                var now = DateTime.UtcNow;
                if (now + pause >= deadline)
                {
                    throw new XenCoordinatorNotFoundException(tried, _options.FailoverTimeout, last);
                }

                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
        finally
        {
            _recoveryGate.Release();
        }
    }

    /// <summary>
    /// Logs in at one member with a short timeout. Returns the pool as seen there when it is the
    /// coordinator of this pool; null when it is down, a supporter (reporting where the coordinator is) or another pool.
    /// </summary>
    private async Task<PoolSnapshot?> ProbeAsync(Uri uri, DateTime deadline, CancellationToken cancellationToken,
        Action<XenApiException> failed, Action<string> pointer)
    {
        var budget = deadline - DateTime.UtcNow;
        var timeout = _options.FailoverProbeTimeout > TimeSpan.Zero ? _options.FailoverProbeTimeout : TimeSpan.FromSeconds(5);
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probe.CancelAfter(budget < timeout ? (budget > TimeSpan.Zero ? budget : TimeSpan.FromMilliseconds(1)) : timeout);
        string? sessionRef = null;
        try
        {
            sessionRef = await LoginAtAsync(uri, probe.Token).ConfigureAwait(false);
            var snapshot = await ReadPoolAsync(uri, sessionRef, probe.Token).ConfigureAwait(false);
            if (!PoolRef.IsNull && snapshot.PoolRef.OpaqueRef != PoolRef.OpaqueRef)
            {
                // A former member that now is a pool of its own (ejected, emergency): not our coordinator.
                await LogoutQuietlyAsync(uri, sessionRef).ConfigureAwait(false);
                return null;
            }

            return snapshot;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (sessionRef is not null)
            {
                await LogoutQuietlyAsync(uri, sessionRef).ConfigureAwait(false);
            }

            return null; // No answer in time: try the next member.
        }
        catch (XenApiException ex) when (ex.Code is "SESSION_AUTHENTICATION_FAILED" or "SESSION_AUTHORIZATION_FAILED")
        {
            throw; // The credentials no longer work anywhere: trying other members will not help.
        }
        catch (XenApiException ex)
        {
            failed(ex);
            if (ex.Code == "HOST_IS_SLAVE" && ex.Parameters.Count > 0 && ex.Parameters[0].Trim().Length > 0)
            {
                pointer(ex.Parameters[0].Trim());
            }

            return null;
        }
    }

    private async Task LogoutQuietlyAsync(Uri uri, string sessionRef)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await InvokeAsync(uri, "session.logout", new object?[] { sessionRef }, XmlRpcDecoders.Generic, typeof(object), cts.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: an idle session expires on its own.
        }
    }

    private void SwitchTo(PoolSnapshot snapshot)
    {
        var oldUri = Uri;
        var oldCoordinator = CoordinatorRef;
        var oldSession = _sessionRef;
        Apply(snapshot);
        Interlocked.Increment(ref _generation);
        if (oldSession is not null && oldSession != snapshot.SessionRef)
        {
            // The old session may live on in the pool database: end it there, quietly.
            _ = LogoutQuietlyAsync(snapshot.Uri, oldSession);
        }

        if (oldUri != snapshot.Uri || oldCoordinator.OpaqueRef != snapshot.CoordinatorRef.OpaqueRef)
        {
            var handler = CoordinatorChanged;
            if (handler is null)
            {
                return;
            }

            try
            {
                handler(this, new XenCoordinatorChangedEventArgs(oldUri, snapshot.Uri, oldCoordinator, snapshot.CoordinatorRef, snapshot.CoordinatorAddress));
            }
            catch (Exception)
            {
                // A subscriber must never break the session.
            }
        }
    }
}
