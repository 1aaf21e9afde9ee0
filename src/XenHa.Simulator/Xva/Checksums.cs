using System;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace XenHa.Simulator.Xva;

/// <summary>
/// The per-chunk checksum files of an XVA (stream_vdi.ml): ".checksum" holds SHA-1 lowercase hex
/// (xapi before 2019, export_vsn 2), ".xxhash" XXH64 as 16 uppercase hex digits (xapi since).
/// </summary>
internal static class Checksums
{
    public const string Sha1Extension = ".checksum";
    public const string XxhashExtension = ".xxhash";

    public static string Compute(string extension, byte[] data, int length) => extension switch
    {
        Sha1Extension => Convert.ToHexStringLower(SHA1.HashData(data.AsSpan(0, length))),
        XxhashExtension => Xxh64(data.AsSpan(0, length)).ToString("X16", System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidXvaException("Found unsupported checksum file: " + extension),
    };

    private const ulong P1 = 11400714785074694791UL, P2 = 14029467366897019727UL, P3 = 1609587929392839161UL, P4 = 9650029242287828579UL, P5 = 2870177450012600261UL;

    /// <summary>XXH64 with seed 0 (the published xxHash specification).</summary>
    public static ulong Xxh64(ReadOnlySpan<byte> data)
    {
        var i = 0;
        ulong h;
        if (data.Length >= 32)
        {
            ulong v1 = unchecked(P1 + P2), v2 = P2, v3 = 0, v4 = unchecked(0 - P1);
            for (; i + 32 <= data.Length; i += 32)
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i)));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 8)));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 16)));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 24)));
            }

            h = Rotl(v1, 1) + Rotl(v2, 7) + Rotl(v3, 12) + Rotl(v4, 18);
            h = Merge(h, v1);
            h = Merge(h, v2);
            h = Merge(h, v3);
            h = Merge(h, v4);
        }
        else
        {
            h = P5;
        }

        h += (ulong)data.Length;
        for (; i + 8 <= data.Length; i += 8)
        {
            h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i)));
            h = Rotl(h, 27) * P1 + P4;
        }

        if (i + 4 <= data.Length)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i)) * P1;
            h = Rotl(h, 23) * P2 + P3;
            i += 4;
        }

        for (; i < data.Length; i++)
        {
            h ^= data[i] * P5;
            h = Rotl(h, 11) * P1;
        }

        h ^= h >> 33;
        h *= P2;
        h ^= h >> 29;
        h *= P3;
        h ^= h >> 32;
        return h;
    }

    private static ulong Round(ulong acc, ulong input)
    {
        acc += input * P2;
        acc = Rotl(acc, 31);
        return acc * P1;
    }

    private static ulong Merge(ulong acc, ulong val)
    {
        acc ^= Round(0, val);
        return acc * P1 + P4;
    }

    private static ulong Rotl(ulong x, int r) => (x << r) | (x >> (64 - r));
}
