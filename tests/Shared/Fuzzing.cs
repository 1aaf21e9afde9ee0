using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using CsCheck;

namespace XenHa.Tests.Fuzzing;

/// <summary>One generated input: the seed it came from and its bytes.</summary>
public sealed record FuzzInput(int Seed, byte[] Bytes)
{
    public override string ToString() => "seed " + Seed + ", " + Bytes.Length + " bytes";
}

/// <summary>One edit applied to a seed payload. Position is a fraction of the current length.</summary>
public sealed record Mutation(int Kind, double Position, int Size, int Variant);

/// <summary>What a fuzz run tried and what broke.</summary>
public sealed record FuzzReport(string Name, long Tried, long Rejected, double Seconds, double SlowestMs, IReadOnlyList<string> Failures)
{
    public override string ToString() =>
        Name + ": " + Tried + " inputs in " + Seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s, "
        + Rejected + " rejected with the documented error, slowest " + SlowestMs.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms, "
        + Failures.Count + " failures"
        + (Failures.Count == 0 ? "" : Environment.NewLine + string.Join(Environment.NewLine, Failures.Take(10)));
}

/// <summary>
/// Property-based mutation of real payloads (CsCheck generators): byte flips, truncation, range and
/// element duplication, deep nesting, huge strings, invalid UTF-8, entity/DTD tricks and stray
/// protocol tokens. The property: every input decodes or fails with the documented exception, within
/// a per-input time limit and a bounded allocation. Failing inputs are saved under out/fuzz/NAME/.
/// </summary>
public static class Fuzzer
{
    private const int Kinds = 12;

    private static readonly byte[][] BadUtf8 =
    {
        new byte[] { 0xFF }, new byte[] { 0xC3, 0x28 }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xF4, 0x90, 0x80, 0x80 },
        new byte[] { 0xC0, 0xAF }, new byte[] { 0x00 }, new byte[] { 0xE2, 0x82 }, new byte[] { 0xEF, 0xBB, 0xBF },
    };

    private static readonly string[] XmlTricks =
    {
        "<!DOCTYPE methodResponse [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
        "<!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>",
        "<!DOCTYPE x SYSTEM \"http://127.0.0.1:9/x.dtd\">",
        "&xxe;", "&c;", "&#0;", "&#xD800;", "&#x10FFFF;", "&#99999999;", "&amp;lt;", "&unknown;",
        "<![CDATA[<value>]]>", "<?xml version=\"1.0\"?>", "<?pi data?>", "<!-- c -->", "<x:value xmlns:x=\"urn:x\">",
    };

    private static readonly string[] XmlTokens =
    {
        "<value>", "</value>", "<struct>", "</struct>", "<member>", "</member>", "<name>", "</name>", "<array>", "</array>",
        "<data>", "</data>", "<value/>", "<nil/>", "<struct/>", "<array/>", "<data/>", "<i8>", "<int>99999999999999999999</int>",
        "<boolean>2</boolean>", "<double>nan</double>", "<double>1e999</double>", "<dateTime.iso8601>x</dateTime.iso8601>",
        "<base64>!!</base64>", "<fault>", "<params>", "<param>", "<methodResponse>", "<methodCall>", "<methodName>", "<unknown>",
        "<name>Status</name><value>Failure</value>", "<member><name>ErrorDescription</name><value><array><data/></array></value></member>",
    };

    private static readonly string[] JsonTricks =
    {
        "\"\\uD800\"", "\"\\uDC00x\"", "1e400", "-1e400", "-0", "123456789012345678901234567890", "\"\\u0000\"", "{\"a\":1,\"a\":2}",
        "\"\\x\"", "'single'", "NaN", "Infinity", "/* c */", "// c\n", "\"jsonrpc\":\"2.0\",", "\"id\":{\"a\":[1,2]},",
    };

    /// <summary>Replacement texts for one value: the document stays well formed, the content does not.</summary>
    private static readonly string[] Texts =
    {
        "", "-1", "0", "99999999999999999999", "-9223372036854775808", "1.5", "nan", "1e999", "true", "OpaqueRef:NULL", "OpaqueRef:x",
        "Running", "unknown_enum", "20250319T04:16:24Z", "2025-13-45", "x", " ", "\u00e9", "null",
    };

    private static readonly string[] JsonTokens =
    {
        "{", "}", "[", "]", ",", ":", "\"", "\"params\":", "\"method\":", "\"id\":", "null", "true", "false", "0", "\"\"", "[]", "{}",
    };

    /// <summary>Mutants of the seeds: one to three edits each.</summary>
    public static Gen<FuzzInput> Mutants(IReadOnlyList<byte[]> seeds, bool json) =>
        from seed in Gen.Int[0, seeds.Count - 1]
        from edits in Gen.Select(Gen.Int[0, Kinds - 1], Gen.Double.Unit, Gen.Int[1, 64], Gen.Int.Uniform.Select(i => (i & int.MaxValue) % 1000),
            (k, p, s, v) => new Mutation(k, p, s, v)).Array[1, 3]
        select new FuzzInput(seed, edits.Aggregate(seeds[seed], (bytes, m) => Apply(bytes, m, json)));

    public static byte[] Apply(byte[] input, Mutation m, bool json)
    {
        var pos = (int)(m.Position * input.Length);
        if (pos > input.Length) pos = input.Length;
        switch (m.Kind)
        {
            case 0: // bit flip
                if (input.Length == 0) return input;
                var flipped = (byte[])input.Clone();
                var at = Math.Min(pos, input.Length - 1);
                flipped[at] ^= (byte)(1 << (m.Variant % 8));
                return flipped;
            case 1: // truncation
                return input.AsSpan(0, pos).ToArray();
            case 2: // range deletion
            {
                var cut = Math.Min(m.Size * (1 + m.Variant % 8), input.Length - pos);
                return Concat(input.AsSpan(0, pos), input.AsSpan(pos + cut));
            }
            case 3: // range duplication
            {
                var len = Math.Min(m.Size * (1 + m.Variant % 4), input.Length - pos);
                var range = input.AsSpan(pos, len).ToArray();
                return Insert(input, pos + len, Repeat(range, 1 + m.Variant % 3));
            }
            case 4: // element duplication: from a '<' (or '{'/'[') to the end of the next closing tag (or bracket)
            {
                var open = Array.IndexOf(input, json ? (byte)'{' : (byte)'<', pos);
                if (open < 0) return input;
                var close = json ? Array.IndexOf(input, (byte)'}', open) : IndexOf(input, "</", open);
                if (close < 0) return input;
                var end = json ? close : Array.IndexOf(input, (byte)'>', close);
                if (end < 0) return input;
                var element = input.AsSpan(open, end - open + 1).ToArray();
                return Insert(input, end + 1, Repeat(element, 1 + m.Variant % 50));
            }
            case 5: // deep nesting, balanced or not
            {
                var n = m.Size * (1 + m.Variant % 32);
                var balanced = m.Variant % 2 == 0;
                var (head, tail) = json ? ("[", "]") : ("<value><array><data>", "</data></array></value>");
                var text = Repeat(Ascii(head), n);
                if (balanced) text = text.Concat(Repeat(Ascii(tail), n)).ToArray();
                return Insert(input, pos, text);
            }
            case 6: // huge string
            {
                var n = m.Size * 1024 * (1 + m.Variant % 8);
                return Insert(input, pos, Enumerable.Repeat((byte)(m.Variant % 3 == 0 ? ' ' : 'A'), n).ToArray());
            }
            case 7: // invalid UTF-8 (and NUL, BOM)
                return Insert(input, pos, BadUtf8[m.Variant % BadUtf8.Length]);
            case 8: // entity, DTD and encoding tricks
            {
                var tricks = json ? JsonTricks : XmlTricks;
                var trick = tricks[m.Variant % tricks.Length];
                return trick.StartsWith("<!DOCTYPE", StringComparison.Ordinal) ? Insert(input, AfterDeclaration(input), Ascii(trick)) : Insert(input, pos, Ascii(trick));
            }
            case 9: // stray protocol token
            {
                var tokens = json ? JsonTokens : XmlTokens;
                return Insert(input, pos, Ascii(tokens[m.Variant % tokens.Length]));
            }
            case 10: // one text (between '>' and '<', or a JSON string's contents) replaced
            {
                var open = Array.IndexOf(input, json ? (byte)'"' : (byte)'>', pos);
                if (open < 0) return input;
                var close = Array.IndexOf(input, json ? (byte)'"' : (byte)'<', open + 1);
                if (close < 0) return input;
                return Concat(input.AsSpan(0, open + 1), Ascii(Texts[m.Variant % Texts.Length]), input.AsSpan(close));
            }
            default: // random byte
                if (input.Length == 0) return new[] { (byte)m.Variant };
                var set = (byte[])input.Clone();
                set[Math.Min(pos, input.Length - 1)] = (byte)m.Variant;
                return set;
        }
    }

    /// <summary>
    /// Runs <paramref name="decode"/> on generated inputs for <paramref name="seconds"/> (or
    /// XENHA_FUZZ_SECONDS when set). <paramref name="documented"/> says whether an exception is the
    /// documented rejection; anything else, a hang past the per-input timeout or an allocation past the
    /// bound is a failure.
    /// </summary>
    public static FuzzReport Run(string name, Gen<FuzzInput> gen, Action<FuzzInput> decode, Func<Exception, bool> documented, double seconds = 3)
    {
        seconds = Duration(seconds);
        var perInput = TimeSpan.FromSeconds(10);
        var failures = new ConcurrentQueue<string>();
        long tried = 0, rejected = 0, slowestTicks = 0;
        var clock = Stopwatch.StartNew();
        gen.Sample(input =>
        {
            Interlocked.Increment(ref tried);
            var bound = 64L * 1024 * 1024 + 64L * input.Bytes.Length;
            // A thread of its own per input: a hang is abandoned (background thread) instead of blocking the run,
            // and waiting on it never starves the thread pool the sampler runs on.
            Exception? error = null;
            long allocated = 0;
            var worker = new Thread(() =>
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var started = Stopwatch.GetTimestamp();
                try
                {
                    decode(input);
                }
                catch (Exception e)
                {
                    error = e;
                }

                var ticks = Stopwatch.GetTimestamp() - started;
                for (var seen = Interlocked.Read(ref slowestTicks); ticks > seen; seen = Interlocked.Read(ref slowestTicks))
                    Interlocked.CompareExchange(ref slowestTicks, ticks, seen);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }) { IsBackground = true };
            worker.Start();
            string? failure;
            if (!worker.Join(perInput))
            {
                failure = "no answer within " + perInput.TotalSeconds + " s (hang)";
            }
            else if (allocated > bound)
            {
                failure = "allocated " + allocated + " bytes, more than " + bound;
            }
            else if (error is { } e && !documented(e))
            {
                failure = e.GetType().FullName + ": " + e.Message;
            }
            else
            {
                if (error is not null) Interlocked.Increment(ref rejected);
                failure = null;
            }

            if (failure is not null) failures.Enqueue(Save(name, input.Bytes, failure));
            return true;
        }, time: (int)Math.Ceiling(seconds), iter: long.MaxValue);
        var report = new FuzzReport(name, tried, rejected, clock.Elapsed.TotalSeconds, slowestTicks * 1000.0 / Stopwatch.Frequency, failures.ToList());
        WriteSummary(report);
        return report;
    }

    /// <summary>The run length: XENHA_FUZZ_SECONDS (the build.ps1 Fuzz campaign) or the default.</summary>
    public static double Duration(double defaultSeconds) =>
        double.TryParse(Environment.GetEnvironmentVariable("XENHA_FUZZ_SECONDS"), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? s : defaultSeconds;

    /// <summary>out/fuzz under the repository (or XENHA_FUZZ_OUT).</summary>
    public static string OutputDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("XENHA_FUZZ_OUT");
        if (!string.IsNullOrEmpty(configured)) return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "build.ps1"))) return Path.Combine(dir.FullName, "out", "fuzz");
        return Path.Combine(Path.GetTempPath(), "xenha-fuzz");
    }

    private static string Save(string name, byte[] input, string failure)
    {
        var dir = Path.Combine(OutputDirectory(), name);
        Directory.CreateDirectory(dir);
        var id = Convert.ToHexString(SHA256.HashData(input)).Substring(0, 16).ToLowerInvariant();
        File.WriteAllBytes(Path.Combine(dir, id + ".bin"), input);
        File.WriteAllText(Path.Combine(dir, id + ".txt"), failure + Environment.NewLine);
        return id + ": " + failure;
    }

    public static void WriteSummary(FuzzReport report)
    {
        var dir = OutputDirectory();
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, report.Name + ".summary"),
            $"{report.Name} tried={report.Tried} rejected={report.Rejected} failures={report.Failures.Count} seconds={report.Seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} slowest-ms={report.SlowestMs.ToString("0", System.Globalization.CultureInfo.InvariantCulture)}"
            + Environment.NewLine);
    }

    private static byte[] Ascii(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Insert(byte[] input, int pos, byte[] text) => Concat(input.AsSpan(0, pos), text, input.AsSpan(pos));

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c = default)
    {
        var r = new byte[a.Length + b.Length + c.Length];
        a.CopyTo(r);
        b.CopyTo(r.AsSpan(a.Length));
        c.CopyTo(r.AsSpan(a.Length + b.Length));
        return r;
    }

    private static byte[] Repeat(byte[] b, int n)
    {
        var r = new byte[b.Length * n];
        for (var i = 0; i < n; i++) Buffer.BlockCopy(b, 0, r, i * b.Length, b.Length);
        return r;
    }

    private static int IndexOf(byte[] input, string s, int from)
    {
        var needle = Ascii(s);
        for (var i = Math.Max(from, 0); i <= input.Length - needle.Length; i++)
            if (input.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    /// <summary>Where a DOCTYPE may go: after the XML declaration if there is one.</summary>
    private static int AfterDeclaration(byte[] input)
    {
        var decl = IndexOf(input, "?>", 0);
        return decl >= 0 && decl < 64 ? decl + 2 : 0;
    }
}
