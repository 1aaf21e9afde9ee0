using System;
using System.Collections.Generic;
using System.Threading;

namespace XenHa.Simulator.Inventory;

/// <summary>
/// The answer of get_all_records(_where): the stored records themselves, not copies, so that a large answer is
/// encoded straight from the database without a dictionary per record. It reads live state, so it may only be
/// read under the farm lock, in the same hold as the handler that made it: the dispatcher encodes it (XML-RPC)
/// or turns it into a <see cref="Snapshot"/> (JSON-RPC) before releasing the lock, and a task stores its text
/// under the lock too. Its readers check the lock is held.
/// </summary>
internal sealed class RecordSet
{
    private Dictionary<string, Dictionary<string, List<object?>>>? _reverse;

    public RecordSet(Db db, ClassDef cls, List<Rec> records)
    {
        Db = db;
        Class = cls;
        Records = records;
    }

    public Db Db { get; }

    public ClassDef Class { get; }

    /// <summary>The records in the answer's order (the table's).</summary>
    public IReadOnlyList<Rec> Records { get; }

    /// <summary>
    /// The refs pointing at <paramref name="rec"/> through the reverse-reference field <paramref name="field"/>, from
    /// one index per answer (see <see cref="Db.ReverseIndex"/>). Under the lock (the caller checks it once).
    /// </summary>
    public IReadOnlyList<object?> ReverseRefs(Rec rec, FieldDef field) =>
        Index()[field.Name].TryGetValue(rec.Ref, out var refs) ? refs : Array.Empty<object?>();

    /// <summary>Throws unless the caller holds the farm lock: reading outside it could see a half-made write.</summary>
    public void CheckLocked()
    {
        if (!Monitor.IsEntered(Db.Lock)) throw new InvalidOperationException("a record set was read outside the farm lock");
    }

    /// <summary>ref → a copy of the full wire record, every field in schema order; safe to read after the lock is released.</summary>
    public Dictionary<string, object?> Snapshot()
    {
        CheckLocked();
        var d = new Dictionary<string, object?>(Records.Count, StringComparer.Ordinal);
        foreach (var r in Records) d[r.Ref] = Db.Snapshot(r, Index());
        return d;
    }

    private Dictionary<string, Dictionary<string, List<object?>>> Index() => _reverse ??= Db.ReverseIndex(Class);
}
