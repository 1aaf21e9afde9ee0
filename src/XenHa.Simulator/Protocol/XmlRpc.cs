using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;
using XenHa.Simulator.Inventory;

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

    private static ReadOnlySpan<byte> Head => "<?xml version=\"1.0\"?><methodResponse><params><param>"u8;
    private static ReadOnlySpan<byte> Tail => "</param></params></methodResponse>"u8;

    /// <summary>A success response; the caller disposes it (its buffers are pooled).</summary>
    public static Utf8Output Success(object? value)
    {
        var o = new Utf8Output();
        o.Write(Head);
        o.Write("<value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name>"u8);
        WriteValue(o, value);
        o.Write("</member></struct></value>"u8);
        o.Write(Tail);
        return o;
    }

    public static Utf8Output Failure(IEnumerable<string> description)
    {
        var o = new Utf8Output();
        o.Write(Head);
        o.Write("<value><struct><member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data>"u8);
        foreach (var d in description) WriteValue(o, d);
        o.Write("</data></array></value></member></struct></value>"u8);
        o.Write(Tail);
        return o;
    }

    /// <summary>A bare response (system.listMethods): no Status/Value wrapper.</summary>
    public static Utf8Output Bare(object? value)
    {
        var o = new Utf8Output();
        o.Write(Head);
        WriteValue(o, value);
        o.Write(Tail);
        return o;
    }

    /// <summary>The value alone, as stored in task.result.</summary>
    public static string ValueText(object? value)
    {
        using var o = new Utf8Output();
        WriteValue(o, value);
        return o.ToString();
    }

    private static void WriteValue(Utf8Output o, object? value)
    {
        o.Write("<value>"u8);
        WriteContent(o, value);
        o.Write("</value>"u8);
    }

    /// <summary>What goes between &lt;value&gt; and &lt;/value&gt;.</summary>
    private static void WriteContent(Utf8Output o, object? value)
    {
        switch (value)
        {
            case null: break;
            case string s: Escape(o, s); break;
            case long l: o.Write(l); break;
            case int i: o.Write(i); break;
            case I4 i4:
                o.Write("<i4>"u8);
                o.Write(i4.Value);
                o.Write("</i4>"u8);
                break;
            case bool b: o.Write(b ? "<boolean>1</boolean>"u8 : "<boolean>0</boolean>"u8); break;
            case double d:
                o.Write("<double>"u8);
                o.Write(Wire.FormatDoubleG16(d));
                o.Write("</double>"u8);
                break;
            case DateTime dt:
                o.Write("<dateTime.iso8601>"u8);
                o.Write(Wire.FormatDate(dt));
                o.Write("</dateTime.iso8601>"u8);
                break;
            case RecordSet records:
                WriteRecords(o, records);
                break;
            case Dictionary<string, object?> dict:
                // The common map type, enumerated without boxing its enumerator.
                o.Write("<struct>"u8);
                foreach (var kv in dict) WriteMember(o, kv.Key, kv.Value);
                o.Write("</struct>"u8);
                break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                o.Write("<struct>"u8);
                foreach (var kv in map) WriteMember(o, kv.Key, kv.Value);
                o.Write("</struct>"u8);
                break;
            case List<object?> list:
                o.Write("<array><data>"u8);
                foreach (var item in list) WriteValue(o, item);
                o.Write("</data></array>"u8);
                break;
            case System.Collections.IEnumerable items:
                o.Write("<array><data>"u8);
                foreach (var item in items) WriteValue(o, item);
                o.Write("</data></array>"u8);
                break;
            default: Escape(o, value.ToString() ?? ""); break;
        }
    }

    /// <summary>
    /// ref → record, written from the stored fields under the farm lock: the same bytes as a
    /// <see cref="RecordSet.Snapshot"/> would give, without building it.
    /// </summary>
    private static void WriteRecords(Utf8Output o, RecordSet set)
    {
        set.CheckLocked();
        var fields = set.Class.Fields;
        var heads = MemberHeads.GetValue(set.Class, MakeMemberHeads);
        o.Write("<struct>"u8);
        foreach (var rec in set.Records)
        {
            o.Write("<member><name>"u8);
            o.Write(rec.Ref.AsSpan());
            o.Write("</name><value><struct>"u8);

            // A record's dictionary normally holds its stored fields in schema order (Db.Create adds them so), and
            // walking it is cheaper than a lookup per field; the first field out of order ends the walk.
            var stored = rec.Fields.GetEnumerator();
            var inOrder = true;
            for (var i = 0; i < fields.Count; i++)
            {
                var f = fields[i];
                o.Write(heads[i]);
                if (f.Reverse is not null) WriteRefs(o, set.ReverseRefs(rec, f));
                else if (inOrder && stored.MoveNext() && string.Equals(stored.Current.Key, f.Name, StringComparison.Ordinal)) WriteContent(o, stored.Current.Value);
                else
                {
                    inOrder = false;
                    WriteContent(o, rec.Fields[f.Name]);
                }

                o.Write("</value></member>"u8);
            }

            o.Write("</struct></value></member>"u8);
        }

        o.Write("</struct>"u8);
    }

    private static void WriteRefs(Utf8Output o, IReadOnlyList<object?> refs)
    {
        o.Write("<array><data>"u8);
        foreach (var r in refs) WriteValue(o, r);
        o.Write("</data></array>"u8);
    }

    /// <summary>Per class, each field's "&lt;member&gt;&lt;name&gt;field&lt;/name&gt;&lt;value&gt;" in UTF-8, in schema order.</summary>
    private static readonly ConditionalWeakTable<ClassDef, byte[][]> MemberHeads = new();

    private static byte[][] MakeMemberHeads(ClassDef cls) =>
        cls.Fields.Select(f => Encoding.UTF8.GetBytes("<member><name>" + f.Name + "</name><value>")).ToArray();

    private static void WriteMember(Utf8Output o, string key, object? value)
    {
        // Keys are written as they are (schema field names and map keys), as before.
        o.Write("<member><name>"u8);
        o.Write(key.AsSpan());
        o.Write("</name>"u8);
        WriteValue(o, value);
        o.Write("</member>"u8);
    }

    /// <summary>Markup to escape and the control characters XML cannot carry (dropped).</summary>
    private static readonly SearchValues<char> Special = SearchValues.Create(
        "&<>\"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    /// <summary>Escapes markup and drops control characters XML cannot carry; runs that need neither are copied whole.</summary>
    private static void Escape(Utf8Output o, string s)
    {
        var rest = s.AsSpan();
        int i;
        while ((i = rest.IndexOfAny(Special)) >= 0)
        {
            o.Write(rest.Slice(0, i));
            switch (rest[i])
            {
                case '&': o.Write("&amp;"u8); break;
                case '<': o.Write("&lt;"u8); break;
                case '>': o.Write("&gt;"u8); break;
                case '"': o.Write("&quot;"u8); break;
            }

            rest = rest.Slice(i + 1);
        }

        o.Write(rest);
    }
}
