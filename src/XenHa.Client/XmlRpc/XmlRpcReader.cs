using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;

namespace XenHa.Client.XmlRpc;

/// <summary>
/// A forward-only pull reader over an XML-RPC document: values are consumed one element at a
/// time straight from the <see cref="XmlTokenizer"/>, without building a DOM. Every malformed or
/// hostile input ends in a <see cref="XenProtocolException"/>.
/// </summary>
internal sealed class XmlRpcReader
{
    /// <summary>
    /// MethodImplOptions.AggressiveOptimization (not in netstandard2.0; ignored where unknown): the
    /// decoding loop is compiled fully optimised at once instead of starting as unoptimised tier-0
    /// code, which cost the first large read in a fresh process about as much as the decode itself.
    /// </summary>
    internal const MethodImplOptions Hot = (MethodImplOptions)512;

    private readonly XmlTokenizer _xml;
    private readonly XmlRpcLimits _limits;
    private int _nesting;

    private XmlRpcReader(Stream stream, XmlRpcLimits limits)
    {
        // Each XML-RPC nesting level takes three elements (value, array or struct, data or member).
        _xml = new XmlTokenizer(stream, 3 * limits.MaxNestingDepth + 16, limits.MaxStringLength);
        _limits = limits;
    }

    public static XmlRpcReader Create(Stream stream, XmlRpcLimits? limits = null)
    {
        limits ??= XmlRpcLimits.Default;
        return new XmlRpcReader(new SizeLimitedStream(stream, limits.MaxResponseBytes), limits);
    }

    public static XmlRpcReader Create(string document, XmlRpcLimits? limits = null)
    {
        limits ??= XmlRpcLimits.Default;
        if (document.Length > limits.MaxResponseBytes)
        {
            throw new XenProtocolException("the value is longer than " + limits.MaxResponseBytes + " characters (XenSessionOptions.MaxResponseBytes)");
        }

        return new XmlRpcReader(new MemoryStream(Encoding.UTF8.GetBytes(document), false), limits);
    }

    /// <summary>The name of the current element (for diagnostics).</summary>
    public string Describe()
    {
        return _xml.NodeType switch
        {
            XmlNodeType.Element => "<" + _xml.Name + ">",
            XmlNodeType.EndElement => "</" + _xml.Name + ">",
            XmlNodeType.None => "the end of the document (truncated XML?)",
            XmlNodeType.Text or XmlNodeType.CDATA => "text '" + Shorten(_xml.TextString) + "'",
            _ => _xml.NodeType.ToString(),
        };
    }

    /// <summary>Moves to the root element and checks its name.</summary>
    public string ReadRootElement()
    {
        _xml.Read();
        if (_xml.NodeType != XmlNodeType.Element)
        {
            throw Protocol("the response is not an XML document");
        }

        return _xml.Name;
    }

    /// <summary>At a start element named <paramref name="name"/>: enters it (false when it is empty).</summary>
    [MethodImpl(Hot)]
    public bool EnterElement(string name)
    {
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.Element || _xml.Name != name)
        {
            throw Protocol("expected <" + name + "> but found " + Describe());
        }

        var empty = _xml.IsEmptyElement;
        Advance();
        return !empty;
    }

    /// <summary>Consumes the end element named <paramref name="name"/>.</summary>
    [MethodImpl(Hot)]
    public void LeaveElement(string name)
    {
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.EndElement || _xml.Name != name)
        {
            throw Protocol("expected </" + name + "> but found " + Describe());
        }

        AdvanceAllowEnd();
    }

    /// <summary>True if the next significant node is a start element named <paramref name="name"/>.</summary>
    public bool AtElement(string name)
    {
        SkipInsignificant();
        return _xml.NodeType == XmlNodeType.Element && _xml.Name == name;
    }

    /// <summary>Reads the rest of the document, so truncation after the value is still detected.</summary>
    public void ReadToEnd()
    {
        while (Read())
        {
            if (_xml.NodeType is XmlNodeType.Element or XmlNodeType.Text or XmlNodeType.CDATA)
            {
                throw Protocol("unexpected content after the response: " + Describe());
            }
        }
    }

    /// <summary>
    /// At <c>&lt;value&gt;</c>: reads the value's kind. Scalars are consumed entirely (through
    /// <c>&lt;/value&gt;</c>) and their text returned. For arrays and structs the reader is left inside
    /// (after <c>&lt;data&gt;</c> / <c>&lt;struct&gt;</c>); iterate with <see cref="NextArrayItem"/> or
    /// <see cref="NextMember"/>, which consume the closing tags.
    /// </summary>
    [MethodImpl(Hot)]
    public XmlRpcValueKind BeginValue(out string text)
    {
        text = "";
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.Element || _xml.Name != "value")
        {
            throw Protocol("expected <value> but found " + Describe());
        }

        if (_xml.IsEmptyElement)
        {
            AdvanceAllowEnd();
            return XmlRpcValueKind.Untyped;
        }

        _xml.TruncateText(0);
        Advance();
        var sawText = false;
        while (true)
        {
            switch (_xml.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                    sawText = true;
                    Advance();
                    continue;
                case XmlNodeType.EndElement:
                    // </value>: an untyped string.
                    text = TextString();
                    AdvanceAllowEnd();
                    return XmlRpcValueKind.Untyped;
                case XmlNodeType.Element:
                    if (sawText && !TextIsWhitespace())
                    {
                        throw Protocol("text and an element mixed inside <value>");
                    }

                    return BeginTyped(out text);
                default:
                    throw Protocol("unexpected " + Describe() + " inside <value>");
            }
        }
    }

    /// <summary>Inside an array: true and positioned at the next <c>&lt;value&gt;</c>, or false after consuming the array's closing tags.</summary>
    [MethodImpl(Hot)]
    public bool NextArrayItem()
    {
        if (ClosePendingEmpty())
        {
            return false;
        }

        SkipInsignificant();
        if (_xml.NodeType == XmlNodeType.Element && _xml.Name == "value")
        {
            return true;
        }

        if (_xml.NodeType == XmlNodeType.EndElement && _xml.Name == "data")
        {
            Advance();
            CloseArray();
            return false;
        }

        throw Protocol("expected <value> or </data> in an array but found " + Describe());
    }

    /// <summary>
    /// Inside a struct: true with the member name and positioned at its <c>&lt;value&gt;</c>; false after
    /// consuming the struct's closing tags. Call <see cref="EndMember"/> after consuming the value.
    /// </summary>
    public bool NextMember(out string name)
    {
        var more = NextMemberName();
        name = more ? TextString() : "";
        return more;
    }

    /// <summary>
    /// <see cref="NextMember"/> without making the name a string: it stays in the text buffer for
    /// <see cref="TextHash"/> and <see cref="TextEquals"/> until the member's value is read.
    /// </summary>
    [MethodImpl(Hot)]
    public bool NextMemberName()
    {
        if (ClosePendingEmpty())
        {
            return false;
        }

        SkipInsignificant();
        if (_xml.NodeType == XmlNodeType.EndElement && _xml.Name == "struct")
        {
            Advance();
            _nesting--;
            LeaveElement("value");
            return false;
        }

        if (_xml.NodeType != XmlNodeType.Element || _xml.Name != "member")
        {
            throw Protocol("expected <member> or </struct> in a struct but found " + Describe());
        }

        if (_xml.IsEmptyElement)
        {
            throw Protocol("empty <member> in a struct");
        }

        Advance();
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.Element || _xml.Name != "name")
        {
            throw Protocol("expected <name> in a struct member but found " + Describe());
        }

        ReadElementTextIntoBuffer();
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.Element || _xml.Name != "value")
        {
            throw Protocol("expected <value> after <name>" + Shorten(TextString()) + "</name> but found " + Describe());
        }

        return true;
    }

    /// <summary>A hash of the text just read (a member name), for lookups that need no string.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    public int TextHash() => TextCache.Hash(_xml.Text, _xml.TextLength);

    /// <summary>True if the text just read (a member name) is exactly <paramref name="value"/>.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    public bool TextEquals(string value) => TextCache.Equal(value, _xml.Text, _xml.TextLength);

    /// <summary>Consumes <c>&lt;/member&gt;</c>.</summary>
    [MethodImpl(Hot)]
    public void EndMember() => LeaveElement("member");

    /// <summary>At <c>&lt;value&gt;</c>: consumes it whatever it holds.</summary>
    [MethodImpl(Hot)]
    public void SkipValue()
    {
        var kind = BeginValue(out _);
        if (kind == XmlRpcValueKind.Array)
        {
            while (NextArrayItem())
            {
                SkipValue();
            }
        }
        else if (kind == XmlRpcValueKind.Struct)
        {
            while (NextMember(out _))
            {
                SkipValue();
                EndMember();
            }
        }
    }

    public XenProtocolException Protocol(string detail)
    {
        return new XenProtocolException(detail + " (line " + _xml.LineNumber + ", position " + _xml.LinePosition + ")");
    }

    [MethodImpl(Hot)]
    private XmlRpcValueKind BeginTyped(out string text)
    {
        text = "";
        var tag = _xml.Name;
        switch (tag)
        {
            case "string":
                return Scalar(XmlRpcValueKind.String, out text);
            case "int":
            case "i4":
            case "i8":
                return Scalar(XmlRpcValueKind.Int, out text);
            case "boolean":
                return Scalar(XmlRpcValueKind.Boolean, out text);
            case "double":
                return Scalar(XmlRpcValueKind.Double, out text);
            case "dateTime.iso8601":
                return Scalar(XmlRpcValueKind.DateTime, out text);
            case "base64":
                return Scalar(XmlRpcValueKind.Base64, out text);
            case "nil":
                ReadElementText();
                LeaveElement("value");
                return XmlRpcValueKind.Nil;
            case "array":
                Nest();
                if (_xml.IsEmptyElement)
                {
                    Advance();
                    _pendingClose = PendingClose.Value;
                    return XmlRpcValueKind.Array;
                }

                Advance();
                SkipInsignificant();
                if (_xml.NodeType == XmlNodeType.EndElement && _xml.Name == "array")
                {
                    Advance();
                    _pendingClose = PendingClose.Value;
                    return XmlRpcValueKind.Array;
                }

                if (!EnterElement("data"))
                {
                    _pendingClose = PendingClose.ArrayValue;
                }

                return XmlRpcValueKind.Array;
            case "struct":
                Nest();
                var emptyStruct = _xml.IsEmptyElement;
                Advance();
                if (emptyStruct)
                {
                    _pendingClose = PendingClose.Value;
                }

                return XmlRpcValueKind.Struct;
            default:
                throw Protocol("unknown XML-RPC type <" + tag + ">");
        }
    }

    private enum PendingClose
    {
        None,
        Value,
        ArrayValue,
    }

    private PendingClose _pendingClose;

    /// <summary>After an empty container (<c>&lt;struct/&gt;</c>, <c>&lt;data/&gt;</c>...): consumes what closes it.</summary>
    [MethodImpl(Hot)]
    private bool ClosePendingEmpty()
    {
        if (_pendingClose == PendingClose.None)
        {
            return false;
        }

        var pending = _pendingClose;
        _pendingClose = PendingClose.None;
        _nesting--;
        if (pending == PendingClose.ArrayValue)
        {
            LeaveElement("array");
        }

        LeaveElement("value");
        return true;
    }

    private void CloseArray()
    {
        _nesting--;
        LeaveElement("array");
        LeaveElement("value");
    }

    [MethodImpl(Hot)]
    private XmlRpcValueKind Scalar(XmlRpcValueKind kind, out string text)
    {
        text = ReadElementText();
        LeaveElement("value");
        return kind;
    }

    private void Nest()
    {
        if (++_nesting > _limits.MaxNestingDepth)
        {
            throw Protocol("values nested deeper than " + _limits.MaxNestingDepth + " levels (XenSessionOptions.MaxNestingDepth)");
        }
    }

    /// <summary>At a start element: returns its text content and moves past its end tag. Child elements are an error.</summary>
    private string ReadElementText()
    {
        ReadElementTextIntoBuffer();
        return TextString();
    }

    /// <summary>At a start element: copies its text content into the text buffer and moves past its end tag.</summary>
    [MethodImpl(Hot)]
    private void ReadElementTextIntoBuffer()
    {
        _xml.TruncateText(0);
        var tag = _xml.Name;
        if (!_xml.IsEmptyElement)
        {
            Advance();
            while (_xml.NodeType != XmlNodeType.EndElement)
            {
                switch (_xml.NodeType)
                {
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.Whitespace:
                        break;
                    default:
                        throw Protocol("unexpected " + Describe() + " inside <" + tag + ">");
                }

                Advance();
            }
        }

        // Moving past the end tag reads the next node, whose text (whitespace) is not part of this one.
        var length = _xml.TextLength;
        Advance();
        _xml.TruncateText(length);
    }

    internal static XenProtocolException StringTooLong(int limit, XmlTokenizer where) =>
        new XenProtocolException("a string is longer than " + limit + " characters (XenSessionOptions.MaxStringLength) (line "
            + where.LineNumber + ", position " + where.LinePosition + ")");

    /// <summary>The text buffer as a string; short texts are shared between values (see <see cref="TextCache"/>).</summary>
    private string TextString() => TextCache.Get(_xml.Text, _xml.TextLength);

    private bool TextIsWhitespace()
    {
        var text = _xml.Text;
        for (var i = 0; i < _xml.TextLength; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(Hot)]
    private void SkipInsignificant()
    {
        // The whitespace between elements is not part of any value: drop it from the collected text.
        var kept = _xml.TextLength;
        while (_xml.NodeType == XmlNodeType.Whitespace)
        {
            _xml.TruncateText(kept);
            Advance();
        }

        if (_xml.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
        {
            throw Protocol("unexpected " + Describe());
        }
    }

    /// <summary>Moves past an end tag that may be the document's last node; anything missing is reported by the next read.</summary>
    private void AdvanceAllowEnd() => Read();

    [MethodImpl(Hot)]
    private void Advance()
    {
        if (!_xml.Read())
        {
            throw Protocol("the response ended too early (truncated XML)");
        }
    }

    [MethodImpl(Hot)]
    private bool Read() => _xml.Read();

    private static string Shorten(string s) => s.Length <= 60 ? s : s.Substring(0, 60) + "…";
}
