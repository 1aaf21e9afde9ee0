using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>event.from / event.inject / event.get_current_id (reference §9.1).</summary>
internal static class EventHandlers
{
    /// <summary>Timeouts beyond this (or negative) fall back to 24 h, as in xapi.</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);

    public static void Register(MethodTable t)
    {
        t.Add("event.from", 3, From);
        t.Add("event.inject", 2, call =>
        {
            var cls = Schema.Find(call.Str(0))?.Name ?? throw new XenApiException("HANDLE_INVALID", call.Str(0), call.Str(1));
            var rec = call.Obj(cls, 1);
            var token = Token(call.Db);
            call.Db.Touch(rec);
            return token;
        });
        t.Add("event.get_current_id", 0, call => call.Db.Generation);
    }

    public static string Token(Db db) =>
        db.Generation.ToString("D20", CultureInfo.InvariantCulture) + "," + db.MessageGeneration.ToString("D20", CultureInfo.InvariantCulture);

    private static (long Db, long Msg) ParseToken(string token)
    {
        if (token.Length == 0) return (0, 0);
        var parts = token.Split(',');
        if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b))
            return (a, b);
        throw new XenApiException("EVENT_FROM_TOKEN_PARSE_FAILURE", token);
    }

    /// <summary>Subscription: class names (case-insensitive), "*", or "class/ref".</summary>
    private sealed class Subscription
    {
        private readonly HashSet<string> _classes = new(StringComparer.Ordinal);
        private readonly HashSet<string> _objects = new(StringComparer.Ordinal);

        public Subscription(IEnumerable<string> items)
        {
            foreach (var item in items)
            {
                if (item == "*")
                {
                    foreach (var c in Schema.Classes.Values.Where(c => c.Events)) _classes.Add(c.Name);
                    continue;
                }

                var slash = item.IndexOf('/');
                var clsName = slash < 0 ? item : item.Substring(0, slash);
                if (clsName.Length == 0) throw new XenApiException("EVENT_SUBSCRIPTION_PARSE_FAILURE", item);
                var cls = Schema.Find(clsName);
                if (cls is null || !cls.Events) continue;
                if (slash < 0) _classes.Add(cls.Name);
                else _objects.Add(cls.Name + "/" + item.Substring(slash + 1));
            }
        }

        public bool Matches(string cls, string @ref) => _classes.Contains(cls) || _objects.Contains(cls + "/" + @ref);
    }

    private static object? From(Call call)
    {
        var classes = call.List(0).Select(Wire.AsString).ToList();
        var (gen, msgGen) = ParseToken(call.Str(1));
        var timeout = call.Float(2);
        var span = timeout < 0 || timeout > MaxTimeout.TotalSeconds ? MaxTimeout : TimeSpan.FromSeconds(timeout);
        var deadline = DateTime.UtcNow + span;
        var sub = new Subscription(classes);
        while (true)
        {
            var events = Collect(call.Db, sub, gen, msgGen);
            if (events.Count > 0 || DateTime.UtcNow >= deadline)
            {
                var counts = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var c in Schema.Classes.Values.Where(c => c.Events))
                    counts[c.Name.ToLowerInvariant()] = new I4(call.Db.Count(c.Name));
                return new Dictionary<string, object?>
                {
                    ["events"] = events,
                    ["valid_ref_counts"] = counts,
                    ["token"] = Token(call.Db),
                };
            }

            Dispatcher.Wait(call.Farm, deadline);
        }
    }

    private static List<object?> Collect(Db db, Subscription sub, long gen, long msgGen)
    {
        var list = new List<object?>();
        foreach (var rec in db.AllRecords)
        {
            if (!rec.Class.Events || !sub.Matches(rec.Class.Name, rec.Ref)) continue;
            var since = rec.Class.Name == "message" ? msgGen : gen;
            if (rec.Modified <= since) continue;
            list.Add(Event(rec.Class.Name == "message" ? 0 : rec.Modified, rec.Class.Name, rec.Created > since ? "add" : "mod", rec.Ref, db.Snapshot(rec)));
        }

        foreach (var t in db.Deleted)
        {
            if (!Schema.Get(t.Class).Events || !sub.Matches(t.Class, t.Ref)) continue;
            var since = t.Class == "message" ? msgGen : gen;
            if (t.Deleted > since && t.Created <= since)
                list.Add(Event(t.Class == "message" ? 0 : t.Deleted, t.Class, "del", t.Ref, null));
        }

        return list;
    }

    private static Dictionary<string, object?> Event(long id, string cls, string op, string @ref, Dictionary<string, object?>? snapshot)
    {
        var e = new Dictionary<string, object?>
        {
            ["id"] = id.ToString(CultureInfo.InvariantCulture),
            ["timestamp"] = "0.0",
            ["class"] = cls.ToLowerInvariant(),
            ["operation"] = op,
            ["ref"] = @ref,
        };
        if (snapshot is not null) e["snapshot"] = snapshot;
        return e;
    }
}
