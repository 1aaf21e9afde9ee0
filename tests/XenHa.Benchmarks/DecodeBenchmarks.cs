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

    /// <summary>The settings a safe XML-RPC decoder on XmlReader would use: no DTD, no resolver, characters checked.</summary>
    internal static readonly XmlReaderSettings ScanSettings = new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = XmlRpcLimits.DefaultMaxResponseBytes,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CheckCharacters = true,
        CloseInput = false,
    };

    [Benchmark(Baseline = true, Description = "XmlReader scan")]
    public long RawScan()
    {
        // The floor for any XML decoder: every node read and every text value materialised.
        using var reader = XmlReader.Create(new MemoryStream(Bytes, false), ScanSettings);
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
