using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace XenHa.Simulator.Protocol;

/// <summary>
/// A response body encoded straight to UTF-8 in pooled segments. A 10,000-VM get_all_records
/// answer is 74 MiB: building it as a string first and encoding that cost a 148 MiB string, a 74 MiB
/// array and two extra passes. Dispose returns the segments to the pool.
/// The first segment is 64 KiB (most answers are small); the rest are 1 MiB, which the shared pool keeps
/// between calls, so a large answer neither allocates 64 KiB arrays by the thousand nor has the GC copy them.
/// </summary>
internal sealed class Utf8Output : IDisposable
{
    private const int FirstSegmentSize = 64 * 1024;
    private const int SegmentSize = 1024 * 1024;

    /// <summary>Texts up to this many characters always fit a fresh segment (3 bytes per UTF-16 unit at most).</summary>
    private const int DirectChars = FirstSegmentSize / 3;

    private readonly List<(byte[] Bytes, int Used)> _full = new();
    private byte[] _current = ArrayPool<byte>.Shared.Rent(FirstSegmentSize);
    private int _used;
    private long _length;

    public long Length => _length + _used;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= _current.Length - _used)
        {
            bytes.CopyTo(_current.AsSpan(_used));
            _used += bytes.Length;
            return;
        }

        while (bytes.Length > 0)
        {
            if (_used == _current.Length) NextSegment();
            var n = Math.Min(bytes.Length, _current.Length - _used);
            bytes.Slice(0, n).CopyTo(_current.AsSpan(_used));
            _used += n;
            bytes = bytes.Slice(n);
        }
    }

    /// <summary>Text encoded as UTF-8, exactly as Encoding.UTF8.GetBytes encodes the whole string (surrogate pairs are never split).</summary>
    public void Write(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return;
        if (text.Length <= DirectChars)
        {
            if (Encoding.UTF8.GetMaxByteCount(text.Length) > _current.Length - _used) NextSegmentOrFill(text);
            else _used += Encoding.UTF8.GetBytes(text, _current.AsSpan(_used));
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetByteCount(text));
        try
        {
            var n = Encoding.UTF8.GetBytes(text, rented);
            Write(rented.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>A number in its invariant "G" form (as long.ToString(CultureInfo.InvariantCulture)).</summary>
    public void Write(long value)
    {
        Span<byte> digits = stackalloc byte[24];
        value.TryFormat(digits, out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        Write(digits.Slice(0, n));
    }

    /// <summary>The text may not fit the rest of this segment: encode it here when it does, else in a fresh segment.</summary>
    private void NextSegmentOrFill(ReadOnlySpan<char> text)
    {
        if (Encoding.UTF8.GetByteCount(text) > _current.Length - _used) NextSegment();
        _used += Encoding.UTF8.GetBytes(text, _current.AsSpan(_used));
    }

    /// <summary>Closes the current segment (it may be short of full) and starts a fresh one.</summary>
    private void NextSegment()
    {
        _full.Add((_current, _used));
        _length += _used;
        _current = ArrayPool<byte>.Shared.Rent(SegmentSize);
        _used = 0;
    }

    public async Task CopyToAsync(Stream stream)
    {
        foreach (var (bytes, used) in _full) await stream.WriteAsync(bytes.AsMemory(0, used)).ConfigureAwait(false);
        await stream.WriteAsync(_current.AsMemory(0, _used)).ConfigureAwait(false);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        var at = 0;
        foreach (var (segment, used) in _full)
        {
            Buffer.BlockCopy(segment, 0, bytes, at, used);
            at += used;
        }

        Buffer.BlockCopy(_current, 0, bytes, at, _used);
        return bytes;
    }

    public override string ToString() => Encoding.UTF8.GetString(ToArray());

    public void Dispose()
    {
        foreach (var (bytes, _) in _full) ArrayPool<byte>.Shared.Return(bytes);
        _full.Clear();
        _length = 0;
        ArrayPool<byte>.Shared.Return(_current);
        _current = Array.Empty<byte>();
        _used = 0;
    }
}
