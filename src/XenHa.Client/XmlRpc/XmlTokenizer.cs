using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Xml;

namespace XenHa.Client.XmlRpc;

/// <summary>
/// A forward-only tokenizer for the XML that XML-RPC uses, reading UTF-8 straight from the stream:
/// elements, text (with the predefined entities and character references), CDATA, and the comments,
/// processing instructions and XML declaration it skips. Anything else XML allows is refused: a DTD
/// (so no entity but the five predefined ones), namespaces, encodings other than UTF-8. Malformed
/// input ends in a <see cref="XenProtocolException"/> naming the line and position.
/// </summary>
/// <remarks>
/// Why not XmlReader: in a fresh process the first large answer ran through XmlReader's precompiled
/// code and then its profiling tier before reaching optimised code, which made the first
/// VM.get_all_records of 10,000 VMs take 2.5 times as long as the same read once warm. This class is
/// compiled optimised at once (<see cref="XmlRpcReader.Hot"/>) and does less: one UTF-8 pass, no
/// name table, no DTD machinery. Its answers are checked against XmlReader's in the tests.
/// </remarks>
internal sealed class XmlTokenizer
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Element nesting allowed before the document is refused; XML-RPC needs a few levels per value.</summary>
    private readonly int _maxDepth;

    private readonly int _maxTextLength;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _position;
    private int _end;
    private bool _eof;

    /// <summary>The open elements (name and UTF-8 bytes); an end tag is matched against the bytes of the innermost.</summary>
    private (byte[] Utf8, string Name)[] _open = new (byte[] Utf8, string Name)[16];
    private int _depth;
    private const int NameSlots = 64;

    /// <summary>The names seen, by the hash of their bytes (open addressing).</summary>
    private readonly (byte[] Utf8, string? Name)[] _names = new (byte[] Utf8, string? Name)[NameSlots];
    private int _namesKept;
    private bool _rootSeen;

    private char[] _text = new char[1024];
    private int _textLength;

    private int _line = 1;
    private long _lineStart;
    private long _consumed;

    public XmlTokenizer(Stream stream, int maxDepth, int maxTextLength)
    {
        _stream = stream;
        _maxDepth = maxDepth;
        _maxTextLength = maxTextLength;
        foreach (var name in XmlRpcNames)
        {
            var utf8 = System.Text.Encoding.ASCII.GetBytes(name);
            var hash = 0;
            foreach (var b in utf8)
            {
                hash = unchecked(hash * 31 + b);
            }

            Remember(utf8, name, hash);
        }
    }

    /// <summary>Keeps a name in the first free slot from its hash's; once three quarters are taken, new names are not kept.</summary>
    private void Remember(byte[] utf8, string name, int hash)
    {
        if (_namesKept >= NameSlots * 3 / 4)
        {
            return;
        }

        var slot = hash & (NameSlots - 1);
        while (_names[slot].Name is not null)
        {
            slot = (slot + 1) & (NameSlots - 1);
        }

        _names[slot] = (utf8, name);
        _namesKept++;
    }

    /// <summary>
    /// The element names of XML-RPC, entered first so that the names read are these very string
    /// instances and the reader's comparisons with its literals succeed on the reference.
    /// </summary>
    private static readonly string[] XmlRpcNames =
    {
        "methodResponse", "params", "param", "value", "struct", "member", "name", "array", "data", "string",
        "int", "i4", "i8", "boolean", "double", "dateTime.iso8601", "base64", "nil", "fault",
    };

    public XmlNodeType NodeType { get; private set; } = XmlNodeType.None;

    /// <summary>The element's name (for Element and EndElement).</summary>
    public string Name { get; private set; } = "";

    public bool IsEmptyElement { get; private set; }

    /// <summary>
    /// The text of the Text, CDATA and Whitespace nodes read since the last <see cref="TruncateText"/>:
    /// <see cref="Text"/>[0..<see cref="TextLength"/>). Adjacent nodes (text, CDATA, text) add up to one value.
    /// </summary>
    public char[] Text => _text;

    public int TextLength => _textLength;

    public string TextString => new string(_text, 0, _textLength);

    /// <summary>Forgets the collected text after the first <paramref name="length"/> characters.</summary>
    public void TruncateText(int length) => _textLength = length;

    public int LineNumber => _line;

    public int LinePosition => (int)(_consumed + _position - _lineStart) + 1;

    /// <summary>Moves to the next node; false at the end of the document.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    public bool Read()
    {
        if (NodeType == XmlNodeType.Element && IsEmptyElement)
        {
            CloseElement();
        }

        IsEmptyElement = false;
        while (true)
        {
            if (!Available(1))
            {
                if (_depth > 0 || NodeType == XmlNodeType.None && !_rootSeen)
                {
                    throw Malformed(_rootSeen || _depth > 0 ? "the document ended early (truncated)" : "the document has no root element");
                }

                NodeType = XmlNodeType.None;
                return false;
            }

            if (_buffer[_position] != (byte)'<')
            {
                if (_depth == 0)
                {
                    SkipTopLevelWhitespace();
                    continue;
                }

                ReadText();
                return true;
            }

            if (!Available(2))
            {
                throw Malformed("the document ended early (truncated)");
            }

            switch (_buffer[_position + 1])
            {
                case (byte)'/':
                    ReadEndTag();
                    return true;
                case (byte)'?':
                    SkipProcessingInstruction();
                    continue;
                case (byte)'!':
                    if (ReadBang())
                    {
                        return true;
                    }

                    continue;
                default:
                    ReadStartTag();
                    return true;
            }
        }
    }

    [MethodImpl(XmlRpcReader.Hot)]
    private void SkipTopLevelWhitespace()
    {
        var b = _buffer[_position];
        if (b == (byte)' ' || b == (byte)'\t' || b == (byte)'\n' || b == (byte)'\r')
        {
            Consume(1, b == (byte)'\n');
            return;
        }

        if (_consumed == 0 && _position == 0 && Available(3) && b == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
        {
            _position = 3;
            return;
        }

        if (b == 0xFE || b == 0xFF || b == 0)
        {
            throw Malformed("only UTF-8 documents are supported");
        }

        throw Malformed(_rootSeen ? "text after the root element" : "data at the root level is invalid");
    }

    [MethodImpl(XmlRpcReader.Hot)]
    private void ReadStartTag()
    {
        if (_depth == 0 && _rootSeen)
        {
            throw Malformed("a second root element");
        }

        _position++;
        var name = ReadName(out var utf8);
        if (_depth >= _maxDepth)
        {
            throw Malformed("elements nested deeper than " + _maxDepth + " levels");
        }

        if (_depth == _open.Length)
        {
            Array.Resize(ref _open, _depth * 2);
        }

        _open[_depth++] = (utf8, name);
        _rootSeen = true;
        Name = name;
        NodeType = XmlNodeType.Element;
        if (_position < _end && _buffer[_position] == (byte)'>')
        {
            _position++;
            return;
        }

        var attributes = 0;
        while (true)
        {
            var spaced = SkipSpaces();
            var b = Peek();
            if (b == (byte)'>')
            {
                _position++;
                break;
            }

            if (b == (byte)'/')
            {
                _position++;
                if (Peek() != (byte)'>')
                {
                    throw Malformed("expected '>' after '/' in <" + name + ">");
                }

                _position++;
                IsEmptyElement = true;
                break;
            }

            if (!spaced)
            {
                throw Malformed("expected whitespace, '>' or '/>' in <" + name + ">");
            }

            SkipAttribute(name, ++attributes);
        }
    }

    /// <summary>XML-RPC has no attributes, but a well-formed one is allowed and ignored.</summary>
    private void SkipAttribute(string element, int count)
    {
        if (count > 64)
        {
            throw Malformed("too many attributes in <" + element + ">");
        }

        ReadName(out _);
        SkipSpaces();
        if (Peek() != (byte)'=')
        {
            throw Malformed("expected '=' after an attribute name in <" + element + ">");
        }

        _position++;
        SkipSpaces();
        var quote = Peek();
        if (quote != (byte)'"' && quote != (byte)'\'')
        {
            throw Malformed("an attribute value is not quoted in <" + element + ">");
        }

        _position++;
        while (true)
        {
            var b = Peek();
            if (b == quote)
            {
                _position++;
                return;
            }

            if (b == (byte)'<')
            {
                throw Malformed("'<' in an attribute value");
            }

            if (b == (byte)'&')
            {
                // Checked like text (and thrown away): an unknown entity is an error here too.
                var saved = _textLength;
                ReadReference();
                _textLength = saved;
                continue;
            }

            var kept = _textLength;
            ReadCharacter(b, out _);
            _textLength = kept;
        }
    }

    [MethodImpl(XmlRpcReader.Hot)]
    private void ReadEndTag()
    {
        _position += 2;
        if (_depth == 0)
        {
            throw Malformed("an end tag without a start tag");
        }

        var (utf8, name) = _open[_depth - 1];
        if (!Available(utf8.Length + 1) || !SameBytes(utf8, _position) || IsNameByte(_buffer[_position + utf8.Length]))
        {
            throw Malformed("the end tag does not match <" + name + ">");
        }

        _position += utf8.Length;
        if (_position < _end && _buffer[_position] == (byte)'>')
        {
            _position++;
        }
        else
        {
            SkipSpaces();
            if (Peek() != (byte)'>')
            {
                throw Malformed("expected '>' in </" + name + ">");
            }

            _position++;
        }

        Name = name;
        NodeType = XmlNodeType.EndElement;
        _depth--;
    }

    private void CloseElement() => _depth--;

    /// <summary>At "&lt;!": a comment (skipped, false), CDATA (a node, true); a DOCTYPE is refused.</summary>
    private bool ReadBang()
    {
        if (StartsWith("<!--"))
        {
            _position += 4;
            while (true)
            {
                if (StartsWith("--"))
                {
                    if (!StartsWith("-->"))
                    {
                        throw Malformed("'--' inside a comment");
                    }

                    _position += 3;
                    return false;
                }

                var kept = _textLength;
                ReadCharacter(Peek(), out _);
                _textLength = kept;
            }
        }

        if (StartsWith("<![CDATA["))
        {
            if (_depth == 0)
            {
                throw Malformed("CDATA outside the root element");
            }

            _position += 9;
            while (!StartsWith("]]>"))
            {
                ReadCharacter(Peek(), out _);
            }

            _position += 3;
            NodeType = XmlNodeType.CDATA;
            return true;
        }

        if (StartsWith("<!DOCTYPE"))
        {
            throw Malformed("a DTD is prohibited in XML-RPC responses (DTD processing is disabled)");
        }

        throw Malformed("unexpected '<!'");
    }

    /// <summary>Skips "&lt;?target ...?&gt;"; the XML declaration is checked for its encoding.</summary>
    private void SkipProcessingInstruction()
    {
        var atStart = _consumed + _position <= 3 && !_rootSeen;
        _position += 2;
        var target = ReadName(out _);
        var isDeclaration = string.Equals(target, "xml", StringComparison.OrdinalIgnoreCase);
        if (isDeclaration && (!atStart || target != "xml"))
        {
            throw Malformed("an XML declaration is only allowed at the start of the document");
        }

        var next = Peek();
        if (next != ' ' && next != '\t' && next != '\n' && next != '\r' && !StartsWith("?>"))
        {
            throw Malformed("a processing instruction's name must be followed by whitespace or '?>'");
        }

        var kept = _textLength;
        while (!StartsWith("?>"))
        {
            ReadCharacter(Peek(), out _);
        }

        _position += 2;
        if (isDeclaration)
        {
            CheckDeclaration(new string(_text, kept, _textLength - kept));
        }

        _textLength = kept;
    }

    /// <summary>version, then optionally encoding and standalone, in that order (XML 1.0, production 23).</summary>
    private static readonly Regex Declaration = new Regex(
        "^[ \\t\\r\\n]+version[ \\t\\r\\n]*=[ \\t\\r\\n]*(\"1\\.0\"|'1\\.0')"
        + "([ \\t\\r\\n]+encoding[ \\t\\r\\n]*=[ \\t\\r\\n]*(\"(?<e>[A-Za-z][A-Za-z0-9._-]*)\"|'(?<e>[A-Za-z][A-Za-z0-9._-]*)'))?"
        + "([ \\t\\r\\n]+standalone[ \\t\\r\\n]*=[ \\t\\r\\n]*(\"(yes|no)\"|'(yes|no)'))?[ \\t\\r\\n]*$",
        RegexOptions.CultureInvariant);

    private void CheckDeclaration(string declaration)
    {
        var match = Declaration.Match(declaration);
        if (!match.Success)
        {
            throw Malformed("the XML declaration is invalid");
        }

        var encoding = match.Groups["e"];
        if (!encoding.Success)
        {
            return;
        }

        switch (encoding.Value.ToLowerInvariant())
        {
            case "utf-8":
            case "utf8":
            case "us-ascii":
            case "ascii":
                return;
            default:
                throw Malformed("the encoding '" + encoding.Value + "' is not supported (XenAPI answers are UTF-8)");
        }
    }

    /// <summary>Text up to the next '&lt;': entities resolved, line ends normalised, characters checked.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    private void ReadText()
    {
        var whitespace = true;
        while (true)
        {
            // The common case first: a run of plain ASCII characters inside the buffer.
            var buffer = _buffer;
            var text = _text;
            var length = _textLength;
            var position = _position;
            var end = Math.Min(_end, position + text.Length - length);
            while (position < end)
            {
                var b = buffer[position];
                if (TextStops[b])
                {
                    break;
                }

                text[length++] = (char)b;
                whitespace &= b == (byte)' ';
                position++;
            }

            _position = position;
            _textLength = length;
            if (length == text.Length && position < _end)
            {
                GrowText(length + 1);
                continue;
            }

            if (!Available(1))
            {
                throw Malformed("the document ended early (truncated)");
            }

            var next = _buffer[_position];
            if (next == (byte)'<')
            {
                break;
            }

            if (next == (byte)'&')
            {
                ReadReference();
                whitespace = false;
                continue;
            }

            if (next == (byte)']' && StartsWith("]]>"))
            {
                throw Malformed("']]>' in text");
            }

            ReadCharacter(next, out var space);
            whitespace &= space;
        }

        NodeType = whitespace ? XmlNodeType.Whitespace : XmlNodeType.Text;
    }

    /// <summary>
    /// Decodes one character (one or two UTF-16 units) at the position into the text buffer: line ends
    /// become "\n", characters XML does not allow are refused.
    /// </summary>
    [MethodImpl(XmlRpcReader.Hot)]
    private void ReadCharacter(int first, out bool space)
    {
        space = false;
        if (first < 0)
        {
            throw Malformed("the document ended early (truncated)");
        }

        var b = (byte)first;
        if (b < 0x80)
        {
            if (b == (byte)'\r')
            {
                Consume(1, false);
                if (Available(1) && _buffer[_position] == (byte)'\n')
                {
                    Consume(1, true);
                }
                else
                {
                    NewLine();
                }

                space = true;
                AppendChar('\n');
                return;
            }

            if (b < 0x20 && b != (byte)'\t' && b != (byte)'\n')
            {
                throw Malformed("the character 0x" + b.ToString("X2") + " is not allowed in XML");
            }

            space = b == (byte)' ' || b == (byte)'\t' || b == (byte)'\n';
            Consume(1, b == (byte)'\n');
            AppendChar((char)b);
            return;
        }

        int length, codePoint, min;
        if ((b & 0xE0) == 0xC0)
        {
            length = 2;
            codePoint = b & 0x1F;
            min = 0x80;
        }
        else if ((b & 0xF0) == 0xE0)
        {
            length = 3;
            codePoint = b & 0x0F;
            min = 0x800;
        }
        else if ((b & 0xF8) == 0xF0)
        {
            length = 4;
            codePoint = b & 0x07;
            min = 0x10000;
        }
        else
        {
            throw Malformed("invalid UTF-8");
        }

        if (!Available(length))
        {
            throw Malformed("the document ended early (truncated)");
        }

        for (var i = 1; i < length; i++)
        {
            var c = _buffer[_position + i];
            if ((c & 0xC0) != 0x80)
            {
                throw Malformed("invalid UTF-8");
            }

            codePoint = (codePoint << 6) | (c & 0x3F);
        }

        if (codePoint < min || codePoint > 0x10FFFF || codePoint >= 0xD800 && codePoint <= 0xDFFF)
        {
            throw Malformed("invalid UTF-8");
        }

        if (codePoint == 0xFFFE || codePoint == 0xFFFF)
        {
            throw Malformed("the character U+" + codePoint.ToString("X4") + " is not allowed in XML");
        }

        _position += length;
        AppendCodePoint(codePoint);
    }

    /// <summary>At '&amp;': an entity or character reference, appended to the text.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    private void ReadReference()
    {
        _position++;
        if (Peek() == (byte)'#')
        {
            _position++;
            var hex = Peek() == (byte)'x';
            if (hex)
            {
                _position++;
            }

            long value = 0;
            var digits = 0;
            while (true)
            {
                var b = Peek();
                int digit;
                if (b >= '0' && b <= '9')
                {
                    digit = b - '0';
                }
                else if (hex && b >= 'a' && b <= 'f')
                {
                    digit = b - 'a' + 10;
                }
                else if (hex && b >= 'A' && b <= 'F')
                {
                    digit = b - 'A' + 10;
                }
                else
                {
                    break;
                }

                value = value * (hex ? 16 : 10) + digit;
                if (value > 0x10FFFF)
                {
                    throw Malformed("a character reference out of range");
                }

                digits++;
                _position++;
            }

            if (digits == 0 || Peek() != (byte)';')
            {
                throw Malformed("a malformed character reference");
            }

            _position++;
            var c = (int)value;
            var allowed = c == 0x9 || c == 0xA || c == 0xD || c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD || c >= 0x10000;
            if (!allowed)
            {
                throw Malformed("the character reference &#" + c + "; is not allowed in XML");
            }

            AppendCodePoint(c);
            return;
        }

        var name = ReadName(out _);
        if (Peek() != (byte)';')
        {
            throw Malformed("an entity reference without ';'");
        }

        _position++;
        switch (name)
        {
            case "lt":
                AppendChar('<');
                return;
            case "gt":
                AppendChar('>');
                return;
            case "amp":
                AppendChar('&');
                return;
            case "quot":
                AppendChar('"');
                return;
            case "apos":
                AppendChar('\'');
                return;
            default:
                throw Malformed("reference to the undeclared entity '" + name + "' (a DTD is prohibited)");
        }
    }

    /// <summary>An XML name; names are shared between tags (XML-RPC uses a dozen), found by a hash of their bytes.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    private string ReadName(out byte[] utf8)
    {
        var start = _position;
        var hash = 0;
        while (true)
        {
            // A tight loop over what is buffered; only a name cut by the buffer's end goes round again.
            var buffer = _buffer;
            var position = _position;
            var end = _end;
            while (position < end)
            {
                var b = buffer[position];
                if (!NameBytes[b] || position == start && b is >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'.')
                {
                    break;
                }

                hash = unchecked(hash * 31 + b);
                position++;
            }

            _position = position;
            if (_position - start > 1024)
            {
                throw Malformed("a name longer than 1024 bytes");
            }

            if (position < end)
            {
                if (buffer[position] == ':')
                {
                    throw Malformed("namespaces are not used in XML-RPC");
                }

                break;
            }

            // Keep the name in the buffer while reading more.
            var offset = _position - start;
            _position = start;
            if (!Available(offset + 1))
            {
                throw Malformed("the document ended early (truncated)");
            }

            start = _position;
            _position += offset;
        }

        var length = _position - start;
        if (length == 0)
        {
            throw Malformed("expected a name");
        }

        // Open addressing: look from the hash's slot on until the name or a free slot.
        var slot = hash & (NameSlots - 1);
        for (var probe = 0; probe < NameSlots; probe++, slot = (slot + 1) & (NameSlots - 1))
        {
            var known = _names[slot];
            if (known.Name is null)
            {
                break;
            }

            if (known.Utf8.Length == length && SameBytes(known.Utf8, start))
            {
                utf8 = known.Utf8;
                return known.Name;
            }
        }

        utf8 = new byte[length];
        Buffer.BlockCopy(_buffer, start, utf8, 0, length);
        var name = System.Text.Encoding.UTF8.GetString(utf8);
        if (Array.Exists(utf8, b => b >= 0x80))
        {
            // Rare: check the letters XML allows in names the slow way.
            try
            {
                XmlConvert.VerifyNCName(name);
            }
            catch (XmlException)
            {
                throw Malformed("the name '" + name + "' is not a valid XML name");
            }
        }

        Remember(utf8, name, hash);
        return name;
    }

    /// <summary>Letters, digits, '_', '-', '.' and anything not ASCII (left to the UTF-8 checks of the text).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsNameByte(byte b) => NameBytes[b];

    private static readonly bool[] NameBytes = CreateNameBytes();

    /// <summary>The bytes that end a run of plain text: markup, references, a possible CDATA end, control characters and UTF-8.</summary>
    private static readonly bool[] TextStops = CreateTextStops();

    private static bool[] CreateTextStops()
    {
        var table = new bool[256];
        for (var b = 0; b < 256; b++)
        {
            table[b] = b < 0x20 || b >= 0x80 || b == '<' || b == '&' || b == ']';
        }

        return table;
    }

    private static bool[] CreateNameBytes()
    {
        var table = new bool[256];
        for (var b = 0; b < 256; b++)
        {
            table[b] = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-' || b == '.' || b >= 0x80;
        }

        return table;
    }

    [MethodImpl(XmlRpcReader.Hot)]
    private bool SameBytes(byte[] utf8, int start)
    {
        for (var i = 0; i < utf8.Length; i++)
        {
            if (_buffer[start + i] != utf8[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Skips XML whitespace; true if there was any.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    private bool SkipSpaces()
    {
        var any = false;
        while (true)
        {
            var b = Peek();
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r')
            {
                return any;
            }

            Consume(1, b == '\n');
            any = true;
        }
    }

    private bool StartsWith(string ascii)
    {
        // Only asked where the document cannot end yet: inside markup or an element.
        if (!Available(ascii.Length))
        {
            throw Malformed("the document ended early (truncated)");
        }

        for (var i = 0; i < ascii.Length; i++)
        {
            if (_buffer[_position + i] != ascii[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The byte at the position, or -1 at the end of the document.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    private int Peek() => Available(1) ? _buffer[_position] : -1;

    [MethodImpl(XmlRpcReader.Hot)]
    private void Consume(int count, bool newLine)
    {
        _position += count;
        if (newLine)
        {
            NewLine();
        }
    }

    private void NewLine()
    {
        _line++;
        _lineStart = _consumed + _position;
    }

    [MethodImpl(XmlRpcReader.Hot)]
    private void AppendChar(char c)
    {
        if (_textLength == _text.Length)
        {
            GrowText(_textLength + 1);
        }

        _text[_textLength++] = c;
    }

    [MethodImpl(XmlRpcReader.Hot)]
    private void AppendCodePoint(int codePoint)
    {
        if (codePoint < 0x10000)
        {
            AppendChar((char)codePoint);
            return;
        }

        codePoint -= 0x10000;
        AppendChar((char)(0xD800 + (codePoint >> 10)));
        AppendChar((char)(0xDC00 + (codePoint & 0x3FF)));
    }

    private void GrowText(int needed)
    {
        if (needed > _maxTextLength)
        {
            throw XmlRpcReader.StringTooLong(_maxTextLength, this);
        }

        var size = (int)Math.Min(Math.Max((long)needed, (long)_text.Length * 2), (long)_maxTextLength + 1);
        Array.Resize(ref _text, size);
    }

    /// <summary>True when at least <paramref name="count"/> bytes are buffered from the position (reading more if needed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Available(int count) => _end - _position >= count || Fill(count);

    [MethodImpl(XmlRpcReader.Hot)]
    private bool Fill(int count)
    {
        if (_position > 0)
        {
            var kept = _end - _position;
            Buffer.BlockCopy(_buffer, _position, _buffer, 0, kept);
            _consumed += _position;
            _end = kept;
            _position = 0;
        }

        while (_end < count && !_eof)
        {
            var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                _eof = true;
            }

            _end += n;
        }

        return _end >= count;
    }

    private XenProtocolException Malformed(string detail) =>
        new XenProtocolException("malformed XML: " + detail + " (line " + LineNumber + ", position " + LinePosition + ")");
}
