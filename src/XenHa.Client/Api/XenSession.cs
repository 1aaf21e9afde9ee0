using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client.Transport;
using XenHa.Client.XmlRpc;

namespace XenHa.Client;

/// <summary>
/// A logged-in XenAPI session on a pool coordinator. Thread-safe for concurrent calls.
/// </summary>
public sealed partial class XenSession : IDisposable
{
    internal const string LoginMethod = "session.login_with_password";
    private static readonly TimeSpan DisposeLogoutTimeout = TimeSpan.FromSeconds(5);

    private readonly IXenTransport _transport;
    private readonly bool _ownsTransport;
    private readonly XenSessionOptions _options;
    private readonly XmlRpcLimits _limits;
    private readonly SemaphoreSlim _recoveryGate = new SemaphoreSlim(1, 1);
    // Kept only to log in again (SESSION_INVALID, coordinator loss); never shown, logged or put in an exception.
    private readonly string _password;
    private string? _sessionRef;
    private int _generation;
    private int _disposed;

    private XenSession(string server, Uri uri, string userName, string password, XenSessionOptions options, IXenTransport transport, bool ownsTransport)
    {
        Server = server;
        Uri = uri;
        UserName = userName;
        _password = password;
        _options = options;
        _limits = XmlRpcLimits.From(options);
        _transport = transport;
        _ownsTransport = ownsTransport;
    }

    /// <summary>Raised after every call (including login and logout) with the method name and timing only, never arguments.</summary>
    public event EventHandler<XenCallEventArgs>? CallCompleted;

    /// <summary>
    /// Raised after the session moved to another coordinator (coordinator lost and a new one found,
    /// or <see cref="ReconnectAsync"/>). Handlers run on the calling thread; their exceptions are ignored.
    /// </summary>
    public event EventHandler<XenCoordinatorChangedEventArgs>? CoordinatorChanged;

    /// <summary>The coordinator endpoint actually used (after HOST_IS_SLAVE redirects and failovers).</summary>
    public Uri Uri { get; private set; }

    /// <summary>What the user asked for.</summary>
    public string Server { get; }

    /// <summary>The session reference ("" once logged out).</summary>
    public string SessionRef => _sessionRef ?? "";

    public string UserName { get; }

    /// <summary>The coordinator's <c>API_version_major</c>.</summary>
    public long APIVersionMajor { get; private set; }

    /// <summary>The coordinator's <c>API_version_minor</c>.</summary>
    public long APIVersionMinor { get; private set; }

    public XenRef<Pool> PoolRef { get; private set; }

    public XenRef<Host> CoordinatorRef { get; private set; }

    /// <summary>Management addresses of every pool member, coordinator first.</summary>
    public IReadOnlyList<string> KnownMembers { get; private set; } = Array.Empty<string>();

    /// <summary>The HTTP transport of a session logged in over the network (null over an in-process transport).</summary>
    internal HttpXenTransport? HttpTransport => _transport as HttpXenTransport;

    public bool IsLoggedIn => _sessionRef is not null && Volatile.Read(ref _disposed) == 0;

    /// <summary>
    /// Logs in (following HOST_IS_SLAVE to the coordinator), then reads the pool, the coordinator's
    /// API version and address, and every member's address.
    /// </summary>
    public static async Task<XenSession> LoginAsync(string server, string userName, string password, XenSessionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new XenSessionOptions();
        var uri = ServerAddress.Parse(server);
        var transport = new HttpXenTransport(options);
        try
        {
            return await LoginCoreAsync(server, uri, userName, password, options, transport, true, null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }

    /// <summary>Login over a given transport (tests and the in-process simulator).</summary>
    internal static Task<XenSession> LoginWithTransportAsync(string server, string userName, string password, XenSessionOptions? options, IXenTransport transport,
        EventHandler<XenCallEventArgs>? callCompleted = null, CancellationToken cancellationToken = default) =>
        LoginCoreAsync(server, ServerAddress.Parse(server), userName, password, options ?? new XenSessionOptions(), transport, false, callCompleted, cancellationToken);

    private static async Task<XenSession> LoginCoreAsync(string server, Uri uri, string userName, string password, XenSessionOptions options,
        IXenTransport transport, bool ownsTransport, EventHandler<XenCallEventArgs>? callCompleted, CancellationToken cancellationToken)
    {
        if (userName is null)
        {
            throw new ArgumentNullException(nameof(userName));
        }

        if (password is null)
        {
            throw new ArgumentNullException(nameof(password));
        }

        var session = new XenSession(server, uri, userName, password, options, transport, ownsTransport);
        if (callCompleted is not null)
        {
            session.CallCompleted += callCompleted;
        }

        for (var hop = 0; ; hop++)
        {
            try
            {
                session._sessionRef = (string?)await session.InvokeAsync(session.Uri, LoginMethod,
                    new object?[] { userName, password, options.ApiVersion ?? "", options.Originator ?? "" },
                    XmlRpcDecoders.For(typeof(string)), typeof(string), cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (XenApiException ex) when (ex.Code == "HOST_IS_SLAVE" && hop < Math.Max(0, options.MaxRedirects)
                                            && ex.Parameters.Count > 0 && ex.Parameters[0].Trim().Length > 0)
            {
                session.Uri = ServerAddress.WithHost(session.Uri, ex.Parameters[0]);
            }
            catch (XenApiException ex)
            {
                throw Redact(ex, password);
            }
        }

        if (string.IsNullOrEmpty(session._sessionRef))
        {
            session._sessionRef = null;
            throw new XenProtocolException("the login answer carries no session reference", LoginMethod);
        }

        try
        {
            session.Apply(await session.ReadPoolAsync(session.Uri, session._sessionRef!, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return session;
    }

    /// <summary>Calls <paramref name="method"/> with the session ref prepended and decodes the Value into <typeparamref name="T"/>.</summary>
    public async Task<T> CallAsync<T>(string method, CancellationToken cancellationToken, params object?[] args)
    {
        var value = await CallResilientAsync(method, args ?? new object?[] { null }, true, XmlRpcDecoders.For(typeof(T)), typeof(T), cancellationToken).ConfigureAwait(false);
        return value is null ? default! : (T)value;
    }

    /// <summary>
    /// Calls any method and decodes the result generically: string, long, bool, double, DateTime,
    /// object?[] and Dictionary&lt;string, object?&gt;. <c>system.listMethods</c> (no session) returns its bare array.
    /// </summary>
    public Task<object?> CallRawAsync(string method, IReadOnlyList<object?> args, bool prependSession, CancellationToken cancellationToken)
    {
        var list = args ?? Array.Empty<object?>();
        ThrowIfDisposed();
        return CallResilientAsync(method, list, prependSession, XmlRpcDecoders.Generic, typeof(object), cancellationToken);
    }

    /// <summary><c>&lt;class&gt;.get_all_records</c>, OpaqueRef filled, ordered as received.</summary>
    public Task<IReadOnlyList<T>> GetAllRecordsAsync<T>(CancellationToken cancellationToken) where T : XenObject, new() =>
        RecordsAsync<T>(RecordMetadata.WireClassOf(typeof(T)) + ".get_all_records", Array.Empty<object?>(), cancellationToken);

    /// <summary><c>&lt;class&gt;.get_all_records_where(expression)</c>, e.g. <c>field "power_state"="Running"</c>.</summary>
    public Task<IReadOnlyList<T>> GetAllRecordsWhereAsync<T>(string expression, CancellationToken cancellationToken) where T : XenObject, new() =>
        RecordsAsync<T>(RecordMetadata.WireClassOf(typeof(T)) + ".get_all_records_where", new object?[] { expression ?? "true" }, cancellationToken);

    /// <summary>
    /// <c>&lt;class&gt;.get_all_records</c>, or <c>get_all_records_where(expression)</c> when an expression is
    /// given, handing each record to <paramref name="onRecord"/> as soon as it is decoded (on the decoding
    /// thread), so callers can work on the first records while the rest are still arriving. Returns the
    /// number of records. Unlike the other reads, it is not repeated after a failover once a record was
    /// handed on: what was handed on cannot be taken back.
    /// </summary>
    public async Task<int> ReadAllRecordsAsync<T>(string? expression, Action<T> onRecord, CancellationToken cancellationToken) where T : XenObject, new()
    {
        if (onRecord is null)
        {
            throw new ArgumentNullException(nameof(onRecord));
        }

        var delivered = 0;
        var method = RecordMetadata.WireClassOf(typeof(T)) + (expression is null ? ".get_all_records" : ".get_all_records_where");
        var args = expression is null ? Array.Empty<object?>() : new object?[] { expression };
        var decoder = XmlRpcDecoders.RecordStream<T>(record =>
        {
            delivered++;
            onRecord(record);
        });
        await CallResilientAsync(method, args, true, decoder, typeof(object), cancellationToken, mayRepeat: () => delivered == 0).ConfigureAwait(false);
        return delivered;
    }

    /// <summary><c>&lt;class&gt;.get_record(ref)</c> with OpaqueRef filled.</summary>
    public async Task<T> GetRecordAsync<T>(XenRef<T> reference, CancellationToken cancellationToken) where T : XenObject, new()
    {
        var method = RecordMetadata.WireClassOf(typeof(T)) + ".get_record";
        var value = await CallResilientAsync(method, new object?[] { reference }, true, XmlRpcDecoders.For(typeof(T)), typeof(T), cancellationToken).ConfigureAwait(false);
        var record = value as T ?? throw new XenProtocolException("the record is missing", method);
        record.OpaqueRef = reference.OpaqueRef;
        return record;
    }

    /// <summary><c>session.logout</c>. Idempotent; an already-invalid session counts as logged out, other failures are thrown.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        var sessionRef = _sessionRef;
        if (sessionRef is null || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            await InvokeAsync(Uri, "session.logout", new object?[] { sessionRef }, XmlRpcDecoders.Generic, typeof(object), cancellationToken).ConfigureAwait(false);
        }
        catch (XenApiException ex) when (ex.Code is "SESSION_INVALID" or "HANDLE_INVALID")
        {
            // Already gone on the server: that is what logout wants.
        }

        Interlocked.CompareExchange(ref _sessionRef, null, sessionRef);
    }

    /// <summary>Best-effort logout (short timeout, errors ignored), then releases the HTTP client.</summary>
    public void Dispose()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (_sessionRef is not null)
        {
            try
            {
                using var cts = new CancellationTokenSource(DisposeLogoutTimeout);
                Task.Run(() => LogoutAsync(cts.Token)).Wait(DisposeLogoutTimeout + TimeSpan.FromSeconds(1));
            }
            catch (Exception)
            {
                // Best effort only: the server expires idle sessions after 24 h.
            }
        }

        _sessionRef = null;
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _ownsTransport && _transport is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    public override string ToString() => UserName + "@" + Uri;

    /// <summary>What a login learns about the pool: read straight from one endpoint, without recovery.</summary>
    private sealed class PoolSnapshot
    {
        public Uri Uri = null!;
        public string SessionRef = "";
        public XenRef<Pool> PoolRef;
        public XenRef<Host> CoordinatorRef;
        public long Major;
        public long Minor;
        public string CoordinatorAddress = "";
        public IReadOnlyList<string> Members = Array.Empty<string>();
    }

    private async Task<PoolSnapshot> ReadPoolAsync(Uri uri, string sessionRef, CancellationToken cancellationToken)
    {
        async Task<IReadOnlyList<T>> All<T>() where T : XenObject, new()
        {
            var method = RecordMetadata.WireClassOf(typeof(T)) + ".get_all_records";
            var value = await InvokeAsync(uri, method, new object?[] { sessionRef }, XmlRpcDecoders.RecordList<T>(), typeof(IReadOnlyList<T>), cancellationToken).ConfigureAwait(false);
            return value as IReadOnlyList<T> ?? Array.Empty<T>();
        }

        var pools = await All<Pool>().ConfigureAwait(false);
        if (pools.Count != 1)
        {
            throw new XenProtocolException("expected exactly one pool object but the server has " + pools.Count, "pool.get_all_records");
        }

        var pool = pools[0];
        if (pool.Master.IsNull)
        {
            throw new XenProtocolException("the pool has no master (coordinator) reference", "pool.get_all_records");
        }

        var recordValue = await InvokeAsync(uri, "host.get_record", new object?[] { sessionRef, pool.Master }, XmlRpcDecoders.For(typeof(Host)), typeof(Host), cancellationToken).ConfigureAwait(false);
        var coordinator = recordValue as Host ?? throw new XenProtocolException("the record is missing", "host.get_record");
        var hosts = await All<Host>().ConfigureAwait(false);
        var members = new List<string>();
        void Add(string address)
        {
            if (!string.IsNullOrWhiteSpace(address) && !members.Contains(address, StringComparer.OrdinalIgnoreCase))
            {
                members.Add(address);
            }
        }

        Add(coordinator.Address.Length > 0 ? coordinator.Address : uri.Host.Trim('[', ']'));
        foreach (var host in hosts)
        {
            Add(host.Address);
        }

        return new PoolSnapshot
        {
            Uri = uri,
            SessionRef = sessionRef,
            PoolRef = new XenRef<Pool>(pool.OpaqueRef),
            CoordinatorRef = pool.Master,
            Major = coordinator.APIVersionMajor,
            Minor = coordinator.APIVersionMinor,
            CoordinatorAddress = coordinator.Address,
            Members = members.AsReadOnly(),
        };
    }

    private void Apply(PoolSnapshot snapshot)
    {
        PoolRef = snapshot.PoolRef;
        CoordinatorRef = snapshot.CoordinatorRef;
        APIVersionMajor = snapshot.Major;
        APIVersionMinor = snapshot.Minor;
        KnownMembers = snapshot.Members;
        Uri = snapshot.Uri;
        _sessionRef = snapshot.SessionRef;
    }

    private async Task<IReadOnlyList<T>> RecordsAsync<T>(string method, object?[] args, CancellationToken cancellationToken) where T : XenObject, new()
    {
        var value = await CallResilientAsync(method, args, true, XmlRpcDecoders.RecordList<T>(), typeof(IReadOnlyList<T>), cancellationToken).ConfigureAwait(false);
        return value as IReadOnlyList<T> ?? Array.Empty<T>();
    }

    private object?[] WithSession(IReadOnlyList<object?> args)
    {
        ThrowIfDisposed();
        var sessionRef = _sessionRef ?? throw new XenApiException(new[] { "SESSION_INVALID", "" }, null);
        var full = new object?[args.Count + 1];
        full[0] = sessionRef;
        for (var i = 0; i < args.Count; i++)
        {
            full[i + 1] = args[i];
        }

        return full;
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(XenSession), "The XenAPI session was disposed.");
        }
    }

    private async Task<object?> InvokeAsync(Uri uri, string method, IReadOnlyList<object?> args, ValueDecoder decoder, Type resultType, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(method))
        {
            throw new ArgumentException("A method name is required.", nameof(method));
        }

        var stopwatch = Stopwatch.StartNew();
        string? errorCode = null;
        try
        {
            return await _transport.PostAsync(
                uri,
                body => XmlRpcRequestWriter.Write(body, method, args),
                response => XmlRpcResponseReader.Read(response, decoder, resultType, _limits),
                cancellationToken).ConfigureAwait(false);
        }
        catch (XenProtocolException ex)
        {
            errorCode = ex.Code;
            throw ex.WithMethod(method);
        }
        catch (XenConnectionException ex)
        {
            errorCode = ex.Code;
            throw ex.WithContext(Server, method);
        }
        catch (XenCertificateException ex)
        {
            errorCode = ex.Code;
            throw ex.WithMethod(method);
        }
        catch (XenApiException ex)
        {
            errorCode = ex.Code;
            throw ex.Method is null ? new XenApiException(ex.ErrorDescription, method, ex.InnerException) : ex;
        }
        catch (OperationCanceledException)
        {
            errorCode = "Cancelled";
            throw;
        }
        catch (Exception ex)
        {
            errorCode = ex.GetType().Name;
            throw;
        }
        finally
        {
            stopwatch.Stop();
            OnCallCompleted(method, stopwatch.Elapsed, errorCode);
        }
    }

    private void OnCallCompleted(string method, TimeSpan duration, string? errorCode)
    {
        var handler = CallCompleted;
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, new XenCallEventArgs(method, duration, errorCode is null, errorCode));
        }
        catch (Exception)
        {
            // A logging hook must never break a call.
        }
    }

    /// <summary>Removes the password from anything a failed login could show (a broken server might echo it).</summary>
    private static XenApiException Redact(XenApiException ex, string password)
    {
        if (password.Length < 3 || (ex.Message.IndexOf(password, StringComparison.Ordinal) < 0
                                     && !ex.ErrorDescription.Any(p => p.IndexOf(password, StringComparison.Ordinal) >= 0)))
        {
            return ex;
        }

        string Clean(string s) => s.Replace(password, "********");
        return ex switch
        {
            XenProtocolException p => new XenProtocolException(Clean(p.Detail), p.Method),
            XenConnectionException => ex,
            _ => new XenApiException(ex.ErrorDescription.Select(Clean).ToArray(), ex.Method),
        };
    }
}
