using System.Collections.Generic;
using System.IO;
using System.Xml;
using BenchmarkDotNet.Attributes;
using XenHa.Client;
using XenHa.Client.XmlRpc;

namespace XenHa.Benchmarks;

/// <summary>Decoding one VM.get_all_records response: XenHa's typed decoder against a bare XmlReader pass over the same bytes.</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    /// <summary>Set by the runner before BenchmarkDotNet starts (in-process toolchain: same process).</summary>
    internal static byte[] Bytes = System.Array.Empty<byte>();

    [Benchmark(Baseline = true, Description = "XmlReader scan")]
    public long RawScan()
    {
        // The floor for any XML decoder: every node read and every text value materialised.
        using var reader = XmlReader.Create(new MemoryStream(Bytes, false), XmlRpcReader.CreateSettings(XmlRpcLimits.Default));
        long chars = 0;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Text)
            {
                chars += reader.Value.Length;
            }
        }

        return chars;
    }

    [Benchmark(Description = "XenHa decoder")]
    public int XenHaDecode()
    {
        var records = (IReadOnlyList<Vm>)XmlRpcResponseReader.Read(new MemoryStream(Bytes, false), XmlRpcDecoders.RecordList<Vm>(), typeof(IReadOnlyList<Vm>))!;
        return records.Count;
    }
}
