using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using XenHa.Client.XmlRpc;
using XenHa.Tests.Fuzzing;

namespace XenHa.Client.Tests;

/// <summary>
/// The decoder's XML tokenizer against System.Xml's XmlReader (with the settings a safe XML-RPC
/// reader uses): on the golden responses and their mutants both must agree on what is well-formed
/// and on every element and text, apart from the few documented places where the tokenizer is
/// stricter (see <see cref="KnownStricter"/>).
/// </summary>
public class XmlTokenizerTests
{
    private static readonly XmlReaderSettings ReferenceSettings = new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CheckCharacters = true,
    };

    /// <summary>Elements as "&lt;name&gt;", "&lt;name/&gt;", "&lt;/name&gt;"; adjacent text, CDATA and whitespace inside the root as one "text:..." token.</summary>
    private static List<string> Reference(byte[] bytes)
    {
        var tokens = new List<string>();
        StringBuilder? text = null;
        using var reader = XmlReader.Create(new MemoryStream(bytes), ReferenceSettings);
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                case XmlNodeType.EndElement:
                    AddElement(tokens, ref text, reader.NodeType, reader.Name, reader.IsEmptyElement);
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    if (reader.Depth > 0)
                    {
                        (text ??= new StringBuilder()).Append(reader.Value);
                    }

                    break;
            }
        }

        Flush(tokens, ref text);
        return tokens;
    }

    private static List<string> Tokenize(byte[] bytes) => Tokenize(new MemoryStream(bytes));

    private static List<string> Tokenize(Stream stream)
    {
        var tokens = new List<string>();
        StringBuilder? text = null;
        var tokenizer = new XmlTokenizer(stream, 1000, 1 << 24);
        while (true)
        {
            tokenizer.TruncateText(0);
            if (!tokenizer.Read())
            {
                break;
            }

            switch (tokenizer.NodeType)
            {
                case XmlNodeType.Element:
                case XmlNodeType.EndElement:
                    AddElement(tokens, ref text, tokenizer.NodeType, tokenizer.Name, tokenizer.IsEmptyElement);
                    break;
                default:
                    (text ??= new StringBuilder()).Append(tokenizer.TextString);
                    break;
            }
        }

        Flush(tokens, ref text);
        return tokens;
    }

    private static void AddElement(List<string> tokens, ref StringBuilder? text, XmlNodeType type, string name, bool empty)
    {
        Flush(tokens, ref text);
        tokens.Add(type == XmlNodeType.EndElement ? "</" + name + ">" : empty ? "<" + name + "/>" : "<" + name + ">");
    }

    private static void Flush(List<string> tokens, ref StringBuilder? text)
    {
        if (text is not null)
        {
            tokens.Add("text:" + text);
            text = null;
        }
    }

    /// <summary>
    /// Inputs XmlReader takes and the tokenizer refuses on purpose: encodings other than UTF-8,
    /// namespace prefixes, a document that is not UTF-8 at all, names over 1 KiB, nesting past its limit,
    /// an XML declaration with more than "1.0" in its version (XmlReader checks only the start), and
    /// documents that are not valid UTF-8.
    /// </summary>
    private static bool KnownStricter(byte[] bytes, XenProtocolException refusal) =>
        refusal.Detail.Contains("encoding") || refusal.Detail.Contains("namespaces") || refusal.Detail.Contains("only UTF-8")
        || refusal.Detail.Contains("a name longer than") || refusal.Detail.Contains("nested deeper than")
        || refusal.Detail.Contains("the XML declaration is invalid")
        || !IsUtf8(bytes);

    /// <summary>XmlReader lets some invalid UTF-8 through (a cut sequence at the very end); the tokenizer never does.</summary>
    private static bool IsUtf8(byte[] bytes)
    {
        try
        {
            _ = new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Runs both; throws (a fuzz failure) when they disagree.</summary>
    private static void Compare(byte[] bytes)
    {
        List<string>? expected = null;
        Exception? referenceError = null;
        try
        {
            expected = Reference(bytes);
        }
        catch (Exception e) when (e is XmlException or DecoderFallbackException)
        {
            referenceError = e;
        }

        List<string> actual;
        try
        {
            actual = Tokenize(bytes);
        }
        catch (XenProtocolException e)
        {
            if (referenceError is null && !KnownStricter(bytes, e))
            {
                throw new InvalidOperationException("the tokenizer refused what XmlReader reads: " + e.Detail);
            }

            return;
        }

        if (referenceError is not null)
        {
            throw new InvalidOperationException("the tokenizer read what XmlReader refuses: " + referenceError.Message);
        }

        if (!expected!.SequenceEqual(actual))
        {
            var at = expected!.Zip(actual, (e, a) => e == a).TakeWhile(same => same).Count();
            throw new InvalidOperationException("different tokens at " + at + ": XmlReader '" + expected!.ElementAtOrDefault(at) + "', tokenizer '" + actual.ElementAtOrDefault(at) + "'");
        }
    }

    public static IEnumerable<object[]> Fixtures() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "xmlrpc"), "*.xml").Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Golden_responses_tokenize_as_XmlReader_reads_them(string file) => Compare(File.ReadAllBytes(Fixture.Path(file)));

    [Theory]
    [InlineData("<a>x &lt; y &gt; z &amp; &quot;q&quot; &apos;s&apos;</a>")]
    [InlineData("<a>&#65;&#x42;&#x1F600;&#10;</a>")]
    [InlineData("<a><![CDATA[<b>&amp;]]]]><![CDATA[>]]>tail</a>")]
    [InlineData("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c --><?pi x?><a><!-- inner --><b/>t<?p?>u</a>\n<!-- after -->\n")]
    [InlineData("\uFEFF<a>bom</a>")]
    [InlineData("<a>line1\r\nline2\rline3\n</a>")]
    [InlineData("<a x='1' y=\"&amp;2\"  >v</a>")]
    [InlineData("<a>  <b> </b>\t</a>")]
    [InlineData("<a>é ü ☃ 𝄞 \u00A0</a>")]
    [InlineData("<a>]] ] > </a>")]
    [InlineData("<x.y-z_1>n</x.y-z_1 >")]
    public void Well_formed_documents_tokenize_as_XmlReader_reads_them(string xml) => Compare(Encoding.UTF8.GetBytes(xml));

    [Theory]
    [InlineData("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", "DTD")]
    [InlineData("<a>&e;</a>", "undeclared entity")]
    [InlineData("<a>&#0;</a>", "not allowed")]
    [InlineData("<a>&#xD800;</a>", "not allowed")]
    [InlineData("<a>&#65</a>", "character reference")]
    [InlineData("<a></b>", "does not match")]
    [InlineData("<a></ab>", "does not match")]
    [InlineData("<a/><b/>", "second root")]
    [InlineData("x<a/>", "root level")]
    [InlineData("<a/>x", "after the root")]
    [InlineData("<a>]]></a>", "']]>'")]
    [InlineData("<a>\u0001</a>", "not allowed")]
    [InlineData("<a><!-- a -- b --></a>", "'--'")]
    [InlineData("<a x=1/>", "not quoted")]
    [InlineData("<a x='<'/>", "'<'")]
    [InlineData("<a><b></a>", "does not match")]
    [InlineData("<a>", "truncated")]
    [InlineData("<a><b>text", "truncated")]
    [InlineData("", "no root")]
    [InlineData("<p:a/>", "namespaces")]
    [InlineData("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", "encoding")]
    [InlineData("<a/><?xml version=\"1.0\"?>", "XML declaration")]
    public void Malformed_documents_are_refused_with_the_reason_and_place(string xml, string reason)
    {
        var ex = Assert.Throws<XenProtocolException>(() => Tokenize(Encoding.UTF8.GetBytes(xml)));
        Assert.Contains(reason, ex.Detail);
        Assert.Contains("malformed XML", ex.Detail);
        Assert.Contains("line 1, position", ex.Detail);
        if (!ex.Detail.Contains("namespaces") && !ex.Detail.Contains("encoding"))
        {
            Assert.ThrowsAny<XmlException>(() => Reference(Encoding.UTF8.GetBytes(xml)));
        }
    }

    [Theory]
    [InlineData(new byte[] { (byte)'<', (byte)'a', (byte)'>', 0xC3, (byte)'<', (byte)'/', (byte)'a', (byte)'>' })]
    [InlineData(new byte[] { (byte)'<', (byte)'a', (byte)'>', 0xC0, 0x80, (byte)'<', (byte)'/', (byte)'a', (byte)'>' })]
    [InlineData(new byte[] { (byte)'<', (byte)'a', (byte)'>', 0xED, 0xA0, 0x80, (byte)'<', (byte)'/', (byte)'a', (byte)'>' })]
    [InlineData(new byte[] { (byte)'<', (byte)'a', (byte)'>', 0xFF, (byte)'<', (byte)'/', (byte)'a', (byte)'>' })]
    [InlineData(new byte[] { (byte)'<', (byte)'a', (byte)'>', 0xEF, 0xBF, 0xBF, (byte)'<', (byte)'/', (byte)'a', (byte)'>' })]
    public void Invalid_utf8_is_refused(byte[] bytes)
    {
        var ex = Assert.Throws<XenProtocolException>(() => Tokenize(bytes));
        Assert.Contains("malformed XML", ex.Detail);
    }

    [Fact]
    public void Line_and_position_point_at_the_fault()
    {
        var ex = Assert.Throws<XenProtocolException>(() => Tokenize(Encoding.UTF8.GetBytes("<a>\n  <b>\n    &oops;</b></a>")));
        Assert.Contains("line 3, position", ex.Detail);
    }

    [Fact]
    public void Tokens_split_across_reads_of_one_byte_at_a_time_are_the_same()
    {
        // Every buffer boundary case at once: names, references, UTF-8 sequences and CRLF cut anywhere.
        var bytes = File.ReadAllBytes(Fixture.Path("response-vm-get_all_records.xml"));
        var extra = Encoding.UTF8.GetBytes("<a b='c'>x&amp;y&#x1F600;é\r\n𝄞<![CDATA[z]]></a>");
        foreach (var doc in new[] { bytes, extra })
        {
            Assert.Equal(Reference(doc), Tokenize(new OneByteStream(doc)));
        }
    }

    [Fact]
    public void Mutated_golden_responses_tokenize_as_XmlReader_reads_them()
    {
        var seeds = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "xmlrpc"), "*.xml").Select(File.ReadAllBytes).ToList();
        var report = Fuzzer.Run("xml-tokenizer-vs-xmlreader", Fuzzer.Mutants(seeds, json: false), input => Compare(input.Bytes), _ => false);
        Assert.True(report.Failures.Count == 0, report.ToString());
        Assert.True(report.Tried > 0, report.ToString());
    }

    /// <summary>A stream that hands out one byte per read, as a slow network might.</summary>
    private sealed class OneByteStream : MemoryStream
    {
        public OneByteStream(byte[] bytes)
            : base(bytes)
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));
    }
}
