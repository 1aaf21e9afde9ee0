using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace XenHa.Simulator.Protocol;

/// <summary>A parsed JSON-RPC request (v1 or v2).</summary>
internal sealed record JsonRpcCall(string Method, List<object?> Params, JsonElement Id, bool V2);

/// <summary>JSON-RPC codec with xapi's envelopes (reference §1.3).</summary>
internal static class JsonRpc
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    /// <summary>
    /// Parses a request; nesting deeper than <see cref="XmlRpc.MaxDepth"/>, strings longer than
    /// <see cref="XmlRpc.MaxStringLength"/> and any malformed body end in <see cref="MalformedRequestException"/>.
    /// </summary>
    public static JsonRpcCall ParseCall(byte[] body)
    {
        try
        {
            return ParseCallCore(body);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            // Strings that do not transcode (lone surrogates), numbers out of range.
            throw new MalformedRequestException("Jsonrpc.Malformed_method_request: " + e.Message);
        }
    }

    private static JsonRpcCall ParseCallCore(byte[] body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = XmlRpc.MaxDepth });
        }
        catch (JsonException e)
        {
            throw new MalformedRequestException("Jsonrpc.Malformed_method_request: " + e.Message);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new MalformedRequestException("Jsonrpc.Malformed_method_request: not an object");
            var v2 = root.TryGetProperty("jsonrpc", out var ver) && ver.ValueKind == JsonValueKind.String && ver.GetString() == "2.0";
            if (!root.TryGetProperty("method", out var m) || m.ValueKind != JsonValueKind.String)
                throw new MalformedRequestException("Jsonrpc.Malformed_method_request: missing method");
            if (!root.TryGetProperty("id", out var id) || id.ValueKind == JsonValueKind.Null)
                throw new MalformedRequestException("Jsonrpc.Malformed_method_request: missing id");
            var ps = new List<object?>();
            if (root.TryGetProperty("params", out var p))
            {
                if (p.ValueKind == JsonValueKind.Array)
                    foreach (var e in p.EnumerateArray()) ps.Add(ToValue(e));
                else if (p.ValueKind == JsonValueKind.Object && v2)
                    ps.Add(ToValue(p));
                else if (!(v2 && p.ValueKind == JsonValueKind.Null))
                    throw new MalformedRequestException("Jsonrpc.Malformed_method_request: bad params");
            }
            else if (!v2)
            {
                throw new MalformedRequestException("Jsonrpc.Malformed_method_request: missing params");
            }

            return new JsonRpcCall(LimitedString(m), ps, id.Clone(), v2);
        }
    }

    private static object? ToValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => LimitedString(e),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.Array => ToList(e),
        JsonValueKind.Object => ToDict(e),
        _ => null,
    };

    private static string LimitedString(JsonElement e)
    {
        var s = e.GetString()!;
        if (s.Length > XmlRpc.MaxStringLength)
            throw new MalformedRequestException("Jsonrpc.Malformed_method_request: string longer than " + XmlRpc.MaxStringLength + " characters");
        return s;
    }

    private static List<object?> ToList(JsonElement e)
    {
        var l = new List<object?>();
        foreach (var x in e.EnumerateArray()) l.Add(ToValue(x));
        return l;
    }

    private static Dictionary<string, object?> ToDict(JsonElement e)
    {
        var d = new Dictionary<string, object?>();
        foreach (var p in e.EnumerateObject()) d[p.Name] = ToValue(p.Value);
        return d;
    }

    public static byte[] Success(JsonRpcCall call, object? value) => Write(w =>
    {
        w.WriteStartObject();
        if (call.V2) w.WriteString("jsonrpc", "2.0");
        w.WritePropertyName("result");
        WriteValue(w, value);
        if (!call.V2) w.WriteNull("error");
        w.WritePropertyName("id");
        call.Id.WriteTo(w);
        w.WriteEndObject();
    });

    public static byte[] Failure(JsonRpcCall call, IReadOnlyList<string> description) => Write(w =>
    {
        w.WriteStartObject();
        if (call.V2)
        {
            w.WriteString("jsonrpc", "2.0");
            w.WriteStartObject("error");
            w.WriteNumber("code", 1);
            w.WriteString("message", description[0]);
            w.WriteStartArray("data");
            for (var i = 1; i < description.Count; i++) w.WriteStringValue(description[i]);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("result");
            w.WriteStartArray("error");
            foreach (var d in description) w.WriteStringValue(d);
            w.WriteEndArray();
        }

        w.WritePropertyName("id");
        call.Id.WriteTo(w);
        w.WriteEndObject();
    });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, WriterOptions)) body(w);
        return ms.ToArray();
    }

    public static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteStringValue(""); break;
            case string s: w.WriteStringValue(s); break;
            case long l: w.WriteNumberValue(l); break;
            case int i: w.WriteNumberValue(i); break;
            case I4 i4: w.WriteNumberValue(i4.Value); break;
            case bool b: w.WriteBooleanValue(b); break;
            case double d: w.WriteRawValue(FormatFloat(d)); break;
            case DateTime dt: w.WriteStringValue(Wire.FormatDate(dt)); break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                w.WriteStartObject();
                foreach (var kv in map)
                {
                    w.WritePropertyName(kv.Key);
                    WriteValue(w, kv.Value);
                }

                w.WriteEndObject();
                break;
            case System.Collections.IEnumerable items:
                w.WriteStartArray();
                foreach (var item in items) WriteValue(w, item);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(value.ToString()); break;
        }
    }

    /// <summary>Yojson-style float text: always has a '.' or an exponent (1.0, 0.5).</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d) || double.IsInfinity(d)) return "0.0";
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? s.Replace("E", "e") : s + ".0";
    }
}
