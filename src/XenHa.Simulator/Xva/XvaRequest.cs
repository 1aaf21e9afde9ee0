using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Xva;

/// <summary>
/// What /export and /import share (xapi_http.ml with_context): parameters from the query or cookies,
/// credentials (session_id, or HTTP basic auth with a session for this request only), the task
/// (the caller's task_id, else a new one), the 302 to another host, and the error answers.
/// </summary>
internal sealed class XvaRequest
{
    private readonly HttpContext _ctx;
    private Rec? _basicSession;

    private XvaRequest(HttpContext ctx, SimFarm farm, Db db, Rec host)
    {
        _ctx = ctx;
        Farm = farm;
        Db = db;
        Host = host;
    }

    public SimFarm Farm { get; }
    public Db Db { get; }

    /// <summary>The host whose endpoint received the request.</summary>
    public Rec Host { get; }

    public Rec? Task { get; private set; }

    public HttpContext Context => _ctx;

    /// <summary>Routes GET /export and PUT /import; null for any other request.</summary>
    public static Task? Route(HttpContext ctx, SimFarm farm, string localAddress)
    {
        var path = ctx.Request.Path.Value;
        var export = HttpMethods.IsGet(ctx.Request.Method) && path == "/export";
        var import = HttpMethods.IsPut(ctx.Request.Method) && path == "/import";
        if (!export && !import) return null;
        XvaRequest req;
        lock (farm.Lock)
        {
            var found = farm.HostByAddress(localAddress);
            var (db, host) = found ?? (farm.Pools[0], SimFarm.Coordinator(farm.Pools[0]));
            req = new XvaRequest(ctx, farm, db, host);
        }

        return export ? XvaExport.HandleAsync(req) : XvaImport.HandleAsync(req);
    }

    /// <summary>A parameter from the query string, else from a cookie.</summary>
    public string? Param(string name)
    {
        if (_ctx.Request.Query.TryGetValue(name, out var v) && v.Count > 0) return v[0];
        return _ctx.Request.Cookies.TryGetValue(name, out var c) ? c : null;
    }

    public bool Flag(string name) => Param(name) == "true";

    /// <summary>
    /// with_context: the session (session_id, or basic auth) must be valid, else the task fails with
    /// SESSION_AUTHENTICATION_FAILED and the answer is 401. Then the task: the caller's, or a new one.
    /// Call under the farm lock. Returns false after answering 401.
    /// </summary>
    public bool Authenticate(string label)
    {
        var sessionId = Param("session_id");
        Rec? session = null;
        if (sessionId is not null)
        {
            session = Db.TryGet("session", sessionId);
            if (session is not null && session.LocalOnly && session.Str("this_host") != Host.Ref) session = null;
        }
        else if (BasicCredentials() is { } basic && basic.User == Farm.Options.User && basic.Password == Farm.Options.Password)
        {
            session = _basicSession = Db.Create("session", new Dictionary<string, object?>
            {
                ["this_host"] = Host.Ref,
                ["last_active"] = Farm.Clock.UtcNow,
                ["validation_time"] = Farm.Clock.UtcNow,
                ["is_local_superuser"] = true,
                ["auth_user_name"] = basic.User,
                ["originator"] = "HTTP client using Basic auth",
            });
        }

        var given = Param("task_id") is { } id ? Db.TryGet("task", id) : null;
        if (session is null)
        {
            var task = given ?? Farm.Tasks.Create(Db, label, "", Host, cancellable: false);
            Farm.Tasks.Fail(Db, task, new XenApiException("SESSION_AUTHENTICATION_FAILED"));
            return false;
        }

        session.Fields["last_active"] = Farm.Clock.UtcNow;
        Task = given ?? Farm.Tasks.Create(Db, label, "", Host, cancellable: true);
        if (!Task.List("allowed_operations").Contains("cancel"))
        {
            Task.Fields["allowed_operations"] = new List<object?> { "cancel" };
            Db.Touch(Task);
        }

        return true;
    }

    private (string User, string Password)? BasicCredentials()
    {
        var header = _ctx.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(header.Substring(6).Trim()));
            var colon = text.IndexOf(':');
            return colon < 0 ? null : (text.Substring(0, colon), text.Substring(colon + 1));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Ends a basic-auth session (xapi logs out what it logged in). Call under the lock.</summary>
    public void Logout()
    {
        if (_basicSession is not null) Db.Delete(_basicSession);
        _basicSession = null;
    }

    /// <summary>A host of the pool that sees every given SR (NO_HOSTS_AVAILABLE when none).</summary>
    /// <summary>
    /// The checks export and import make first, in xapi's order: find the target and the storage it
    /// needs (an error there is an HTTP 500 and the caller's task is left alone), redirect to a live
    /// host that sees that storage, then authorise. Null when the request may go on.
    /// </summary>
    public Task? RouteAndAuthorise(Func<IReadOnlyCollection<string>> targetStorage, string permission)
    {
        try
        {
            var srs = targetStorage();
            if (!(Placement.IsLive(Db, Host) && srs.All(sr => Placement.SrVisible(Db, sr, Host))))
            {
                return RedirectAsync(HostSeeing(srs));
            }
        }
        catch (XenApiException e)
        {
            return ErrorAsync(500, string.Join(", ", e.Description().Select(x => (string)x!)));
        }

        return Authenticate(permission) ? null : ErrorAsync(401, "Unauthorised");
    }

    public Rec HostSeeing(IReadOnlyCollection<string> srs) =>
        Db.All("host").OrderBy(h => h.Str("name_label"), StringComparer.Ordinal)
            .FirstOrDefault(h => Placement.IsLive(Db, h) && srs.All(sr => Placement.SrVisible(Db, sr, h)))
        ?? throw new XenApiException("NO_HOSTS_AVAILABLE");

    /// <summary>302 to the same path and query on another host (xapi builds https://address/...; the simulator keeps its own scheme and port).</summary>
    public Task RedirectAsync(Rec host)
    {
        var req = _ctx.Request;
        var url = req.Scheme + "://" + host.Str("address") + ":" + (_ctx.Connection.LocalPort) + req.Path + req.QueryString;
        _ctx.Response.StatusCode = 302;
        _ctx.Response.Headers.Location = url;
        _ctx.Response.ContentLength = 0;
        return System.Threading.Tasks.Task.CompletedTask;
    }

    /// <summary>Fails the task (when there is one) and answers with an HTML error page like Http_svr.</summary>
    public Task FailAsync(XenApiException e, int status)
    {
        lock (Farm.Lock)
        {
            if (Task is not null && Db.TryGet("task", Task.Ref) is not null && Task.Str("status") is "pending" or "cancelling")
                Farm.Tasks.Fail(Db, Task, e);
            Logout();
        }

        return ErrorAsync(status, string.Join(", ", e.Description().Select(x => (string)x!)));
    }

    public Task ErrorAsync(int status, string message)
    {
        var title = status switch { 400 => "400 Bad Request", 401 => "401 Unauthorised", 403 => "403 Forbidden", _ => "500 internal server error" };
        var html = "<html><body><h1>HTTP " + title + "</h1>" + WebUtility.HtmlEncode(message) + "</body></html>";
        var res = _ctx.Response;
        if (res.HasStarted)
        {
            _ctx.Abort();
            return System.Threading.Tasks.Task.CompletedTask;
        }

        if (status == 401) res.Headers.WWWAuthenticate = "Basic realm=\"xapi\"";
        res.StatusCode = status;
        res.ContentType = "text/html";
        var bytes = Encoding.UTF8.GetBytes(html);
        res.ContentLength = bytes.Length;
        return res.Body.WriteAsync(bytes).AsTask();
    }

    /// <summary>Finishes the task: success with a result, cancelled, or failed. Call under the lock.</summary>
    public void Complete(object? result, XenApiException? error)
    {
        if (Task is null || Db.TryGet("task", Task.Ref) is null) return;
        if (error is null) Farm.Tasks.Complete(Db, Task, result);
        else if (error.Code == "TASK_CANCELLED")
        {
            Task.Fields["error_info"] = new List<object?> { "TASK_CANCELLED", Task.Ref };
            Farm.Tasks.Finish(Db, Task, "cancelled");
        }
        else Farm.Tasks.Fail(Db, Task, error);
    }

    /// <summary>
    /// The error for a transfer that stopped with an exception that is not a XenAPI error: TASK_CANCELLED
    /// after task.cancel, else <paramref name="otherwise"/> (the client went away, or the data ended).
    /// </summary>
    public XenApiException Stopped(XenApiException otherwise)
    {
        lock (Farm.Lock)
            return Task is not null && Task.Str("status") == "cancelling" ? new XenApiException("TASK_CANCELLED", Task.Ref) : otherwise;
    }

    /// <summary>Runs the transfer body outside the lock, registered so task.cancel reaches it.</summary>
    public Task<object?> RunAsync(Func<Step, Task<object?>> body) =>
        Farm.Tasks.RunLong(Db, Task!, new LongOp(body), _ctx.RequestAborted);
}
