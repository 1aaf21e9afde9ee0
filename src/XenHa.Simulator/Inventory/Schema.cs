using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Inventory;

internal enum FieldKind { String, Int, Float, Bool, DateTime, Ref, Enum, Set, RefSet, Map }

/// <summary>One field of a class: wire name, type, access and default.</summary>
internal sealed class FieldDef
{
    public required string Name { get; init; }
    public required FieldKind Kind { get; init; }
    public string? RefClass { get; init; }
    public bool ReadWrite { get; init; }
    public string? DefaultText { get; init; }

    /// <summary>For computed reverse-reference sets: the (class, field) whose ref points back here.</summary>
    public (string Class, string Field)? Reverse { get; init; }

    /// <summary>DB column name used by get_all_records_where: '_' between namespaces becomes "__".</summary>
    public string DbName { get; set; } = "";

    public object? NewDefault() => Kind switch
    {
        FieldKind.String or FieldKind.Enum => DefaultText ?? "",
        FieldKind.Ref => DefaultText ?? Wire.NullRef,
        FieldKind.Int => DefaultText is null ? 0L : long.Parse(DefaultText, CultureInfo.InvariantCulture),
        FieldKind.Float => DefaultText is null ? 0.0 : double.Parse(DefaultText, CultureInfo.InvariantCulture),
        FieldKind.Bool => DefaultText == "true",
        FieldKind.DateTime => Wire.Epoch,
        FieldKind.Set or FieldKind.RefSet => new List<object?>(),
        FieldKind.Map => new Dictionary<string, object?>(),
        _ => null,
    };

    /// <summary>Converts an incoming argument to this field's stored type (INTERNAL_ERROR on mismatch).</summary>
    public object? Coerce(object? v) => Kind switch
    {
        FieldKind.String or FieldKind.Enum or FieldKind.Ref => Wire.AsString(v),
        FieldKind.Int => Wire.AsLong(v),
        FieldKind.Float => Wire.AsDouble(v),
        FieldKind.Bool => Wire.AsBool(v),
        FieldKind.DateTime => Wire.AsDate(v),
        FieldKind.Set or FieldKind.RefSet => Wire.AsList(v).Select(x => (object?)Wire.AsString(x)).ToList(),
        FieldKind.Map => Wire.AsStruct(v).ToDictionary(kv => kv.Key, kv => (object?)Wire.AsString(kv.Value)),
        _ => v,
    };
}

/// <summary>One XenAPI class.</summary>
internal sealed class ClassDef
{
    public required string Name { get; init; }
    public bool Named { get; init; }
    public bool Events { get; init; }
    public bool ExposeGetAll { get; init; }
    public bool Async { get; init; }
    public List<FieldDef> Fields { get; } = new();
    public Dictionary<string, FieldDef> ByName { get; } = new(StringComparer.Ordinal);
}

/// <summary>The schema of the classes in scope (fields per reference §3, API 2.21).</summary>
internal static partial class Schema
{
    private static readonly Lazy<Dictionary<string, ClassDef>> Parsed = new(() => Parse(Text));

    public static IReadOnlyDictionary<string, ClassDef> Classes => Parsed.Value;

    public static ClassDef Get(string name) => Classes[name];

    /// <summary>Case-insensitive lookup ("vm" → "VM").</summary>
    public static ClassDef? Find(string name) =>
        Classes.TryGetValue(name, out var c) ? c : Classes.Values.FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase));

    private static Dictionary<string, ClassDef> Parse(string text)
    {
        var result = new Dictionary<string, ClassDef>(StringComparer.Ordinal);
        ClassDef? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts[0] == "class")
            {
                current = new ClassDef
                {
                    Name = parts[1],
                    Named = parts.Contains("named"),
                    Events = parts.Contains("events"),
                    ExposeGetAll = !parts.Contains("nogetall"),
                    Async = parts.Contains("async"),
                };
                result.Add(current.Name, current);
                continue;
            }

            if (current is null) throw new InvalidOperationException("field before class: " + line);
            var type = parts[1];
            var kind = type switch
            {
                "s" => FieldKind.String,
                "i" => FieldKind.Int,
                "f" => FieldKind.Float,
                "b" => FieldKind.Bool,
                "d" => FieldKind.DateTime,
                "e" => FieldKind.Enum,
                "S" => FieldKind.Set,
                "M" => FieldKind.Map,
                _ when type.StartsWith("r:", StringComparison.Ordinal) => FieldKind.Ref,
                _ when type.StartsWith("S:", StringComparison.Ordinal) => FieldKind.RefSet,
                _ => throw new InvalidOperationException("bad type " + line),
            };
            string? def = null;
            (string, string)? reverse = null;
            var rw = false;
            foreach (var p in parts.Skip(2))
            {
                if (p == "rw") rw = true;
                else if (p.StartsWith('=')) def = p.Substring(1);
                else if (p.StartsWith("<-", StringComparison.Ordinal))
                {
                    var dot = p.IndexOf('.');
                    reverse = (p.Substring(2, dot - 2), p.Substring(dot + 1));
                }
                else throw new InvalidOperationException("bad field attr " + line);
            }

            var f = new FieldDef
            {
                Name = parts[0],
                Kind = kind,
                RefClass = type.Length > 2 && type[1] == ':' ? type.Substring(2) : null,
                ReadWrite = rw,
                DefaultText = def,
                Reverse = reverse,
            };
            f.DbName = DbColumn(current.Name, f.Name);
            current.Fields.Add(f);
            current.ByName.Add(f.Name, f);
        }

        return result;
    }

    /// <summary>Datamodel namespaces per class; their fields' DB columns use "__" (name__label, memory__static_max).</summary>
    private static readonly Dictionary<string, string[]> Namespaces = new()
    {
        ["VM"] = new[] { "memory", "VCPUs", "actions", "PV", "HVM" },
        ["VM_metrics"] = new[] { "memory", "VCPUs" },
        ["host_metrics"] = new[] { "memory" },
        ["host"] = new[] { "API_version" },
    };

    private static string DbColumn(string cls, string field)
    {
        if (field is "name_label" or "name_description") return "name__" + field.Substring(5);
        if (cls == "VM" && field == "memory_overhead") return field;
        if (Namespaces.TryGetValue(cls, out var spaces))
            foreach (var ns in spaces)
                if (field.StartsWith(ns + "_", StringComparison.Ordinal))
                    return ns + "__" + field.Substring(ns.Length + 1);
        return field;
    }
}
