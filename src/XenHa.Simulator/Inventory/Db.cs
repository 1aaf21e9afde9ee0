using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Inventory;

/// <summary>One stored object.</summary>
internal sealed class Rec
{
    public Rec(ClassDef cls, string @ref) { Class = cls; Ref = @ref; }

    public ClassDef Class { get; }
    public string Ref { get; }
    public Dictionary<string, object?> Fields { get; } = new(StringComparer.Ordinal);
    public long Created { get; set; }
    public long Modified { get; set; }

    /// <summary>A session from slave_local_login_with_password: valid only on its own host.</summary>
    public bool LocalOnly { get; set; }

    public string Uuid => (string)Fields["uuid"]!;
    public string Str(string f) => (string)Fields[f]!;
    public long Int(string f) => (long)Fields[f]!;
    public bool Bool(string f) => (bool)Fields[f]!;
    public List<object?> List(string f) => (List<object?>)Fields[f]!;
    public Dictionary<string, object?> Map(string f) => (Dictionary<string, object?>)Fields[f]!;
}

/// <summary>A deleted object, kept so event.from can report "del".</summary>
internal sealed record Tombstone(string Class, string Ref, long Created, long Deleted);

/// <summary>
/// The database of one pool: records by ref, a generation bumped by every write, and the
/// bookkeeping event.from needs. Reverse-reference fields are computed on read and writes to a
/// pointing field touch both the old and the new target, so their events stay consistent.
/// All access happens under <see cref="Lock"/>.
/// </summary>
internal sealed class Db
{
    private readonly Dictionary<string, Dictionary<string, Rec>> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Rec> _byRef = new(StringComparer.Ordinal);
    private readonly List<Tombstone> _deleted = new();

    /// <summary>(class, ref field) → (target class, reverse field) for every computed reverse set.</summary>
    private static readonly Dictionary<(string, string), string> ReverseTargets = BuildReverse();

    public Db(object @lock)
    {
        Lock = @lock;
        foreach (var c in Schema.Classes.Values) _tables[c.Name] = new Dictionary<string, Rec>(StringComparer.Ordinal);
    }

    public object Lock { get; }
    public long Generation { get; private set; }
    public long MessageGeneration { get; private set; }

    /// <summary>Counts changes to records xapi keeps on disk (not sessions or tasks): what --state watches.</summary>
    public long PersistentChanges { get; private set; }

    /// <summary>Classes xapi never writes to its database file (datamodel PersistNothing).</summary>
    public static bool IsTransient(string cls) => cls is "session" or "task";

    private static Dictionary<(string, string), string> BuildReverse()
    {
        var d = new Dictionary<(string, string), string>();
        foreach (var c in Schema.Classes.Values)
            foreach (var f in c.Fields)
                if (f.Reverse is { } r) d[(r.Class, r.Field)] = c.Name;
        return d;
    }

    public IEnumerable<Rec> All(string cls) => _tables[cls].Values;

    public IEnumerable<Rec> AllRecords => _byRef.Values;

    public IEnumerable<Tombstone> Deleted => _deleted;

    public int Count(string cls) => _tables[cls].Count;

    public Rec? TryGet(string @ref) => _byRef.TryGetValue(@ref, out var r) ? r : null;

    public Rec? TryGet(string cls, string @ref) => _tables[cls].TryGetValue(@ref, out var r) ? r : null;

    /// <summary>The record or HANDLE_INVALID [class, ref].</summary>
    public Rec Get(string cls, string @ref) => TryGet(cls, @ref) ?? throw new XenApiException("HANDLE_INVALID", cls, @ref);

    public Rec? ByUuid(string cls, string uuid) => _tables[cls].Values.FirstOrDefault(r => r.Uuid == uuid);

    private long Bump(string cls)
    {
        Monitor.PulseAll(Lock);
        if (!IsTransient(cls)) PersistentChanges++;
        return cls == "message" ? ++MessageGeneration : ++Generation;
    }

    /// <summary>Creates a record with schema defaults, then the given values.</summary>
    public Rec Create(string cls, IEnumerable<KeyValuePair<string, object?>>? values = null, string? @ref = null)
    {
        var def = Schema.Get(cls);
        var rec = new Rec(def, @ref ?? Wire.NewRef());
        foreach (var f in def.Fields)
            if (f.Reverse is null) rec.Fields[f.Name] = f.NewDefault();
        rec.Fields["uuid"] = Wire.NewUuid();
        if (values is not null)
            foreach (var kv in values)
            {
                if (!def.ByName.TryGetValue(kv.Key, out var f) || f.Reverse is not null)
                    throw new InvalidOperationException($"{cls}.{kv.Key} is not a stored field");
                rec.Fields[kv.Key] = kv.Value;
            }

        rec.Created = rec.Modified = Bump(cls);
        _tables[cls][rec.Ref] = rec;
        _byRef[rec.Ref] = rec;
        foreach (var f in def.Fields) TouchTarget(cls, f.Name, rec.Fields.GetValueOrDefault(f.Name));
        return rec;
    }

    /// <summary>Puts back a record read from a state file, with its own generations (no event).</summary>
    public void Restore(Rec rec)
    {
        _tables[rec.Class.Name][rec.Ref] = rec;
        _byRef[rec.Ref] = rec;
    }

    /// <summary>The generations a restored database continues from.</summary>
    public void RestoreGenerations(long generation, long messageGeneration)
    {
        Generation = generation;
        MessageGeneration = messageGeneration;
    }

    /// <summary>Adopts an existing record object (pool join moves records between databases).</summary>
    public void Adopt(Rec rec)
    {
        rec.Created = rec.Modified = Bump(rec.Class.Name);
        _tables[rec.Class.Name][rec.Ref] = rec;
        _byRef[rec.Ref] = rec;
    }

    public void Set(Rec rec, string field, object? value)
    {
        var old = rec.Fields[field];
        rec.Fields[field] = value;
        Touch(rec);
        if (!Equals(old, value))
        {
            TouchTarget(rec.Class.Name, field, old);
            TouchTarget(rec.Class.Name, field, value);
        }
    }

    /// <summary>Marks a record modified (a "mod" event) without changing it.</summary>
    public void Touch(Rec rec)
    {
        if (!_byRef.ContainsKey(rec.Ref)) return;
        rec.Modified = Bump(rec.Class.Name);
    }

    /// <summary>Notes an in-place change of a map/set field.</summary>
    public void Changed(Rec rec) => Touch(rec);

    public void Delete(Rec rec)
    {
        if (!_byRef.Remove(rec.Ref)) return;
        _tables[rec.Class.Name].Remove(rec.Ref);
        var gen = Bump(rec.Class.Name);
        _deleted.Add(new Tombstone(rec.Class.Name, rec.Ref, rec.Created, gen));
        Prune();
        foreach (var f in rec.Class.Fields) TouchTarget(rec.Class.Name, f.Name, rec.Fields.GetValueOrDefault(f.Name));
    }

    private void TouchTarget(string cls, string field, object? target)
    {
        if (target is string r && ReverseTargets.TryGetValue((cls, field), out var targetCls) && TryGet(targetCls, r) is { } t)
            Touch(t);
    }

    /// <summary>A field's current value, computing reverse-reference sets.</summary>
    public object? Value(Rec rec, FieldDef f)
    {
        if (f.Reverse is not { } r) return rec.Fields[f.Name];
        var list = new List<object?>();
        foreach (var o in _tables[r.Class].Values)
            if (o.Fields[r.Field] is string s && s == rec.Ref) list.Add(o.Ref);
        return list;
    }

    public object? Value(Rec rec, string field) => Value(rec, rec.Class.ByName[field]);

    /// <summary>The full wire record (every schema field, in schema order). Values are copied.</summary>
    public Dictionary<string, object?> Snapshot(Rec rec) => Snapshot(rec, null);

    /// <summary>
    /// <see cref="Snapshot(Rec)"/> with reverse-reference sets taken from <paramref name="reverse"/> (see
    /// <see cref="ReverseIndex"/>): get_all_records of 10,000 VMs would otherwise scan every VBD, VIF and VM table
    /// once per VM.
    /// </summary>
    public Dictionary<string, object?> Snapshot(Rec rec, Dictionary<string, Dictionary<string, List<object?>>>? reverse)
    {
        var d = new Dictionary<string, object?>(rec.Class.Fields.Count, StringComparer.Ordinal);
        foreach (var f in rec.Class.Fields)
        {
            if (reverse is not null && f.Reverse is not null)
                d[f.Name] = reverse[f.Name].TryGetValue(rec.Ref, out var refs) ? new List<object?>(refs) : new List<object?>();
            else
                d[f.Name] = Copy(Value(rec, f));
        }

        return d;
    }

    /// <summary>For each reverse-reference field of <paramref name="cls"/>: target ref → the refs pointing at it, in the order <see cref="Value(Rec, FieldDef)"/> gives.</summary>
    public Dictionary<string, Dictionary<string, List<object?>>> ReverseIndex(ClassDef cls)
    {
        var index = new Dictionary<string, Dictionary<string, List<object?>>>(StringComparer.Ordinal);

        // The sets filled from one table (a VM's snapshots and children) are filled in one pass over it.
        foreach (var fromTable in cls.Fields.Where(f => f.Reverse is not null).GroupBy(f => f.Reverse!.Value.Class))
        {
            var pointers = fromTable.Select(f => f.Reverse!.Value.Field).ToArray();
            var sets = fromTable.Select(f => index[f.Name] = new Dictionary<string, List<object?>>(StringComparer.Ordinal)).ToArray();
            foreach (var o in _tables[fromTable.Key].Values)
            {
                for (var i = 0; i < pointers.Length; i++)
                {
                    if (o.Fields[pointers[i]] is not string target) continue;
                    ref var refs = ref CollectionsMarshal.GetValueRefOrAddDefault(sets[i], target, out _);
                    (refs ??= new List<object?>()).Add(o.Ref);
                }
            }
        }

        return index;
    }

    public static object? Copy(object? v)
    {
        switch (v)
        {
            case List<object?> l:
                var list = new List<object?>(l.Count);
                foreach (var item in l) list.Add(Copy(item));
                return list;
            case Dictionary<string, object?> m:
                var map = new Dictionary<string, object?>(m.Count);
                foreach (var kv in m) map.Add(kv.Key, Copy(kv.Value));
                return map;
            default:
                return v;
        }
    }

    /// <summary>Drops tombstones older than a generation (keeps memory bounded).</summary>
    public void Prune(int keep = 10000)
    {
        if (_deleted.Count > keep) _deleted.RemoveRange(0, _deleted.Count - keep);
    }
}
