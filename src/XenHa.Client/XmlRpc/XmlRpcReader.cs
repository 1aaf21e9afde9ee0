using System;
using System.IO;
using System.Text;
using System.Xml;

namespace XenHa.Client.XmlRpc;

/// <summary>
/// A forward-only pull reader over an XML-RPC document: values are consumed one element at a
/// time straight from the <see cref="XmlReader"/>, without building a DOM. Every malformed or
/// hostile input ends in a <see cref="XenProtocolException"/>.
/// </summary>
internal sealed class XmlRpcReader : IDisposable
{
    private readonly XmlReader _xml;
    private readonly XmlRpcLimits _limits;
    private int _nesting;

    private XmlRpcReader(XmlReader xml, XmlRpcLimits limits)
    {
        _xml = xml;
        _limits = limits;
    }

    /// <summary>DTDs (and so external entities) refused, entity expansion and document size capped.</summary>
    public static XmlReaderSettings CreateSettings(XmlRpcLimits limits) => new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = limits.MaxResponseBytes,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = false,
        CheckCharacters = true,
        CloseInput = false,
    };

    public static XmlRpcReader Create(Stream stream, XmlRpcLimits? limits = null)
    {
        limits ??= XmlRpcLimits.Default;
        return new XmlRpcReader(XmlReader.Create(new SizeLimitedStream(stream, limits.MaxResponseBytes), CreateSettings(limits)), limits);
    }

    public static XmlRpcReader Create(string document, XmlRpcLimits? limits = null)
    {
        limits ??= XmlRpcLimits.Default;
        if (document.Length > limits.MaxResponseBytes)
        {
            throw new XenProtocolException("the value is longer than " + limits.MaxResponseBytes + " characters (XenSessionOptions.MaxResponseBytes)");
        }

        return new XmlRpcReader(XmlReader.Create(new StringReader(document), CreateSettings(limits)), limits);
    }

    public void Dispose() => ((IDisposable)_xml).Dispose();

    /// <summary>The name of the current element (for diagnostics).</summary>
    public string Describe()
    {
        return _xml.NodeType switch
        {
            XmlNodeType.Element => "<" + _xml.Name + ">",
            XmlNodeType.EndElement => "</" + _xml.Name + ">",
            XmlNodeType.None => "the end of the document (truncated XML?)",
            XmlNodeType.Text or XmlNodeType.CDATA => "text '" + Shorten(Value()) + "'",
            _ => _xml.NodeType.ToString(),
        };
    }

    /// <summary>Moves to the root element and checks its name.</summary>
    public string ReadRootElement()
    {
        Guard(() => _xml.MoveToContent());
        if (_xml.NodeType != XmlNodeType.Element)
        {
            throw Protocol("the response is not an XML document");
        }

        return _xml.LocalName;
    }

    /// <summary>At a start element named <paramref name="name"/>: enters it (false when it is empty).</summary>
    public bool EnterElement(string name)
    {
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.Element || _xml.LocalName != name)
        {
            throw Protocol("expected <" + name + "> but found " + Describe());
        }

        var empty = _xml.IsEmptyElement;
        Advance();
        return !empty;
    }

    /// <summary>Consumes the end element named <paramref name="name"/>.</summary>
    public void LeaveElement(string name)
    {
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.EndElement || _xml.LocalName != name)
        {
            throw Protocol("expected </" + name + "> but found " + Describe());
        }

        AdvanceAllowEnd();
    }

    /// <summary>True if the next significant node is a start element named <paramref name="name"/>.</summary>
    public bool AtElement(string name)
    {
        SkipInsignificant();
        return _xml.NodeType == XmlNodeType.Element && _xml.LocalName == name;
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
    public XmlRpcValueKind BeginValue(out string text)
    {
        text = "";
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.Element || _xml.LocalName != "value")
        {
            throw Protocol("expected <value> but found " + Describe());
        }

        if (_xml.IsEmptyElement)
        {
            AdvanceAllowEnd();
            return XmlRpcValueKind.Untyped;
        }

        Advance();
        string? first = null;
        StringBuilder? more = null;
        while (true)
        {
            switch (_xml.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    AppendText(ref first, ref more, Value());
                    Advance();
                    continue;
                case XmlNodeType.Comment:
                case XmlNodeType.ProcessingInstruction:
                    Advance();
                    continue;
                case XmlNodeType.EndElement:
                    // </value>: an untyped string.
                    text = more?.ToString() ?? first ?? "";
                    AdvanceAllowEnd();
                    return XmlRpcValueKind.Untyped;
                case XmlNodeType.Element:
                    if (first is not null && !IsWhitespace(more?.ToString() ?? first))
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
    public bool NextArrayItem()
    {
        if (ClosePendingEmpty())
        {
            return false;
        }

        SkipInsignificant();
        if (_xml.NodeType == XmlNodeType.Element && _xml.LocalName == "value")
        {
            return true;
        }

        if (_xml.NodeType == XmlNodeType.EndElement && _xml.LocalName == "data")
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
        name = "";
        if (ClosePendingEmpty())
        {
            return false;
        }

        SkipInsignificant();
        if (_xml.NodeType == XmlNodeType.EndElement && _xml.LocalName == "struct")
        {
            Advance();
            _nesting--;
            LeaveElement("value");
            return false;
        }

        if (_xml.NodeType != XmlNodeType.Element || _xml.LocalName != "member")
        {
            throw Protocol("expected <member> or </struct> in a struct but found " + Describe());
        }

        if (_xml.IsEmptyElement)
        {
            throw Protocol("empty <member> in a struct");
        }

        Advance();
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.Element || _xml.LocalName != "name")
        {
            throw Protocol("expected <name> in a struct member but found " + Describe());
        }

        name = ReadElementText();
        SkipInsignificant();
        if (_xml.NodeType != XmlNodeType.Element || _xml.LocalName != "value")
        {
            throw Protocol("expected <value> after <name>" + Shorten(name) + "</name> but found " + Describe());
        }

        return true;
    }

    /// <summary>Consumes <c>&lt;/member&gt;</c>.</summary>
    public void EndMember() => LeaveElement("member");

    /// <summary>At <c>&lt;value&gt;</c>: consumes it whatever it holds.</summary>
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
        var li = _xml as IXmlLineInfo;
        var where = li is not null && li.HasLineInfo() ? " (line " + li.LineNumber + ", position " + li.LinePosition + ")" : "";
        return new XenProtocolException(detail + where);
    }

    private XmlRpcValueKind BeginTyped(out string text)
    {
        text = "";
        var tag = _xml.LocalName;
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
                if (_xml.NodeType == XmlNodeType.EndElement && _xml.LocalName == "array")
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
        var tag = _xml.LocalName;
        if (_xml.IsEmptyElement)
        {
            Advance();
            return "";
        }

        Advance();
        string? first = null;
        StringBuilder? more = null;
        while (_xml.NodeType != XmlNodeType.EndElement)
        {
            switch (_xml.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    AppendText(ref first, ref more, Value());
                    break;
                case XmlNodeType.Comment:
                case XmlNodeType.ProcessingInstruction:
                    break;
                default:
                    throw Protocol("unexpected " + Describe() + " inside <" + tag + ">");
            }

            Advance();
        }

        Advance();
        return more?.ToString() ?? first ?? "";
    }

    /// <summary>
    /// Collects the text of one value, refusing strings longer than the limit. Most values are one text
    /// node: keep it as is and only build a StringBuilder for a second one.
    /// </summary>
    private void AppendText(ref string? first, ref StringBuilder? more, string value)
    {
        var length = more?.Length ?? first?.Length ?? 0;
        if (length + value.Length > _limits.MaxStringLength)
        {
            throw Protocol("a string is longer than " + _limits.MaxStringLength + " characters (XenSessionOptions.MaxStringLength)");
        }

        if (first is null)
        {
            first = value;
            return;
        }

        (more ??= new StringBuilder(first)).Append(value);
    }

    private void SkipInsignificant()
    {
        while (_xml.NodeType is XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.Comment
               or XmlNodeType.ProcessingInstruction or XmlNodeType.XmlDeclaration)
        {
            Advance();
        }

        if (_xml.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
        {
            throw Protocol("unexpected " + Describe());
        }
    }

    /// <summary>Moves past an end tag that may be the document's last node; anything missing is reported by the next read.</summary>
    private void AdvanceAllowEnd() => Read();

    /// <summary>The current node's text; XmlReader parses it lazily, so it can fail too.</summary>
    private string Value()
    {
        // Not through Guard, which allocates a delegate per call: this runs once per XML node.
        try
        {
            return _xml.Value;
        }
        catch (XmlException ex)
        {
            throw Malformed(ex);
        }
    }

    private void Advance()
    {
        if (!Read())
        {
            throw Protocol("the response ended too early (truncated XML)");
        }
    }

    private bool Read()
    {
        try
        {
            return _xml.Read();
        }
        catch (XmlException ex)
        {
            throw Malformed(ex);
        }
    }

    private static XenProtocolException Malformed(XmlException ex) => new XenProtocolException("malformed XML: " + ex.Message, null, ex);

    private T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (XmlException ex)
        {
            throw Malformed(ex);
        }
    }

    private static bool IsWhitespace(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (!char.IsWhiteSpace(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s.Substring(0, 60) + "…";
}
