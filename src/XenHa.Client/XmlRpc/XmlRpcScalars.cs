using System;
using System.Globalization;

namespace XenHa.Client.XmlRpc;

/// <summary>Text forms of XML-RPC scalars, as xapi emits and accepts them.</summary>
public static class XmlRpcScalars
{
    /// <summary>xapi's datetime format: <c>YYYYMMDDTHH:MM:SSZ</c>, always UTC.</summary>
    public static string FormatDateTime(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);
        return utc.ToString("yyyyMMdd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Round-trippable, culture-invariant double text (inf, -inf and nan as OCaml prints them).</summary>
    public static string FormatDouble(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsPositiveInfinity(value))
        {
            return "inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-inf";
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).Equals(value))
        {
            return text;
        }

        // "R" is not always round-trippable on .NET Framework.
        return value.ToString("G17", CultureInfo.InvariantCulture);
    }

    public static bool TryParseLong(string text, out long value) =>
        long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryParseDouble(string text, out double value)
    {
        var t = text.Trim();
        switch (t.ToLowerInvariant())
        {
            case "inf":
            case "+inf":
            case "infinity":
            case "+infinity":
                value = double.PositiveInfinity;
                return true;
            case "-inf":
            case "-infinity":
                value = double.NegativeInfinity;
                return true;
            case "nan":
            case "-nan":
            case "+nan":
                value = double.NaN;
                return true;
        }

        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Parses ISO 8601 datetimes in the basic (<c>20250319T04:16:24Z</c>, <c>20250319T041624Z</c>) and
    /// extended (<c>2025-03-19T04:16:24Z</c>) forms, with optional fraction and offset; no zone means UTC.
    /// The result is UTC.
    /// </summary>
    public static bool TryParseDateTime(string text, out DateTime value)
    {
        value = default;
        var s = text.Trim();
        var t = s.IndexOf('T');
        if (t < 0)
        {
            t = s.IndexOf('t');
        }

        if (t < 0)
        {
            return false;
        }

        var date = s.Substring(0, t).Replace("-", "");
        var rest = s.Substring(t + 1);
        if (date.Length != 8 || !AllDigits(date))
        {
            return false;
        }

        var offset = TimeSpan.Zero;
        var zoneAt = rest.IndexOfAny(new[] { 'Z', 'z', '+', '-' });
        if (zoneAt >= 0)
        {
            var zone = rest.Substring(zoneAt);
            rest = rest.Substring(0, zoneAt);
            if (zone != "Z" && zone != "z")
            {
                var sign = zone[0] == '-' ? -1 : 1;
                var z = zone.Substring(1).Replace(":", "");
                if (!AllDigits(z) || (z.Length != 2 && z.Length != 4))
                {
                    return false;
                }

                var zh = int.Parse(z.Substring(0, 2), CultureInfo.InvariantCulture);
                var zm = z.Length == 4 ? int.Parse(z.Substring(2, 2), CultureInfo.InvariantCulture) : 0;
                if (zh > 23 || zm > 59)
                {
                    return false;
                }

                offset = new TimeSpan(sign * zh, sign * zm, 0);
            }
        }

        long fractionTicks = 0;
        var dot = rest.IndexOfAny(new[] { '.', ',' });
        if (dot >= 0)
        {
            var frac = rest.Substring(dot + 1);
            rest = rest.Substring(0, dot);
            if (frac.Length == 0 || !AllDigits(frac))
            {
                return false;
            }

            frac = frac.Length > 7 ? frac.Substring(0, 7) : frac.PadRight(7, '0');
            fractionTicks = long.Parse(frac, CultureInfo.InvariantCulture);
        }

        var time = rest.Replace(":", "");
        if (time.Length != 6 || !AllDigits(time))
        {
            return false;
        }

        int P(string x, int at, int len) => int.Parse(x.Substring(at, len), CultureInfo.InvariantCulture);
        int year = P(date, 0, 4), month = P(date, 4, 2), day = P(date, 6, 2);
        int hour = P(time, 0, 2), minute = P(time, 2, 2), second = P(time, 4, 2);
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        try
        {
            value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fractionTicks) - offset;
            value = DateTime.SpecifyKind(value, DateTimeKind.Utc);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static bool AllDigits(string s)
    {
        foreach (var c in s)
        {
            if (c < '0' || c > '9')
            {
                return false;
            }
        }

        return true;
    }
}
