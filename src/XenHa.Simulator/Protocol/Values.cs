using System;
using System.Collections.Generic;
using System.Globalization;

namespace XenHa.Simulator.Protocol;

/// <summary>An int32 value: emitted as &lt;i4&gt; in XML-RPC (only event.from valid_ref_counts uses it).</summary>
internal readonly record struct I4(int Value);

/// <summary>A XenAPI failure: the ErrorDescription array [code, params...].</summary>
internal sealed class XenApiException : Exception
{
    public XenApiException(string code, params string[] parameters) : base(code)
    {
        Code = code;
        Parameters = parameters;
    }

    public string Code { get; }

    public IReadOnlyList<string> Parameters { get; }

    public List<object?> Description()
    {
        var list = new List<object?> { Code };
        foreach (var p in Parameters) list.Add(p);
        return list;
    }
}

/// <summary>Malformed request body (answered with HTTP 500).</summary>
internal sealed class MalformedRequestException : Exception
{
    public MalformedRequestException(string message) : base(message) { }
}

/// <summary>Wire value helpers. Values are string, long, double, bool, DateTime, I4, List&lt;object?&gt;, Dictionary&lt;string, object?&gt;, null.</summary>
internal static class Wire
{
    public static readonly DateTime Epoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public const string NullRef = "OpaqueRef:NULL";

    public static string NewRef() => "OpaqueRef:" + Guid.NewGuid().ToString();

    public static string NewUuid() => Guid.NewGuid().ToString();

    public static string FormatDate(DateTime d)
    {
        var u = d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d;
        return u.ToString("yyyyMMdd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary>%.16g style text (0, 0.5, 1, 1e+20).</summary>
    public static string FormatDoubleG16(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        var s = d.ToString("G16", CultureInfo.InvariantCulture);
        var e = s.IndexOf('E');
        if (e < 0) return s;
        var mant = s.Substring(0, e);
        var exp = int.Parse(s.Substring(e + 1), CultureInfo.InvariantCulture);
        return mant + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }

    public static bool TryParseDate(string s, out DateTime value)
    {
        string[] formats =
        {
            "yyyyMMdd'T'HH:mm:ss'Z'", "yyyyMMdd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss",
            "yyyyMMdd'T'HHmmss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyyMMdd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:sszzz",
        };
        return DateTime.TryParseExact(s.Trim(), formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);
    }

    public static string TypeName(object? v) => v switch
    {
        null => "nil",
        string => "string",
        long => "int",
        double => "float",
        bool => "bool",
        DateTime => "datetime",
        List<object?> => "array",
        Dictionary<string, object?> => "struct",
        _ => v.GetType().Name,
    };

    public static XenApiException TypeError(string expected, object? got) =>
        new("INTERNAL_ERROR", $"Rpc.Runtime_error(\"{expected}\", {TypeName(got)})");

    public static string AsString(object? v) => v switch
    {
        string s => s,
        _ => throw TypeError("string", v),
    };

    public static long AsLong(object? v) => v switch
    {
        long l => l,
        string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        _ => throw TypeError("int", v),
    };

    public static double AsDouble(object? v) => v switch
    {
        double d => d,
        long l => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw TypeError("float", v),
    };

    public static bool AsBool(object? v) => v switch
    {
        bool b => b,
        string s when s == "true" || s == "1" => true,
        string s when s == "false" || s == "0" => false,
        _ => throw TypeError("bool", v),
    };

    public static DateTime AsDate(object? v) => v switch
    {
        DateTime d => d,
        string s when TryParseDate(s, out var d) => d,
        _ => throw TypeError("datetime", v),
    };

    public static List<object?> AsList(object? v) => v switch
    {
        List<object?> l => l,
        _ => throw TypeError("array", v),
    };

    public static Dictionary<string, object?> AsStruct(object? v) => v switch
    {
        Dictionary<string, object?> d => d,
        _ => throw TypeError("struct", v),
    };
}
