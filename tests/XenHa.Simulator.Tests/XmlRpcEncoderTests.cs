using System.Collections.Generic;
using System.Text;
using XenHa.Simulator.Protocol;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>The XML-RPC encoder writes UTF-8 straight into pooled segments: the bytes must be those of the escaped text.</summary>
public class XmlRpcEncoderTests
{
    [Fact]
    public void Escapes_markup_and_drops_control_characters()
    {
        var text = XmlRpc.ValueText("a&b<c>d\"e\u0001f\tg\nh\ri\u001Fj");
        Assert.Equal("<value>a&amp;b&lt;c&gt;d&quot;ef\tg\nh\rij</value>", text);
    }

    [Fact]
    public void Scalars_maps_and_arrays_keep_xapi_shape()
    {
        var value = new Dictionary<string, object?>
        {
            ["s"] = "x",
            ["n"] = -42L,
            ["i4"] = new I4(7),
            ["b"] = true,
            ["l"] = new List<object?> { "a", null },
            ["m"] = new Dictionary<string, object?>(),
        };
        Assert.Equal(
            "<value><struct><member><name>s</name><value>x</value></member><member><name>n</name><value>-42</value></member>"
            + "<member><name>i4</name><value><i4>7</i4></value></member><member><name>b</name><value><boolean>1</boolean></value></member>"
            + "<member><name>l</name><value><array><data><value>a</value><value></value></data></array></value></member>"
            + "<member><name>m</name><value><struct></struct></value></member></struct></value>",
            XmlRpc.ValueText(value));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(21000)]
    [InlineData(70000)]
    public void Long_and_non_ascii_text_crosses_segments_unchanged(int padding)
    {
        // Many values whose UTF-8 forms (1 to 4 bytes a character, surrogate pairs included) straddle the 64 KiB segment edges.
        var values = new List<object?>();
        var expected = new StringBuilder("<value><array><data>");
        for (var i = 0; i < 40; i++)
        {
            var s = new string('p', padding + i) + "é€😀&" + i;
            values.Add(s);
            expected.Append("<value>").Append(s.Replace("&", "&amp;")).Append("</value>");
        }

        expected.Append("</data></array></value>");
        using var response = XmlRpc.Success(values);
        var bytes = response.ToArray();
        Assert.Equal(bytes.Length, response.Length);
        var head = "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name>";
        var tail = "</member></struct></value></param></params></methodResponse>";
        Assert.Equal(Encoding.UTF8.GetBytes(head + expected + tail), bytes);
    }
}
