using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Xml;

namespace XenHa.Simulator.Protocol;

/// <summary>XML-RPC codec with xapi's output shape (reference §1.2): compact, untyped strings and ints.</summary>
internal static class XmlRpc
{
    /// <summary>Deepest array/struct nesting accepted in a request.</summary>
    public const int MaxDepth = 64;

    /// <summary>Longest string accepted in a request (characters); xapi has none beyond its 300 KiB body limit.</summary>
    public const int MaxStringLength = 128 * 1024;

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        MaxCharactersFromEntities = 1024,
    };

    /// <summary>
    /// Streams a methodCall: no document tree, nesting and string length capped, DTDs refused. Every
    /// malformed body ends in <see cref="MalformedRequestException"/> (the front end answers HTTP 500 as xapi).
    /// </summary>
    public static (string Method, List<object?> Params) ParseCall(byte[] body)
    {
        try
        {
            using var r = XmlReader.Create(new MemoryStream(body), Settings);
            r.MoveToContent();
            if (r.NodeType != XmlNodeType.Element || r.LocalName != "methodCall") throw Parse("expected methodCall");
            string? name = null;
            var list = new List<object?>();
            var sawParams = false;
            foreach (var child in Children(r))
            {
                if (child == "methodName" && name is null) name = ReadText(r).Trim();
                else if (child == "params" && !sawParams)
                {
                    sawParams = true;
                    foreach (var p in Children(r))
                    {
                        if (p != "param")
                        {
                            r.Skip();
                            continue;
                        }

                        var hasValue = false;
                        foreach (var v in Children(r))
                        {
                            if (v == "value" && !hasValue)
                            {
                                list.Add(ReadValue(r, 1));
                                hasValue = true;
                            }
                            else r.Skip();
                        }

                        if (!hasValue) throw Parse("param without value");
                    }
                }
                else r.Skip();
            }

            if (string.IsNullOrEmpty(name)) throw Parse("missing methodName");
            return (name, list);
        }
        catch (XmlException e)
        {
            throw Parse(e.Message);
        }
    }

    /// <summary>Parses a lone &lt;value&gt; document (an XVA's ova.xml); MalformedRequestException when it is not one.</summary>
    public static object? ParseValueText(string xml)
    {
        try
        {
            using var r = XmlReader.Create(new StringReader(xml), Settings);
            r.MoveToContent();
            if (r.NodeType != XmlNodeType.Element || r.LocalName != "value") throw Parse("expected value");
            return ReadValue(r, 1);
        }
        catch (XmlException e)
        {
            throw Parse(e.Message);
        }
    }

    private static MalformedRequestException Parse(string detail) => new("Xmlrpc.Parse_error: " + detail);

    /// <summary>
    /// At a start element: yields the name of each child element with the reader on it, ignoring text
    /// between them; ends after the closing tag. The caller must consume or skip every child it is given.
    /// </summary>
    private static IEnumerable<string> Children(XmlReader r)
    {
        if (r.IsEmptyElement)
        {
            r.Read();
            yield break;
        }

        r.Read();
        while (true)
        {
            switch (r.NodeType)
            {
                case XmlNodeType.Element:
                    yield return r.LocalName;
                    break;
                case XmlNodeType.EndElement:
                    r.Read();
                    yield break;
                case XmlNodeType.None:
                    throw Parse("unexpected end of document");
                default:
                    r.Read();
                    break;
            }
        }
    }

    /// <summary>At a start element: its text (child elements are an error); moves past its end.</summary>
    private static string ReadText(XmlReader r)
    {
        var tag = r.LocalName;
        if (r.IsEmptyElement)
        {
            r.Read();
            return "";
        }

        r.Read();
        var sb = new StringBuilder();
        while (r.NodeType != XmlNodeType.EndElement)
        {
            if (r.NodeType == XmlNodeType.Element) throw Parse("unexpected <" + r.LocalName + "> inside <" + tag + ">");
            if (r.NodeType == XmlNodeType.None) throw Parse("unexpected end of document");
            if (r.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace) AppendLimited(sb, r.Value);
            r.Read();
        }

        r.Read();
        return sb.ToString();
    }

    private static void AppendLimited(StringBuilder sb, string text)
    {
        if (sb.Length + text.Length > MaxStringLength) throw Parse("string longer than " + MaxStringLength + " characters");
        sb.Append(text);
    }

    /// <summary>At &lt;value&gt;: the value, through &lt;/value&gt;.</summary>
    private static object? ReadValue(XmlReader r, int depth)
    {
        if (depth > MaxDepth) throw Parse("nesting too deep");
        if (r.IsEmptyElement)
        {
            r.Read();
            return "";
        }

        r.Read();
        var text = new StringBuilder();
        object? value = null;
        var typed = false;
        while (r.NodeType != XmlNodeType.EndElement)
        {
            switch (r.NodeType)
            {
                case XmlNodeType.Element when !typed:
                    if (!string.IsNullOrWhiteSpace(text.ToString())) throw Parse("text and a typed value mixed in <value>");
                    value = ReadTyped(r, depth);
                    typed = true;
                    continue;
                case XmlNodeType.Element:
                    throw Parse("more than one typed value in <value>");
                case XmlNodeType.None:
                    throw Parse("unexpected end of document");
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    if (typed && !string.IsNullOrWhiteSpace(r.Value)) throw Parse("text and a typed value mixed in <value>");
                    if (!typed) AppendLimited(text, r.Value);
                    break;
            }

            r.Read();
        }

        r.Read();
        return typed ? value : text.ToString();
    }

    private static object? ReadTyped(XmlReader r, int depth)
    {
        var tag = r.LocalName;
        switch (tag)
        {
            case "string": return ReadText(r);
            case "int":
            case "i4":
            case "i8":
            {
                var text = ReadText(r);
                if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) throw Parse("bad int " + Shorten(text));
                return l;
            }
            case "boolean": return ReadText(r).Trim() == "1";
            case "double":
            {
                var text = ReadText(r);
                if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) throw Parse("bad double " + Shorten(text));
                return d;
            }
            case "dateTime.iso8601":
            {
                var text = ReadText(r);
                if (!Wire.TryParseDate(text, out var dt)) throw Parse("bad dateTime " + Shorten(text));
                return dt;
            }
            case "nil":
                ReadText(r);
                return null;
            case "base64": return ReadText(r);
            case "array":
            {
                var list = new List<object?>();
                var sawData = false;
                foreach (var child in Children(r))
                {
                    if (child != "data" || sawData)
                    {
                        r.Skip();
                        continue;
                    }

                    sawData = true;
                    foreach (var v in Children(r))
                    {
                        if (v == "value") list.Add(ReadValue(r, depth + 1));
                        else r.Skip();
                    }
                }

                return list;
            }
            case "struct":
            {
                var dict = new Dictionary<string, object?>();
                foreach (var child in Children(r))
                {
                    if (child != "member")
                    {
                        r.Skip();
                        continue;
                    }

                    string? name = null;
                    var hasValue = false;
                    object? value = null;
                    foreach (var m in Children(r))
                    {
                        if (m == "name" && name is null) name = ReadText(r);
                        else if (m == "value" && !hasValue)
                        {
                            value = ReadValue(r, depth + 1);
                            hasValue = true;
                        }
                        else r.Skip();
                    }

                    if (name is null) throw Parse("member without name");
                    if (!hasValue) throw Parse("member without value");
                    dict[name] = value;
                }

                return dict;
            }
            default:
                throw Parse("unknown type " + tag);
        }
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s.Substring(0, 60) + "...";

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
