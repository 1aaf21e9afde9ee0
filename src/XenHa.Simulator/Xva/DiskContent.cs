using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using XenHa.Simulator.Inventory;

namespace XenHa.Simulator.Xva;

/// <summary>
/// The bytes of simulated disks, so an XVA can be checked byte for byte. A disk that was never
/// written holds deterministic data derived from its VDI uuid in its first <c>--disk-content-mb</c>
/// MiB (every fourth MiB left zero, so exports skip zero chunks as xapi does) and zeros after that.
/// An imported disk holds exactly the chunks it received. Thread-safe; chunk size is xapi's 1 MiB.
/// </summary>
internal sealed class DiskContent
{
    public const int ChunkSize = 1024 * 1024;

    private readonly long _generatedBytes;
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<long, byte[]>> _written = new(StringComparer.Ordinal);

    public DiskContent(int contentMb) => _generatedBytes = (long)contentMb * ChunkSize;

    /// <summary>Fills buffer[0..length) with chunk <paramref name="index"/> of the VDI (zeros past the data).</summary>
    public void ReadChunk(Rec vdi, long index, byte[] buffer, int length)
    {
        Array.Clear(buffer, 0, length);
        if (_written.TryGetValue(vdi.Ref, out var chunks))
        {
            if (chunks.TryGetValue(index, out var data)) Buffer.BlockCopy(data, 0, buffer, 0, Math.Min(length, data.Length));
            return;
        }

        var start = index * ChunkSize;
        if (start >= _generatedBytes || index % 4 == 2) return;
        var n = (int)Math.Min(length, _generatedBytes - start);
        Generate(vdi.Uuid, index, buffer, n);
    }

    /// <summary>False when chunk <paramref name="index"/> is known to be all zeros (an export need not read it).</summary>
    public bool MayHoldData(Rec vdi, long index) =>
        _written.TryGetValue(vdi.Ref, out var chunks) ? chunks.ContainsKey(index) : index * ChunkSize < _generatedBytes && index % 4 != 2;

    /// <summary>Replaces the content of a VDI with the given non-zero chunks (an import).</summary>
    public void Store(string vdiRef, IReadOnlyDictionary<long, byte[]> chunks) => _written[vdiRef] = chunks;

    public void Forget(string vdiRef) => _written.TryRemove(vdiRef, out _);

    public static bool IsZero(byte[] buffer, int length)
    {
        var span = buffer.AsSpan(0, length);
        return span.IndexOfAnyExcept((byte)0) < 0;
    }

    /// <summary>xorshift64* seeded by the uuid and the chunk number: cheap, stable across runs and platforms.</summary>
    private static void Generate(string uuid, long index, byte[] buffer, int length)
    {
        ulong seed = 1469598103934665603UL;
        foreach (var c in uuid) seed = (seed ^ c) * 1099511628211UL;
        var x = seed ^ ((ulong)index * 0x9E3779B97F4A7C15UL) | 1;
        for (var i = 0; i < length; i += 8)
        {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            var v = x * 2685821657736338717UL;
            for (var b = 0; b < 8 && i + b < length; b++) buffer[i + b] = (byte)(v >> (8 * b));
        }
    }
}
