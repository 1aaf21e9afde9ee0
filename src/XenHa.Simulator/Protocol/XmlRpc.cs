using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace XenHa.Simulator.Protocol;

/// <summary>XML-RPC codec with xapi's output shape (reference §1.2): compact, untyped strings and ints.</summary>
internal static class XmlRpc
{
    public const int MaxDepth = 64;

    public static (string Method, List<object?> Params) ParseCall(byte[] body)
    {
        XDocument doc;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
            using var reader = XmlReader.Create(new MemoryStream(body), settings);
            doc = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new MalformedRequestException("Xmlrpc.Parse_error: " + e.Message);
        }

        var root = doc.Root;
        if (root is null || root.Name.LocalName != "methodCall")
            throw new MalformedRequestException("Xmlrpc.Parse_error: expected methodCall");
        var name = root.Element("methodName")?.Value.Trim();
        if (string.IsNullOrEmpty(name)) throw new MalformedRequestException("Xmlrpc.Parse_error: missing methodName");
        var list = new List<object?>();
        var ps = root.Element("params");
        if (ps is not null)
        {
            foreach (var p in ps.Elements("param"))
            {
                var v = p.Element("value") ?? throw new MalformedRequestException("Xmlrpc.Parse_error: param without value");
                list.Add(ParseValue(v, 1));
            }
        }

        return (name, list);
    }

    private static object? ParseValue(XElement value, int depth)
    {
        if (depth > MaxDepth) throw new MalformedRequestException("Xmlrpc.Parse_error: nesting too deep");
        var typed = value.Elements().FirstOrDefault();
        if (typed is null) return value.Value;
        var text = typed.Value;
        switch (typed.Name.LocalName)
        {
            case "string": return text;
            case "int":
            case "i4":
            case "i8":
                if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                    throw new MalformedRequestException("Xmlrpc.Parse_error: bad int " + text);
                return l;
            case "boolean": return text.Trim() == "1";
            case "double":
                if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                    throw new MalformedRequestException("Xmlrpc.Parse_error: bad double " + text);
                return d;
            case "dateTime.iso8601":
                if (!Wire.TryParseDate(text, out var dt)) throw new MalformedRequestException("Xmlrpc.Parse_error: bad dateTime " + text);
                return dt;
            case "nil": return null;
            case "base64": return text;
            case "array":
                {
                    var list = new List<object?>();
                    var data = typed.Element("data");
                    if (data is not null)
                        foreach (var v in data.Elements("value")) list.Add(ParseValue(v, depth + 1));
                    return list;
                }
            case "struct":
                {
                    var dict = new Dictionary<string, object?>();
                    foreach (var m in typed.Elements("member"))
                    {
                        var n = m.Element("name")?.Value ?? throw new MalformedRequestException("Xmlrpc.Parse_error: member without name");
                        var v = m.Element("value") ?? throw new MalformedRequestException("Xmlrpc.Parse_error: member without value");
                        dict[n] = ParseValue(v, depth + 1);
                    }

                    return dict;
                }
            default:
                throw new MalformedRequestException("Xmlrpc.Parse_error: unknown type " + typed.Name.LocalName);
        }
    }

    private const string Head = "<?xml version=\"1.0\"?><methodResponse><params><param>";
    private const string Tail = "</param></params></methodResponse>";

    public static string Success(object? value)
    {
        var sb = new StringBuilder(Head);
        sb.Append("<value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name>");
        WriteValue(sb, value);
        sb.Append("</member></struct></value>").Append(Tail);
        return sb.ToString();
    }

    public static string Failure(IEnumerable<string> description)
    {
        var sb = new StringBuilder(Head);
        sb.Append("<value><struct><member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data>");
        foreach (var d in description) WriteValue(sb, d);
        sb.Append("</data></array></value></member></struct></value>").Append(Tail);
        return sb.ToString();
    }

    /// <summary>A bare response (system.listMethods): no Status/Value wrapper.</summary>
    public static string Bare(object? value)
    {
        var sb = new StringBuilder(Head);
        WriteValue(sb, value);
        sb.Append(Tail);
        return sb.ToString();
    }

    /// <summary>The value alone, as stored in task.result.</summary>
    public static string ValueText(object? value)
    {
        var sb = new StringBuilder();
        WriteValue(sb, value);
        return sb.ToString();
    }

    public static void WriteValue(StringBuilder sb, object? value)
    {
        sb.Append("<value>");
        switch (value)
        {
            case null: break;
            case string s: Escape(sb, s); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case int i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case I4 i4: sb.Append("<i4>").Append(i4.Value.ToString(CultureInfo.InvariantCulture)).Append("</i4>"); break;
            case bool b: sb.Append(b ? "<boolean>1</boolean>" : "<boolean>0</boolean>"); break;
            case double d: sb.Append("<double>").Append(Wire.FormatDoubleG16(d)).Append("</double>"); break;
            case DateTime dt: sb.Append("<dateTime.iso8601>").Append(Wire.FormatDate(dt)).Append("</dateTime.iso8601>"); break;
            case System.Collections.Generic.IEnumerable<KeyValuePair<string, object?>> map:
                sb.Append("<struct>");
                foreach (var kv in map)
                {
                    sb.Append("<member><name>").Append(kv.Key).Append("</name>");
                    WriteValue(sb, kv.Value);
                    sb.Append("</member>");
                }

                sb.Append("</struct>");
                break;
            case System.Collections.IEnumerable items:
                sb.Append("<array><data>");
                foreach (var item in items) WriteValue(sb, item);
                sb.Append("</data></array>");
                break;
            default: Escape(sb, value.ToString() ?? ""); break;
        }

        sb.Append("</value>");
    }

    /// <summary>Escapes markup and drops control characters XML cannot carry; runs that need neither are copied whole.</summary>
    private static void Escape(StringBuilder sb, string s)
    {
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            var replacement = c switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", _ => null };
            var dropped = c < ' ' && c is not ('\t' or '\n' or '\r');
            if (replacement is null && !dropped) continue;
            sb.Append(s, start, i - start);
            if (replacement is not null) sb.Append(replacement);
            start = i + 1;
        }

        sb.Append(s, start, s.Length - start);
    }
}
