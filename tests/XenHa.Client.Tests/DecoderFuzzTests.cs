using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using XenHa.Client.XmlRpc;
using XenHa.Tests.Fuzzing;

namespace XenHa.Client.Tests;

/// <summary>
/// The response decoder under mutated golden responses: every input decodes or ends in
/// XenApiException (a Failure answer) / XenProtocolException, never anything else, never a hang.
/// </summary>
public class DecoderFuzzTests
{
    /// <summary>Each golden response with the type a caller decodes it into.</summary>
    private static readonly (string File, Type Type)[] Seeds =
    {
        ("response-vm-get_all_records.xml", typeof(Dictionary<XenRef<Vm>, Vm>)),
        ("response-host-get_record.xml", typeof(Host)),
        ("response-pool-get_all_records.xml", typeof(Dictionary<XenRef<Pool>, Pool>)),
        ("response-task-get_record.xml", typeof(XenTask)),
        ("response-async-task-ref.xml", typeof(XenRef<XenTask>)),
        ("response-login-success.xml", typeof(string)),
        ("response-system-listMethods.xml", typeof(List<string>)),
        ("response-void-success.xml", typeof(object)),
        ("response-failure-sr_backend_failure_96.xml", typeof(string)),
        ("response-failure-vm_bad_power_state.xml", typeof(string)),
        ("response-failure-host_is_slave.xml", typeof(string)),
    };

    /// <summary>Lower than the defaults so that the limits themselves are hit often.</summary>
    private static readonly XmlRpcLimits FuzzLimits = new XmlRpcLimits(1024 * 1024, 32, 256 * 1024);

    private static bool Documented(Exception e) => e is XenApiException;

    [Fact]
    public void Mutated_golden_responses_decode_or_fail_with_a_protocol_error()
    {
        var seeds = Seeds.Select(s => File.ReadAllBytes(Fixture.Path(s.File))).ToList();
        var report = Fuzzer.Run("client-decoder", Fuzzer.Mutants(seeds, json: false), input =>
        {
            // The type a caller would decode the seed into, then the generic decoder.
            var type = Seeds[input.Seed].Type;
            try
            {
                XmlRpcResponseReader.Read(new MemoryStream(input.Bytes), XmlRpcDecoders.For(type), type, FuzzLimits);
            }
            finally
            {
                XmlRpcResponseReader.Read(new MemoryStream(input.Bytes), XmlRpcDecoders.Generic, typeof(object), FuzzLimits);
            }
        }, Documented);
        Assert.True(report.Failures.Count == 0, report.ToString());
        Assert.True(report.Tried > 0, report.ToString());
    }

    [Fact]
    public void Doctype_and_external_entities_are_refused()
    {
        var xxe = "<?xml version=\"1.0\"?><!DOCTYPE methodResponse [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
                  + "<methodResponse><params><param><value>&xxe;</value></param></params></methodResponse>";
        var ex = Assert.Throws<XenProtocolException>(() => XmlRpcResponseReader.ReadGeneric(Wire.Utf8(xxe)));
        Assert.Contains("DTD", ex.Detail);
        Assert.DoesNotContain("root:", ex.Message);
    }

    [Fact]
    public void A_response_over_the_size_limit_fails_with_a_clear_error()
    {
        var big = Wire.Success("<value>" + new string('a', 2048) + "</value>");
        var ex = Assert.Throws<XenProtocolException>(() =>
            XmlRpcResponseReader.Read(Wire.Utf8(big), XmlRpcDecoders.Generic, typeof(object), new XmlRpcLimits(1024, 64, 1 << 20)));
        Assert.Contains("larger than 1024 bytes", ex.Detail);
        Assert.Contains("MaxResponseBytes", ex.Detail);
    }

    [Fact]
    public void A_string_over_the_length_limit_fails_with_a_clear_error()
    {
        var body = Wire.Success("<value>" + new string('a', 5000) + "</value>");
        var ex = Assert.Throws<XenProtocolException>(() =>
            XmlRpcResponseReader.Read(Wire.Utf8(body), XmlRpcDecoders.Generic, typeof(object), new XmlRpcLimits(1 << 20, 64, 4096)));
        Assert.Contains("longer than 4096 characters", ex.Detail);
        Assert.Equal("aaaaaaaaaa", (string)XmlRpcResponseReader.Read(Wire.Utf8(Wire.Success("<value>aaaaaaaaaa</value>")), XmlRpcDecoders.Generic, typeof(object),
            new XmlRpcLimits(1 << 20, 64, 16))!);
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(5, false)]
    public void Nesting_is_limited(int depth, bool accepted)
    {
        // The Status/Value envelope is the first level.
        var value = string.Concat(Enumerable.Repeat("<value><array><data>", depth)) + string.Concat(Enumerable.Repeat("</data></array></value>", depth));
        var limits = new XmlRpcLimits(1 << 20, 5, 1 << 20);
        if (accepted)
        {
            XmlRpcResponseReader.Read(Wire.Utf8(Wire.Success(value)), XmlRpcDecoders.Generic, typeof(object), limits);
            return;
        }

        var ex = Assert.Throws<XenProtocolException>(() => XmlRpcResponseReader.Read(Wire.Utf8(Wire.Success(value)), XmlRpcDecoders.Generic, typeof(object), limits));
        Assert.Contains("nested deeper than 5 levels", ex.Detail);
    }

    [Fact]
    public void Session_options_carry_the_limits_and_reject_nonsense()
    {
        var options = new XenSessionOptions { MaxStringLength = 10, MaxNestingDepth = 3, MaxResponseBytes = 100 };
        var limits = XmlRpcLimits.From(options);
        Assert.Equal((100L, 3, 10), (limits.MaxResponseBytes, limits.MaxNestingDepth, limits.MaxStringLength));
        Assert.Same(XmlRpcLimits.Default, XmlRpcLimits.From(new XenSessionOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => XmlRpcLimits.From(new XenSessionOptions { MaxNestingDepth = 0 }));
    }

    [Fact]
    public void The_defaults_hold_a_10000_vm_get_all_records()
    {
        // 10,000 copies of the golden guest record: about 70 MB on the wire, well inside the defaults.
        var text = Fixture.Text("response-vm-get_all_records.xml");
        var first = text.IndexOf("<member><name>OpaqueRef:", StringComparison.Ordinal);
        var second = text.IndexOf("<member><name>OpaqueRef:", first + 10, StringComparison.Ordinal);
        var end = text.LastIndexOf("</struct></value></member></struct></value></param>", StringComparison.Ordinal);
        var guest = text.Substring(second, end - second);
        var sb = new StringBuilder(text.Substring(0, first));
        for (var i = 0; i < 10000; i++) sb.Append(guest.Replace("<member><name>OpaqueRef:", "<member><name>OpaqueRef:" + i.ToString("x8") + "-"));
        sb.Append(text.Substring(end));
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        Assert.True(bytes.Length < XmlRpcLimits.DefaultMaxResponseBytes / 4, bytes.Length.ToString());
        var vms = XmlRpcResponseReader.Read<Dictionary<XenRef<Vm>, Vm>>(new MemoryStream(bytes));
        Assert.Equal(10000, vms.Count);
    }
}
