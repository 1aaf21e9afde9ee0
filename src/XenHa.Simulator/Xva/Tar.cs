using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace XenHa.Simulator.Xva;

/// <summary>The end of the stream came before the archive did (xapi: End_of_file → IMPORT_ERROR_PREMATURE_EOF).</summary>
internal sealed class PrematureEofException : Exception
{
    public PrematureEofException() : base("premature end of file") { }
}

/// <summary>A malformed archive (xapi: Failure "Invalid XVA file" and friends → IMPORT_ERROR).</summary>
internal sealed class InvalidXvaException : Exception
{
    public InvalidXvaException(string message) : base(message) { }
}

/// <summary>The minimal ustar subset an XVA uses: regular files in 512-byte blocks, two zero blocks at the end.</summary>
internal static class Tar
{
    public const int Block = 512;

    public static byte[] Header(string name, long size, long mtime)
    {
        var h = new byte[Block];
        var nameBytes = Encoding.ASCII.GetBytes(name);
        if (nameBytes.Length > 100) throw new ArgumentException("tar name too long: " + name);
        Buffer.BlockCopy(nameBytes, 0, h, 0, nameBytes.Length);
        Octal(h, 100, 8, 0x100); // mode 0400, as xapi's Tar.Header.make
        Octal(h, 108, 8, 0);
        Octal(h, 116, 8, 0);
        Octal(h, 124, 12, size);
        Octal(h, 136, 12, mtime);
        for (var i = 148; i < 156; i++) h[i] = (byte)' ';
        h[156] = (byte)'0';
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(h, 257);
        var sum = 0;
        foreach (var b in h) sum += b;
        var text = Convert.ToString(sum, 8).PadLeft(6, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(h, 148);
        h[154] = 0;
        h[155] = (byte)' ';
        return h;
    }

    public static int Padding(long size) => (int)((Block - size % Block) % Block);

    private static void Octal(byte[] h, int offset, int width, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(width - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(h, offset);
        h[offset + width - 1] = 0;
    }

    public static async Task WriteFileAsync(Stream s, string name, byte[] data, int length, long mtime, CancellationToken ct)
    {
        await s.WriteAsync(Header(name, length, mtime), ct).ConfigureAwait(false);
        await s.WriteAsync(data.AsMemory(0, length), ct).ConfigureAwait(false);
        var pad = Padding(length);
        if (pad > 0) await s.WriteAsync(new byte[pad], ct).ConfigureAwait(false);
    }

    public static Task WriteEndAsync(Stream s, CancellationToken ct) => s.WriteAsync(new byte[2 * Block], ct).AsTask();

    /// <summary>Reads exactly count bytes; PrematureEofException when the stream ends first.</summary>
    public static async Task ReadExactlyAsync(Stream s, byte[] buffer, int count, CancellationToken ct)
    {
        var read = 0;
        while (read < count)
        {
            var n = await s.ReadAsync(buffer.AsMemory(read, count - read), ct).ConfigureAwait(false);
            if (n == 0) throw new PrematureEofException();
            read += n;
        }
    }

    /// <summary>The next entry's (name, size); PrematureEofException at the end of the stream or the archive.</summary>
    public static async Task<(string Name, long Size)> ReadHeaderAsync(Stream s, CancellationToken ct)
    {
        var h = new byte[Block];
        await ReadExactlyAsync(s, h, Block, ct).ConfigureAwait(false);
        if (Array.TrueForAll(h, b => b == 0)) throw new PrematureEofException();
        var stored = ParseOctal(h, 148, 8);
        var sum = 0L;
        for (var i = 0; i < Block; i++) sum += i is >= 148 and < 156 ? ' ' : h[i];
        if (stored != sum) throw new InvalidXvaException("Invalid tar header checksum");
        var nameEnd = Array.IndexOf(h, (byte)0, 0, 100);
        var name = Encoding.ASCII.GetString(h, 0, nameEnd < 0 ? 100 : nameEnd);
        if (h[345] != 0 && Encoding.ASCII.GetString(h, 257, 5) == "ustar")
        {
            var prefixEnd = Array.IndexOf(h, (byte)0, 345, 155);
            name = Encoding.ASCII.GetString(h, 345, (prefixEnd < 0 ? 500 : prefixEnd) - 345) + "/" + name;
        }

        return (name, ParseOctal(h, 124, 12));
    }

    private static long ParseOctal(byte[] h, int offset, int width)
    {
        var text = Encoding.ASCII.GetString(h, offset, width).Trim('\0', ' ');
        if (text.Length == 0) return 0;
        try
        {
            return Convert.ToInt64(text, 8);
        }
        catch (FormatException)
        {
            throw new InvalidXvaException("Invalid tar header: bad number " + text.ToString(CultureInfo.InvariantCulture));
        }
    }

    public static async Task SkipAsync(Stream s, long count, CancellationToken ct)
    {
        var buffer = new byte[Math.Min(count, 64 * 1024)];
        while (count > 0)
        {
            var n = (int)Math.Min(count, buffer.Length);
            await ReadExactlyAsync(s, buffer, n, ct).ConfigureAwait(false);
            count -= n;
        }
    }
}
