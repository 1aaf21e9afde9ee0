using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>The outcome of one call: a value (possibly bare, for system.listMethods) or an error description.</summary>
internal sealed record CallResult(object? Value, IReadOnlyList<string>? Error, bool Bare = false)
{
    /// <summary>A fault rule dropped the connection: the front end aborts it without an answer.</summary>
    public bool Drop { get; init; }

    public static CallResult Fail(XenApiException e) => new(null, e.Description().Select(x => (string)x!).ToList());
}

/// <summary>Dispatch rules of reference §1.4: count check, then session check, then the handler under the lock.</summary>
internal static class Dispatcher
{
    /// <summary>Methods callable on a supporter without HOST_IS_SLAVE.</summary>
    private static readonly HashSet<string> SupporterWhitelist = new(StringComparer.Ordinal)
    {
        "session.slave_local_login_with_password", "session.local_logout", "session.logout",
    };

    /// <summary>
    /// Runs one call. A <see cref="RecordSet"/> answer reads the live database, so it is turned into what is sent
    /// before the lock is released: by <paramref name="encodeRecords"/> when given (the XML-RPC front end encodes
    /// the whole response from the stored fields), else into a <see cref="RecordSet.Snapshot"/>.
    /// </summary>
    public static CallResult Dispatch(SimFarm farm, string localAddress, string method, List<object?> args, Func<RecordSet, object>? encodeRecords = null)
    {
        CallResult result;
        try
        {
            result = DispatchCore(farm, localAddress, method, args, encodeRecords);
        }
        catch (XenApiException e)
        {
            result = CallResult.Fail(e);
        }
        catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or ArgumentException or InvalidOperationException or FormatException)
        {
            result = CallResult.Fail(new XenApiException("INTERNAL_ERROR", e.Message));
        }

        return farm.State is null ? result : Persist(farm, result);
    }

    /// <summary>With --state: whatever changed is on disk before the answer leaves; if it cannot be written the call fails.</summary>
    private static CallResult Persist(SimFarm farm, CallResult result)
    {
        try
        {
            lock (farm.Lock) farm.State!.SaveIfChanged(farm);
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            (result.Value as IDisposable)?.Dispose();
            return CallResult.Fail(new XenApiException("INTERNAL_ERROR", "xensim could not write its state file: " + e.Message));
        }
    }

    private static CallResult DispatchCore(SimFarm farm, string localAddress, string method, List<object?> args, Func<RecordSet, object>? encodeRecords)
    {
        if (method == "system.listMethods")
        {
            var names = farm.Methods.Names.ToList();
            names.Add("system.listMethods");
            names.Add("system.isAlive");
            return new CallResult(names.Select(n => (object?)n).ToList(), null, Bare: true);
        }

        if (method == "system.isAlive") return new CallResult(args.Count > 0 ? args[0] : "", null);

        var isAsync = method.StartsWith("Async.", StringComparison.Ordinal);
        var name = isAsync ? method.Substring(6) : method;
        if (!farm.Methods.TryGet(name, out var spec) && !(!isAsync && TryUnderscore(farm, name, out spec)))
        {
            if (args.Count > 0 && args[0] is string s && s.StartsWith("OpaqueRef:", StringComparison.Ordinal))
            {
                lock (farm.Lock)
                {
                    var (db, host) = Endpoint(farm, localAddress);
                    CheckSession(db, host, s, name, farm.Clock.UtcNow);
                }
            }

            throw new XenApiException("MESSAGE_METHOD_UNKNOWN", method);
        }

        var received = args.Count - (spec.Session ? 1 : 0);
        if (spec.Optional == 0 ? received != spec.Required : received < spec.Required)
            throw new XenApiException("MESSAGE_PARAMETER_COUNT_MISMATCH", method, spec.Required.ToString(), Math.Max(received, 0).ToString());

        if (isAsync && !spec.Async) throw new XenApiException("MESSAGE_METHOD_UNKNOWN", method);

        // Control-plane fault rules apply after the session check: delay first, then an error or a dropped connection.
        Faults.FaultAction? fault = null;
        lock (farm.Lock)
        {
            if (farm.Faults.Rules.Count > 0)
            {
                var (db, host) = Endpoint(farm, localAddress);
                if (spec.Session)
                {
                    if (args[0] is not string sref) throw Wire.TypeError("string", args[0]);
                    CheckSession(db, host, sref, spec.Name, farm.Clock.UtcNow);
                }

                var rest = spec.Session ? args.Skip(1).ToList() : args;
                fault = farm.Faults.Match(method, rest, (s, t) => NamedAs(db, s, t));
            }
        }

        if (fault is not null)
        {
            if (fault.DelayMs > 0) Thread.Sleep(TimeSpan.FromMilliseconds(fault.DelayMs));
            if (fault.Error is not null) throw fault.Error;
            if (fault.Drop) return new CallResult(null, null) { Drop = true };
        }

        Tasks.PendingLong? pending;
        lock (farm.Lock)
        {
            var (db, host) = Endpoint(farm, localAddress);
            Rec? session = null;
            if (spec.Session)
            {
                if (args[0] is not string sref) throw Wire.TypeError("string", args[0]);
                session = CheckSession(db, host, sref, spec.Name, farm.Clock.UtcNow);
            }
            else if (FarmSupporterCheck(db, host, spec.Name))
            {
                throw SimFarm.HostIsSlave(db);
            }

            var call = new Call
            {
                Farm = farm,
                Db = db,
                EndpointHost = host,
                Method = method,
                Args = spec.Session ? args.Skip(1).ToList() : args,
                Session = session,
                IsAsync = isAsync,
            };
            if (isAsync) return new CallResult(farm.Tasks.StartAsync(call, spec), null);
            Rbac.Check(session, spec.Name);
            var value = farm.Tasks.Begin(call, spec);
            if (value is not Tasks.PendingLong p)
            {
                RefreshHa(farm, db, spec.Name);
                if (value is RecordSet records) value = encodeRecords is null ? records.Snapshot() : encodeRecords(records);
                return new CallResult(value, null);
            }

            pending = p;
        }

        // A long message: its body waits on the simulated clock without the farm lock.
        var result = farm.Tasks.Finish(pending);
        lock (farm.Lock) RefreshHa(farm, pending.Call.Db, spec.Name);
        return new CallResult(result, null);
    }

    /// <summary>A target given by name: an object whose name_label (or uuid) is the rule's target.</summary>
    private static bool NamedAs(Db db, string reference, string target) =>
        db.TryGet(reference) is { } rec
        && (rec.Fields.TryGetValue("name_label", out var n) && n is string name && name == target || rec.Uuid == target);

    /// <summary>ha_plan_exists_for / ha_overcommitted kept current after every call that may change them (HA on).</summary>
    private static void RefreshHa(SimFarm farm, Db db, string name)
    {
        if (!farm.Pools.Contains(db) || !SimFarm.Pool(db).Bool("ha_enabled")) return;
        var dot = name.IndexOf('.');
        var message = dot < 0 ? name : name.Substring(dot + 1);
        if (message.StartsWith("get_", StringComparison.Ordinal) || name.StartsWith("event.", StringComparison.Ordinal)
            || name.StartsWith("session.", StringComparison.Ordinal) || name.StartsWith("task.", StringComparison.Ordinal)
            || name.StartsWith("message.", StringComparison.Ordinal) || message.StartsWith("ha_compute", StringComparison.Ordinal))
            return;
        farm.Ha.UpdatePoolStatus(db);
    }

    /// <summary>Session-less calls on a supporter: only the whitelist (slave_local_login) answers.</summary>
    private static bool FarmSupporterCheck(Db db, Rec host, string name) =>
        SimFarm.IsSupporter(db, host) && !SupporterWhitelist.Contains(name);

    private static Rec CheckSession(Db db, Rec host, string sref, string name, DateTime now)
    {
        var session = db.TryGet("session", sref);
        if (SimFarm.IsSupporter(db, host))
        {
            var local = session is not null && session.Str("this_host") == host.Ref && session.LocalOnly;
            if (!local || !SupporterWhitelist.Contains(name) && !name.StartsWith("pool.emergency", StringComparison.Ordinal))
                throw SimFarm.HostIsSlave(db);
        }

        if (session is null) throw new XenApiException("SESSION_INVALID", sref);
        if (!SimFarm.IsSupporter(db, host) && session.LocalOnly && session.Str("this_host") != host.Ref)
            throw new XenApiException("SESSION_INVALID", sref);
        session.Fields["last_active"] = now;
        return session;
    }

    /// <summary>The alternative Class_message spelling for sync calls.</summary>
    private static bool TryUnderscore(SimFarm farm, string name, out MethodSpec spec)
    {
        for (var i = name.IndexOf('_'); i > 0; i = name.IndexOf('_', i + 1))
        {
            var cls = name.Substring(0, i);
            if (Schema.Classes.ContainsKey(cls) || cls is "event")
                if (farm.Methods.TryGet(cls + "." + name.Substring(i + 1), out spec)) return true;
        }

        spec = null!;
        return false;
    }

    private static (Db, Rec) Endpoint(SimFarm farm, string localAddress)
    {
        if (farm.HostByAddress(localAddress) is { } found) return found;
        var db = farm.Pools[0];
        return (db, SimFarm.Coordinator(db));
    }

    /// <summary>Waits on the farm lock (releasing it) until pulsed or the deadline passes.</summary>
    public static void Wait(SimFarm farm, DateTime deadlineUtc)
    {
        var remaining = deadlineUtc - DateTime.UtcNow;
        if (remaining > TimeSpan.Zero) Monitor.Wait(farm.Lock, remaining);
    }
}
