using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using XenHa.Client.XmlRpc;

namespace XenHa.Client.Tests;

public class MalformedResponseTests
{
    private static XenProtocolException Fails<T>(string body)
    {
        var ex = Assert.Throws<XenProtocolException>(() => XmlRpcResponseReader.Read<T>(Wire.Utf8(body)));
        Assert.Equal("XENHA_PROTOCOL_ERROR", ex.Code);
        Assert.Equal(XenErrorKind.Protocol, ex.Kind);
        Assert.False(string.IsNullOrWhiteSpace(ex.Detail));
        return ex;
    }

    [Fact]
    public void TruncatedXml()
    {
        var full = Fixture.Text("response-vm-get_all_records.xml");
        foreach (var cut in new[] { 10, 100, full.Length / 2, full.Length - 30, full.Length - 1 })
        {
            var ex = Fails<Dictionary<XenRef<Vm>, Vm>>(full.Substring(0, cut));
            Assert.True(ex.Detail.Contains("truncated") || ex.Detail.Contains("malformed XML"), ex.Detail);
        }
    }

    [Fact]
    public void HtmlBody()
    {
        var ex = Fails<string>("<html><head><title>500 Internal Server Error</title></head><body>Xmlrpc.Parse_error</body></html>");
        Assert.Contains("methodResponse", ex.Detail);
        Assert.Contains("<html>", ex.Detail);
    }

    [Fact]
    public void NotXmlAtAll()
    {
        Fails<string>("Internal Server Error");
        Fails<string>("");
    }

    [Fact]
    public void MissingStatus()
    {
        var ex = Fails<string>("<methodResponse><params><param><value><struct><member><name>Value</name><value>x</value></member></struct></value></param></params></methodResponse>");
        Assert.Contains("Status", ex.Detail);
    }

    [Fact]
    public void UnknownStatus()
    {
        var ex = Fails<string>("<methodResponse><params><param><value><struct><member><name>Status</name><value>Maybe</value></member></struct></value></param></params></methodResponse>");
        Assert.Contains("Maybe", ex.Detail);
    }

    [Fact]
    public void FailureWithoutErrorDescription()
    {
        var ex = Fails<string>("<methodResponse><params><param><value><struct><member><name>Status</name><value>Failure</value></member></struct></value></param></params></methodResponse>");
        Assert.Contains("ErrorDescription", ex.Detail);
        ex = Fails<string>("<methodResponse><params><param><value><struct><member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data/></array></value></member></struct></value></param></params></methodResponse>");
        Assert.Contains("ErrorDescription", ex.Detail);
    }

    [Fact]
    public void SuccessWithoutValue()
    {
        Fails<string>("<methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member></struct></value></param></params></methodResponse>");
    }

    [Fact]
    public void StatusAfterValueStillWorks()
    {
        var body = "<methodResponse><params><param><value><struct><member><name>Value</name><value>7</value></member><member><name>Status</name><value>Success</value></member></struct></value></param></params></methodResponse>";
        Assert.Equal(7L, XmlRpcResponseReader.Read<long>(Wire.Utf8(body)));
    }

    [Theory]
    [InlineData("memory_static_max", "<value><boolean>1</boolean></value>", "an int")]
    [InlineData("memory_static_max", "<value>lots</value>", "'lots'")]
    [InlineData("name_label", "<value><array><data/></array></value>", "<array>")]
    [InlineData("VBDs", "<value>OpaqueRef:x</value>", "<array>")]
    [InlineData("other_config", "<value><array><data/></array></value>", "<struct>")]
    [InlineData("is_a_template", "<value>maybe</value>", "boolean")]
    [InlineData("snapshot_time", "<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>", "dateTime")]
    [InlineData("HVM_shadow_multiplier", "<value><double>one</double></value>", "double")]
    [InlineData("tags", "<value><array><data><value><struct/></value></data></array></value>", "string")]
    public void WrongTypeForARecordFieldNamesClassAndField(string field, string valueXml, string seen)
    {
        var body = Wire.Success("<value><struct><member><name>OpaqueRef:a</name><value><struct><member><name>" + field + "</name>" + valueXml + "</member></struct></value></member></struct></value>");
        var ex = Fails<Dictionary<XenRef<Vm>, Vm>>(body);
        Assert.Contains("'" + field + "'", ex.Detail);
        Assert.Contains("'VM'", ex.Detail);
        Assert.Contains(seen, ex.Detail);
    }

    [Fact]
    public void WrongShapeForTheWholeResult()
    {
        var ex = Fails<Dictionary<XenRef<Vm>, Vm>>(Wire.Success("<value>OpaqueRef:x</value>"));
        Assert.Contains("struct", ex.Detail);
        Fails<long>(Wire.Success("<value><array><data/></array></value>"));
        Fails<int>(Wire.Success("<value>99999999999</value>"));
        Fails<XenRef<Vm>>(Wire.Success("<value><struct/></value>"));
    }

    [Fact]
    public void DoctypeAndEntityExpansionAreRejected()
    {
        var bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
            + "<methodResponse><params><param><value>&lol2;</value></param></params></methodResponse>";
        var ex = Fails<string>(bomb);
        Assert.Contains("DTD", ex.Detail);
        var external = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><methodResponse><params><param><value>&x;</value></param></params></methodResponse>";
        Fails<string>(external);
    }

    [Fact]
    public void TooDeepNestingIsRejected()
    {
        var depth = 100;
        var sb = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            sb.Append("<value><array><data>");
        }

        sb.Append("<value>x</value>");
        for (var i = 0; i < depth; i++)
        {
            sb.Append("</data></array></value>");
        }

        var ex = Fails<object>(Wire.Success(sb.ToString()));
        Assert.Contains("nested", ex.Detail);
    }

    [Fact]
    public void ModerateNestingIsFine()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 30; i++)
        {
            sb.Append("<value><struct><member><name>k</name>");
        }

        sb.Append("<value>x</value>");
        for (var i = 0; i < 30; i++)
        {
            sb.Append("</member></struct></value>");
        }

        Assert.IsType<Dictionary<string, object?>>(XmlRpcResponseReader.ReadGeneric(Wire.Utf8(Wire.Success(sb.ToString()))));
    }

    [Fact]
    public void XmlRpcFaultNamesTheFault()
    {
        var body = "<?xml version=\"1.0\"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>-32601</int></value></member>"
            + "<member><name>faultString</name><value><string>method not found</string></value></member></struct></value></fault></methodResponse>";
        var ex = Fails<string>(body);
        Assert.Contains("-32601", ex.Detail);
        Assert.Contains("method not found", ex.Detail);
    }

    [Fact]
    public void UnknownTypeTagAndMixedContent()
    {
        Fails<object>(Wire.Success("<value><float>1</float></value>"));
        Fails<object>(Wire.Success("<value>text<string>x</string></value>"));
        Fails<object>(Wire.Success("<value><string>x<b/></string></value>"));
    }

    [Fact]
    public void ContentAfterTheResponseIsRejected()
    {
        Fails<string>(Fixture.Text("response-login-success.xml") + "<extra/>");
    }

    [Fact]
    public void StructMemberWithoutNameIsRejected()
    {
        Fails<object>(Wire.Success("<value><struct><member><value>x</value></member></struct></value>"));
    }

    [Fact]
    public void NoExceptionOtherThanProtocolErrorsForRandomGarbage()
    {
        var random = new Random(12345);
        var valid = Fixture.Text("response-vm-get_all_records.xml");
        for (var i = 0; i < 300; i++)
        {
            var chars = valid.ToCharArray();
            for (var j = 0; j < 3; j++)
            {
                chars[random.Next(chars.Length)] = "<>/&\"x1 "[random.Next(8)];
            }

            try
            {
                XmlRpcResponseReader.Read<Dictionary<XenRef<Vm>, Vm>>(Wire.Utf8(new string(chars)));
            }
            catch (XenProtocolException)
            {
            }
            catch (XenApiException)
            {
            }
        }
    }
}
