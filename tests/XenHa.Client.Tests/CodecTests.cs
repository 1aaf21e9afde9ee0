using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Xml;
using XenHa.Client.XmlRpc;

namespace XenHa.Client.Tests;

public class CodecTests
{
    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("a & b < c > d \" e ' f")]
    [InlineData("tab\tnewline\nend")]
    [InlineData("ünïcødé ✓ 中文")]
    [InlineData("non-BMP 🚀 𝄞")]
    [InlineData("  leading and trailing spaces  ")]
    [InlineData("<value>OpaqueRef:x</value>")]
    public void StringsRoundTrip(string value) => Assert.Equal(value, Wire.RoundTrip<string>(value));

    [Fact]
    public void CarriageReturnSurvivesXmlNewlineNormalisation()
    {
        Assert.Equal("a\r\nb\rc", Wire.RoundTrip<string>("a\r\nb\rc"));
        var text = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("m", new object?[] { "a\rb" }));
        Assert.Contains("a&#xD;b", text);
    }

    [Fact]
    public void ControlCharactersAreDroppedLikeXapiDoesAndTheRequestStaysValidXml()
    {
        var value = "a\u0001b\u0008c\u001Fd\te\u0000f\uFFFEg" + "\uD800" + "h";
        var bytes = XmlRpcRequestWriter.ToBytes("m", new object?[] { value, new Dictionary<string, string> { ["k\u0002"] = "v\u0003" } });
        var doc = new XmlDocument();
        doc.LoadXml(Encoding.UTF8.GetString(bytes));
        Assert.Equal("abcd\tefgh", Wire.RoundTrip<string>(value));
        Assert.Contains("<name>k</name><value>v</value>", Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(-42L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    [InlineData(8589934592L)]
    public void LongsRoundTripAsUntypedDigitStrings(long value)
    {
        Assert.Equal(value, Wire.RoundTrip<long>(value));
        var text = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("m", new object?[] { value }));
        Assert.Contains("<param><value>" + value.ToString(System.Globalization.CultureInfo.InvariantCulture) + "</value></param>", text);
    }

    [Fact]
    public void IntsAreSentUntypedToo()
    {
        var text = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("m", new object?[] { 5, (short)-3, 7u }));
        Assert.Contains("<param><value>5</value></param><param><value>-3</value></param><param><value>7</value></param>", text);
        Assert.DoesNotContain("<int>", text);
        Assert.DoesNotContain("<i4>", text);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(-2.75)]
    [InlineData(0.1)]
    [InlineData(1e300)]
    [InlineData(5e-324)]
    [InlineData(double.MaxValue)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.NaN)]
    public void DoublesRoundTrip(double value) => Assert.Equal(value, Wire.RoundTrip<double>(value));

    [Fact]
    public void DoublesUseInvariantCulture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            var text = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("m", new object?[] { 1.25 }));
            Assert.Contains("<double>1.25</double>", text);
            Assert.Equal(1.25, Wire.RoundTrip<double>(1.25));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BoolsRoundTrip(bool value) => Assert.Equal(value, Wire.RoundTrip<bool>(value));

    [Theory]
    [InlineData("<boolean>1</boolean>", true)]
    [InlineData("<boolean>0</boolean>", false)]
    [InlineData("<boolean>true</boolean>", false)]
    [InlineData("<boolean>TRUE</boolean>", false)]
    [InlineData("<boolean></boolean>", false)]
    public void OnlyTheTextOneIsTrue(string xml, bool expected)
    {
        Assert.Equal(expected, XmlRpcResponseReader.Read<bool>(Wire.Utf8(Wire.Success("<value>" + xml + "</value>"))));
        Assert.Equal(expected, XmlRpcResponseReader.ReadGeneric(Wire.Utf8(Wire.Success("<value>" + xml + "</value>"))));
    }

    [Theory]
    [InlineData("20250319T04:16:24Z")]
    [InlineData("20250319T041624Z")]
    [InlineData("2025-03-19T04:16:24Z")]
    [InlineData("2025-03-19T04:16:24")]
    [InlineData("20250319T04:16:24")]
    [InlineData("2025-03-19T06:16:24+02:00")]
    [InlineData("2025-03-19T01:16:24-0300")]
    [InlineData("20250319T04:16:24.000Z")]
    public void DateTimesDecodeInBasicAndExtendedForms(string text)
    {
        var expected = new DateTime(2025, 3, 19, 4, 16, 24, DateTimeKind.Utc);
        var typed = XmlRpcResponseReader.Read<DateTime>(Wire.Utf8(Wire.Success("<value><dateTime.iso8601>" + text + "</dateTime.iso8601></value>")));
        Assert.Equal(expected, typed);
        Assert.Equal(DateTimeKind.Utc, typed.Kind);
        Assert.Equal(expected, XmlRpcResponseReader.Read<DateTime>(Wire.Utf8(Wire.Success("<value>" + text + "</value>"))));
        Assert.Equal(expected, XmlRpcResponseReader.ReadGeneric(Wire.Utf8(Wire.Success("<value><dateTime.iso8601>" + text + "</dateTime.iso8601></value>"))));
    }

    [Fact]
    public void DateTimesAreSentInXapiFormatInUtc()
    {
        var local = new DateTime(2025, 3, 19, 4, 16, 24, DateTimeKind.Utc).ToLocalTime();
        var text = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("m", new object?[] { local, new DateTime(1970, 1, 1) }));
        Assert.Contains("<dateTime.iso8601>20250319T04:16:24Z</dateTime.iso8601>", text);
        Assert.Contains("<dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601>", text);
        Assert.Equal(new DateTime(2025, 3, 19, 4, 16, 24, DateTimeKind.Utc), Wire.RoundTrip<DateTime>(local));
    }

    [Theory]
    [InlineData("<int>42</int>")]
    [InlineData("<i4>42</i4>")]
    [InlineData("<i8>42</i8>")]
    [InlineData("<string>42</string>")]
    [InlineData("42")]
    [InlineData(" 42 ")]
    public void IntsAreAcceptedInEveryForm(string xml)
    {
        Assert.Equal(42L, XmlRpcResponseReader.Read<long>(Wire.Utf8(Wire.Success("<value>" + xml + "</value>"))));
        Assert.Equal(42, XmlRpcResponseReader.Read<int>(Wire.Utf8(Wire.Success("<value>" + xml + "</value>"))));
    }

    [Fact]
    public void GenericDecodeUsesTheDocumentedTypes()
    {
        var xml = "<value><struct>"
            + "<member><name>s</name><value>text</value></member>"
            + "<member><name>ts</name><value><string>typed</string></value></member>"
            + "<member><name>i</name><value><i8>9223372036854775807</i8></value></member>"
            + "<member><name>b</name><value><boolean>1</boolean></value></member>"
            + "<member><name>d</name><value><double>2.5</double></value></member>"
            + "<member><name>t</name><value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value></member>"
            + "<member><name>n</name><value><nil/></value></member>"
            + "<member><name>e</name><value/></member>"
            + "<member><name>a</name><value><array><data><value>x</value><value><int>1</int></value></data></array></value></member>"
            + "</struct></value>";
        var map = Assert.IsType<Dictionary<string, object?>>(XmlRpcResponseReader.ReadGeneric(Wire.Utf8(Wire.Success(xml))));
        Assert.Equal(new[] { "s", "ts", "i", "b", "d", "t", "n", "e", "a" }, map.Keys);
        Assert.Equal("text", map["s"]);
        Assert.Equal("typed", map["ts"]);
        Assert.Equal(long.MaxValue, map["i"]);
        Assert.Equal(true, map["b"]);
        Assert.Equal(2.5, map["d"]);
        Assert.Equal(XenDefaults.Epoch, map["t"]);
        Assert.Null(map["n"]);
        Assert.Equal("", map["e"]);
        Assert.Equal(new object?[] { "x", 1L }, Assert.IsType<object?[]>(map["a"]));
    }

    [Fact]
    public void WhitespaceBetweenElementsIsTolerated()
    {
        var xml = "<?xml version=\"1.0\"?>\n<methodResponse>\n  <params>\n    <param>\n      <value>\n        <struct>\n"
            + "          <member>\n            <name>Value</name>\n            <value>\n              <array>\n                <data>\n"
            + "                  <value>a</value>\n                  <value> b </value>\n                </data>\n              </array>\n            </value>\n          </member>\n"
            + "          <member><name>Status</name><value>Success</value></member>\n"
            + "        </struct>\n      </value>\n    </param>\n  </params>\n</methodResponse>\n";
        Assert.Equal(new[] { "a", " b " }, XmlRpcResponseReader.Read<List<string>>(Wire.Utf8(xml)));
    }

    [Fact]
    public void NestedMapsRoundTripThreeAndMoreLevelsDeep()
    {
        var value = new Dictionary<string, object>
        {
            ["l1"] = new Dictionary<string, object>
            {
                ["l2"] = new Dictionary<string, object>
                {
                    ["l3"] = new Dictionary<string, object> { ["l4"] = "deep", ["n"] = 7L },
                    ["list"] = new object[] { "x", new Dictionary<string, object> { ["k"] = true } },
                },
            },
            ["empty"] = new Dictionary<string, object>(),
            ["emptyList"] = new string[0],
        };
        var back = Assert.IsType<Dictionary<string, object?>>(Wire.RoundTrip<object>(value));
        var l3 = (Dictionary<string, object?>)((Dictionary<string, object?>)((Dictionary<string, object?>)back["l1"]!)["l2"]!)["l3"]!;
        Assert.Equal("deep", l3["l4"]);
        Assert.Equal("7", l3["n"]);
        var list = (object?[])((Dictionary<string, object?>)((Dictionary<string, object?>)back["l1"]!)["l2"]!)["list"]!;
        Assert.Equal(true, ((Dictionary<string, object?>)list[1]!)["k"]);
        Assert.Empty((Dictionary<string, object?>)back["empty"]!);
        Assert.Empty((object?[])back["emptyList"]!);
    }

    [Theory]
    [InlineData("<value><array><data></data></array></value>")]
    [InlineData("<value><array><data/></array></value>")]
    [InlineData("<value><array/></value>")]
    [InlineData("<value><array>\n</array></value>")]
    public void EmptyArraysDecode(string xml)
    {
        Assert.Empty(XmlRpcResponseReader.Read<List<string>>(Wire.Utf8(Wire.Success(xml))));
        Assert.Empty(Assert.IsType<object?[]>(XmlRpcResponseReader.ReadGeneric(Wire.Utf8(Wire.Success(xml)))));
    }

    [Theory]
    [InlineData("<value><struct></struct></value>")]
    [InlineData("<value><struct/></value>")]
    public void EmptyStructsDecode(string xml)
    {
        Assert.Empty(XmlRpcResponseReader.Read<Dictionary<string, string>>(Wire.Utf8(Wire.Success(xml))));
        var vm = XmlRpcResponseReader.Read<Vm>(Wire.Utf8(Wire.Success(xml)));
        Assert.Equal("", vm.NameLabel);
        Assert.Equal(VmPowerState.Unknown, vm.PowerState);
    }

    [Fact]
    public void EmptyContainersInsideRecordsDoNotDisturbTheFollowingFields()
    {
        var xml = "<value><struct><member><name>tags</name><value><array><data/></array></value></member>"
            + "<member><name>other_config</name><value><struct/></value></member>"
            + "<member><name>VIFs</name><value><array/></value></member>"
            + "<member><name>name_label</name><value>after</value></member></struct></value>";
        var vm = XmlRpcResponseReader.Read<Vm>(Wire.Utf8(Wire.Success(xml)));
        Assert.Equal("after", vm.NameLabel);
        Assert.Empty(vm.Tags);
    }

    [Fact]
    public void RecordsEncodeAsStructsWithWireNames()
    {
        var vbd = new Vbd { VM = new XenRef<Vm>("OpaqueRef:vm"), Userdevice = "0", Bootable = true, Mode = "RW", Type = "Disk" };
        var text = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("VBD.create", new object?[] { "OpaqueRef:s", vbd }));
        Assert.Contains("<member><name>VM</name><value>OpaqueRef:vm</value></member>", text);
        Assert.Contains("<member><name>VDI</name><value>OpaqueRef:NULL</value></member>", text);
        Assert.Contains("<member><name>bootable</name><value><boolean>1</boolean></value></member>", text);
        var back = Wire.RoundTrip<Vbd>(vbd);
        Assert.Equal(vbd.VM, back.VM);
        Assert.Equal("Disk", back.Type);
    }

    [Fact]
    public void TypedMapsAndEnumsDecode()
    {
        var xml = "<value><struct><member><name>OpaqueRef:a</name><value>Running</value></member><member><name>OpaqueRef:b</name><value>weird</value></member></struct></value>";
        var map = XmlRpcResponseReader.Read<Dictionary<XenRef<Vm>, VmPowerState>>(Wire.Utf8(Wire.Success(xml)));
        Assert.Equal(VmPowerState.Running, map[new XenRef<Vm>("OpaqueRef:a")]);
        Assert.Equal(VmPowerState.Unknown, map[new XenRef<Vm>("OpaqueRef:b")]);
        var task = XmlRpcResponseReader.Read<XenTaskStatus>(Wire.Utf8(Wire.Success("<value>cancelling</value>")));
        Assert.Equal(XenTaskStatus.Cancelling, task);
        var sent = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("task.set_status", new object?[] { XenTaskStatus.Cancelled, VmPowerState.Halted }));
        Assert.Contains("<value>cancelled</value>", sent);
        Assert.Contains("<value>Halted</value>", sent);
    }

    [Fact]
    public void NullArgumentIsAnEmptyStringValue()
    {
        var text = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("m", new object?[] { null, "" }));
        Assert.Contains("<params><param><value></value></param><param><value></value></param></params>", text);
    }

    [Fact]
    public void UnsupportedArgumentTypesAreRejectedClearly()
    {
        var ex = Assert.Throws<ArgumentException>(() => XmlRpcRequestWriter.ToBytes("m", new object?[] { new object() }));
        Assert.Contains("System.Object", ex.Message);
    }

    [Fact]
    public void ArgumentCyclesAreBounded()
    {
        var list = new List<object>();
        list.Add(list);
        Assert.Throws<ArgumentException>(() => XmlRpcRequestWriter.ToBytes("m", new object?[] { list }));
    }

    [Fact]
    public void XenRefValueSemantics()
    {
        Assert.Equal(XenRef<Vm>.Null, new XenRef<Vm>(null));
        Assert.Equal(XenRef<Vm>.Null, new XenRef<Vm>(""));
        Assert.Equal(XenRef<Vm>.Null, new XenRef<Vm>("OpaqueRef:NULL"));
        Assert.Equal(XenRef<Vm>.Null, default(XenRef<Vm>));
        Assert.True(default(XenRef<Vm>).IsNull);
        Assert.Equal("OpaqueRef:NULL", default(XenRef<Vm>).OpaqueRef);
        Assert.True(new XenRef<Vm>("OpaqueRef:a") == new XenRef<Vm>("OpaqueRef:a"));
        Assert.True(new XenRef<Vm>("OpaqueRef:a") != new XenRef<Vm>("OpaqueRef:b"));
        Assert.False(new XenRef<Vm>("OpaqueRef:a").IsNull);
        Assert.Equal("OpaqueRef:a", new XenRef<Vm>("OpaqueRef:a").ToString());
        Assert.Equal(new XenRef<Vm>("OpaqueRef:a").GetHashCode(), new XenRef<Vm>("OpaqueRef:a").GetHashCode());
    }
}
