using System;
using System.Runtime.CompilerServices;

namespace XenHa.Client.XmlRpc;

/// <summary>
/// Turns decoded texts into strings, sharing the short ones. A get_all_records answer repeats the same
/// short texts in every record ("OpaqueRef:NULL", "0", "Halted", "restart", map keys...): each of
/// those becomes one string instead of one per occurrence. Longer texts (UUIDs, references, names)
/// are nearly always unique and are not looked up.
/// </summary>
internal static class TextCache
{
    /// <summary>Texts up to this length are shared; a reference (OpaqueRef:uuid) is 46 characters.</summary>
    internal const int MaxSharedLength = 32;

    private const int Slots = 2048;

    /// <summary>One table per thread: strings are immutable, so sharing them across reads is safe, and nothing is locked.</summary>
    [ThreadStatic]
    private static string?[]? _table;

    [MethodImpl(XmlRpcReader.Hot)]
    public static string Get(char[] chars, int length)
    {
        if (length == 0)
        {
            return "";
        }

        if (length > MaxSharedLength)
        {
            return new string(chars, 0, length);
        }

        var table = _table ??= new string?[Slots];
        var slot = Hash(chars, length) & (Slots - 1);
        var cached = table[slot];
        if (cached is not null && Equal(cached, chars, length))
        {
            return cached;
        }

        var text = new string(chars, 0, length);
        table[slot] = text;
        return text;
    }

    /// <summary>FNV-1a over the characters.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    public static int Hash(char[] chars, int length)
    {
        unchecked
        {
            var hash = (int)2166136261;
            for (var i = 0; i < length; i++)
            {
                hash = (hash ^ chars[i]) * 16777619;
            }

            return hash & int.MaxValue;
        }
    }

    /// <summary>True if chars[0..length) is exactly <paramref name="text"/>.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    public static bool Equal(string text, char[] chars, int length)
    {
        if (text.Length != length)
        {
            return false;
        }

        for (var i = 0; i < length; i++)
        {
            if (text[i] != chars[i])
            {
                return false;
            }
        }

        return true;
    }
}
