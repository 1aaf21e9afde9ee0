using System;
using System.Collections.Generic;

namespace XenHa.Client.XmlRpc;

/// <summary>Wire text of the typed enums: case-insensitive on input, unknown text → <c>Unknown</c>.</summary>
internal static class WireEnums
{
    public static Dictionary<string, object> DecodeMap(Type type)
    {
        var map = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in Enum.GetNames(type))
        {
            map[name] = Enum.Parse(type, name);
        }

        return map;
    }

    public static object? Decode(Type type, Dictionary<string, object> map, string text)
    {
        if (map.TryGetValue(text.Trim(), out var value))
        {
            return value;
        }

        return map.TryGetValue("Unknown", out var unknown) ? unknown : null;
    }

    /// <summary>The wire text of an enum value: task status is lower-case on the wire, other enums keep their names.</summary>
    public static string Encode(Enum value)
    {
        var name = value.ToString();
        return value is XenTaskStatus ? name.ToLowerInvariant() : name;
    }
}
