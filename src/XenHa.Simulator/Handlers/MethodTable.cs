using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

internal delegate object? Handler(Call call);

/// <summary>
/// One implemented wire method. <paramref name="Required"/> counts the parameters after the session;
/// <paramref name="Optional"/> &gt; 0 marks a message with versioned defaults ("required then any tail").
/// </summary>
internal sealed record MethodSpec(string Name, int Required, int Optional, bool Session, bool Async, Handler Body);

/// <summary>The explicit registration table (no name reflection), so coverage can be listed.</summary>
internal sealed class MethodTable
{
    private readonly Dictionary<string, MethodSpec> _methods = new(StringComparer.Ordinal);

    public void Add(string name, int required, Handler body, bool session = true, bool async = false, int optional = 0) =>
        _methods[name] = new MethodSpec(name, required, optional, session, async, body);

    public bool TryGet(string name, out MethodSpec spec) => _methods.TryGetValue(name, out spec!);

    public IEnumerable<string> Names => _methods.Keys.OrderBy(n => n, StringComparer.Ordinal);

    public int Count => _methods.Count;

    /// <summary>Every handler file registers here.</summary>
    public static MethodTable Build()
    {
        var t = new MethodTable();
        GenericHandlers.Register(t);
        SessionHandlers.Register(t);
        EventHandlers.Register(t);
        TaskHandlers.Register(t);
        PoolHandlers.Register(t);
        SrHandlers.Register(t);
        PbdHandlers.Register(t);
        HostHandlers.Register(t);
        VmHandlers.Register(t);
        VdiHandlers.Register(t);
        VbdHandlers.Register(t);
        VifHandlers.Register(t);
        HaHandlers.Register(t);
        return t;
    }
}

/// <summary>The context of one call: farm, pool database, endpoint host, session and positional arguments (session excluded).</summary>
internal sealed class Call
{
    public required Farm.SimFarm Farm { get; init; }
    public required Db Db { get; init; }
    public required Rec EndpointHost { get; init; }
    public required string Method { get; init; }
    public required IReadOnlyList<object?> Args { get; init; }
    public Rec? Session { get; init; }
    public bool IsAsync { get; init; }

    /// <summary>The task of an Async call (handlers may report progress on it).</summary>
    public Rec? Task { get; init; }

    public bool Has(int i) => i < Args.Count;
    public object? Arg(int i) => i < Args.Count ? Args[i] : null;
    public string Str(int i) => Wire.AsString(Arg(i));
    public long Long(int i) => Wire.AsLong(Arg(i));
    public double Float(int i) => Wire.AsDouble(Arg(i));
    public bool Bool(int i) => Wire.AsBool(Arg(i));
    public List<object?> List(int i) => Wire.AsList(Arg(i));
    public Dictionary<string, object?> Map(int i) => Wire.AsStruct(Arg(i));

    /// <summary>The record referenced by argument i, or HANDLE_INVALID [cls, ref].</summary>
    public Rec Obj(string cls, int i) => Db.Get(cls, Str(i));

    public DateTime Now => Farm.Clock.UtcNow;
}
