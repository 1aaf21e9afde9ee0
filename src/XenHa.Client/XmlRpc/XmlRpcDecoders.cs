using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace XenHa.Client.XmlRpc;

/// <summary>
/// Decodes the value the reader has just begun (see <see cref="XmlRpcReader.BeginValue"/>):
/// scalars arrive as kind + text, containers with the reader inside them.
/// </summary>
internal delegate object? ValueDecoder(XmlRpcReader reader, XmlRpcValueKind kind, string text);

/// <summary>Builds (once per type, cached) and runs the decoders from wire values to CLR types.</summary>
internal static class XmlRpcDecoders
{
    private static readonly ConcurrentDictionary<Type, ValueDecoder> Cache = new ConcurrentDictionary<Type, ValueDecoder>();

    // Decoded values are boxed on their way to the record's setter: the common ones share one box each.
    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;
    private static readonly object[] SmallLongs = Enumerable.Range(-1, 258).Select(i => (object)(long)i).ToArray();

    private static object Box(long value) => value >= -1 && value <= 256 ? SmallLongs[value + 1] : value;

    /// <summary>The decoder for <paramref name="type"/>; throws <see cref="NotSupportedException"/> for types the codec cannot produce.</summary>
    public static ValueDecoder For(Type type) => Cache.GetOrAdd(type, Build);

    /// <summary>At <c>&lt;value&gt;</c>: decodes it with <paramref name="decoder"/>.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    public static object? Decode(XmlRpcReader reader, ValueDecoder decoder)
    {
        var kind = reader.BeginValue(out var text);
        return decoder(reader, kind, text);
    }

    /// <summary>
    /// Generic decode: untyped/string → string, int/i4/i8 → long, boolean → bool, double → double,
    /// dateTime → DateTime (UTC), base64 → byte[], nil → null, array → object?[], struct → Dictionary&lt;string, object?&gt; (ordered as received).
    /// </summary>
    public static object? Generic(XmlRpcReader reader, XmlRpcValueKind kind, string text)
    {
        switch (kind)
        {
            case XmlRpcValueKind.Untyped:
            case XmlRpcValueKind.String:
                return text;
            case XmlRpcValueKind.Int:
                return ParseLong(kind, text);
            case XmlRpcValueKind.Boolean:
                return ParseBoolean(text);
            case XmlRpcValueKind.Double:
                return ParseDouble(kind, text);
            case XmlRpcValueKind.DateTime:
                return ParseDateTime(kind, text);
            case XmlRpcValueKind.Base64:
                return ParseBase64(text);
            case XmlRpcValueKind.Nil:
                return null;
            case XmlRpcValueKind.Array:
                var items = new List<object?>();
                while (reader.NextArrayItem())
                {
                    items.Add(Decode(reader, Generic));
                }

                return items.ToArray();
            default:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                while (reader.NextMember(out var name))
                {
                    map[name] = Decode(reader, Generic);
                    reader.EndMember();
                }

                return map;
        }
    }

    private static ValueDecoder Build(Type type)
    {
        if (type == typeof(object))
        {
            return Generic;
        }

        if (type == typeof(string))
        {
            return DecodeString;
        }

        if (type == typeof(long))
        {
            return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) => Box(k == XmlRpcValueKind.Nil ? 0L : ParseLong(Scalar(k, "an int"), t));
        }

        if (type == typeof(int))
        {
            return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) =>
            {
                var v = k == XmlRpcValueKind.Nil ? 0L : ParseLong(Scalar(k, "an int"), t);
                if (v < int.MinValue || v > int.MaxValue)
                {
                    throw new XmlRpcShapeException("the int " + v + " does not fit in 32 bits");
                }

                return (int)v;
            };
        }

        if (type == typeof(bool))
        {
            return DecodeBool;
        }

        if (type == typeof(double))
        {
            return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) => k == XmlRpcValueKind.Nil ? 0d : ParseDouble(Scalar(k, "a double"), t);
        }

        if (type == typeof(DateTime))
        {
            return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) => k == XmlRpcValueKind.Nil || (k == XmlRpcValueKind.Untyped && t.Length == 0)
                ? XenDefaults.Epoch
                : ParseDateTime(Scalar(k, "a dateTime"), t);
        }

        if (type == typeof(byte[]))
        {
            return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) => k == XmlRpcValueKind.Nil ? new byte[0] : ParseBase64(t, k);
        }

        if (type.IsEnum)
        {
            var map = WireEnums.DecodeMap(type);
            return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) =>
            {
                var s = (string)DecodeString(r, k, t)!;
                return WireEnums.Decode(type, map, s) ?? throw new XmlRpcShapeException("expected one of " + string.Join(", ", map.Keys) + ", saw '" + Shorten(s) + "'");
            };
        }

        var nullable = Nullable.GetUnderlyingType(type);
        if (nullable is not null)
        {
            var inner = For(nullable);
            return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) => k == XmlRpcValueKind.Nil ? null : inner(r, k, t);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(XenRef<>))
        {
            var factory = XenRefFactory(type);
            var nullRef = factory(XenRef<XenObject>.NullText);
            return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) =>
            {
                var text = (string)DecodeString(r, k, t)!;
                return text == XenRef<XenObject>.NullText ? nullRef : factory(text);
            };
        }

        if (typeof(XenObject).IsAssignableFrom(type) && !type.IsAbstract)
        {
            return Invoke<ValueDecoder>(nameof(RecordDecoder), new[] { type });
        }

        if (type.IsArray && type.GetArrayRank() == 1)
        {
            return Invoke<ValueDecoder>(nameof(ArrayDecoder), new[] { type.GetElementType()! });
        }

        if (type.IsGenericType)
        {
            var def = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (def == typeof(List<>) || def == typeof(IList<>) || def == typeof(IReadOnlyList<>) || def == typeof(IEnumerable<>)
                || def == typeof(ICollection<>) || def == typeof(IReadOnlyCollection<>))
            {
                return Invoke<ValueDecoder>(nameof(ListDecoder), args);
            }

            if (def == typeof(Dictionary<,>) || def == typeof(IDictionary<,>) || def == typeof(IReadOnlyDictionary<,>))
            {
                return Invoke<ValueDecoder>(nameof(DictionaryDecoder), args);
            }
        }

        throw new NotSupportedException("XenHa cannot decode XML-RPC values into " + type.FullName);
    }

    [MethodImpl(XmlRpcReader.Hot)]
    private static object? DecodeString(XmlRpcReader reader, XmlRpcValueKind kind, string text)
    {
        switch (kind)
        {
            case XmlRpcValueKind.Nil:
                return "";
            case XmlRpcValueKind.Boolean:
                return ParseBoolean(text) ? "true" : "false";
            case XmlRpcValueKind.Array:
            case XmlRpcValueKind.Struct:
                throw Unexpected("a string", kind);
            default:
                return text;
        }
    }

    [MethodImpl(XmlRpcReader.Hot)]
    private static object? DecodeBool(XmlRpcReader reader, XmlRpcValueKind kind, string text)
    {
        switch (kind)
        {
            case XmlRpcValueKind.Nil:
                return BoxedFalse;
            case XmlRpcValueKind.Boolean:
                return ParseBoolean(text) ? BoxedTrue : BoxedFalse;
            case XmlRpcValueKind.Untyped:
            case XmlRpcValueKind.String:
            case XmlRpcValueKind.Int:
                switch (text.Trim().ToLowerInvariant())
                {
                    case "1":
                    case "true":
                        return BoxedTrue;
                    case "0":
                    case "false":
                    case "":
                        return BoxedFalse;
                    default:
                        throw new XmlRpcShapeException("expected a boolean, saw '" + Shorten(text) + "'");
                }

            default:
                throw Unexpected("a boolean", kind);
        }
    }

    /// <summary>xapi (ocaml-rpc) treats only the text "1" as true; <c>&lt;boolean&gt;true&lt;/boolean&gt;</c> is false.</summary>
    private static bool ParseBoolean(string text) => text.Trim() == "1";

    private static XmlRpcValueKind Scalar(XmlRpcValueKind kind, string expected)
    {
        if (kind is XmlRpcValueKind.Array or XmlRpcValueKind.Struct or XmlRpcValueKind.Base64)
        {
            throw Unexpected(expected, kind);
        }

        return kind;
    }

    [MethodImpl(XmlRpcReader.Hot)]
    private static long ParseLong(XmlRpcValueKind kind, string text)
    {
        if (kind is XmlRpcValueKind.Boolean or XmlRpcValueKind.DateTime or XmlRpcValueKind.Double)
        {
            throw Unexpected("an int", kind, text);
        }

        if (!XmlRpcScalars.TryParseLong(text, out var value))
        {
            throw new XmlRpcShapeException("expected an int, saw '" + Shorten(text) + "'");
        }

        return value;
    }

    private static double ParseDouble(XmlRpcValueKind kind, string text)
    {
        if (kind is XmlRpcValueKind.Boolean or XmlRpcValueKind.DateTime)
        {
            throw Unexpected("a double", kind, text);
        }

        if (!XmlRpcScalars.TryParseDouble(text, out var value))
        {
            throw new XmlRpcShapeException("expected a double, saw '" + Shorten(text) + "'");
        }

        return value;
    }

    private static DateTime ParseDateTime(XmlRpcValueKind kind, string text)
    {
        if (kind is XmlRpcValueKind.Boolean or XmlRpcValueKind.Double or XmlRpcValueKind.Int)
        {
            throw Unexpected("a dateTime", kind, text);
        }

        if (!XmlRpcScalars.TryParseDateTime(text, out var value))
        {
            throw new XmlRpcShapeException("expected a dateTime, saw '" + Shorten(text) + "'");
        }

        return value;
    }

    private static byte[] ParseBase64(string text, XmlRpcValueKind kind = XmlRpcValueKind.Base64)
    {
        if (kind != XmlRpcValueKind.Base64 && kind != XmlRpcValueKind.Untyped && kind != XmlRpcValueKind.String)
        {
            throw Unexpected("base64", kind, text);
        }

        try
        {
            return Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new XmlRpcShapeException("invalid base64 text");
        }
    }

    internal static XmlRpcShapeException Unexpected(string expected, XmlRpcValueKind kind, string? text = null)
    {
        var seen = kind switch
        {
            XmlRpcValueKind.Untyped => "an untyped string",
            XmlRpcValueKind.Array => "an <array>",
            XmlRpcValueKind.Struct => "a <struct>",
            XmlRpcValueKind.Int => "an <int>",
            XmlRpcValueKind.DateTime => "a <dateTime.iso8601>",
            XmlRpcValueKind.Nil => "<nil/>",
            _ => "a <" + kind.ToString().ToLowerInvariant() + ">",
        };
        return new XmlRpcShapeException("expected " + expected + ", saw " + seen + (text is null ? "" : " '" + Shorten(text) + "'"));
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s.Substring(0, 60) + "…";

    private static T Invoke<T>(string method, Type[] typeArgs)
    {
        var mi = typeof(XmlRpcDecoders).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(typeArgs);
        try
        {
            return (T)mi.Invoke(null, null)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }

    internal static Func<string, object> XenRefFactory(Type refType)
    {
        var ctor = refType.GetConstructor(new[] { typeof(string) })!;
        var p = System.Linq.Expressions.Expression.Parameter(typeof(string), "s");
        var body = System.Linq.Expressions.Expression.Convert(System.Linq.Expressions.Expression.New(ctor, p), typeof(object));
        return System.Linq.Expressions.Expression.Lambda<Func<string, object>>(body, p).Compile();
    }

    private static ValueDecoder RecordDecoder<T>() where T : XenObject, new()
    {
        var binder = RecordBinder<T>.Instance;
        return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) =>
        {
            if (k == XmlRpcValueKind.Nil)
            {
                return null;
            }

            if (k != XmlRpcValueKind.Struct)
            {
                throw Unexpected("a " + binder.WireClass + " record (<struct>)", k, k == XmlRpcValueKind.Array ? null : t);
            }

            return binder.ReadStruct(r);
        };
    }

    private static ValueDecoder ListDecoder<TElement>()
    {
        var element = For(typeof(TElement));
        return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) =>
        {
            var list = new List<TElement>();
            if (k == XmlRpcValueKind.Nil)
            {
                return list;
            }

            if (k != XmlRpcValueKind.Array)
            {
                throw Unexpected("an <array>", k, k == XmlRpcValueKind.Struct ? null : t);
            }

            while (r.NextArrayItem())
            {
                var v = Decode(r, element);
                list.Add(v is TElement e ? e : default!);
            }

            return list;
        };
    }

    private static ValueDecoder ArrayDecoder<TElement>()
    {
        var list = ListDecoder<TElement>();
        return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) => ((List<TElement>)list(r, k, t)!).ToArray();
    }

    private static ValueDecoder DictionaryDecoder<TKey, TValue>()
        where TKey : notnull
    {
        var key = KeyConverter<TKey>();
        var value = For(typeof(TValue));
        var fillRef = typeof(XenObject).IsAssignableFrom(typeof(TValue)) && typeof(IXenRef).IsAssignableFrom(typeof(TKey));
        return [MethodImpl(XmlRpcReader.Hot)] (r, k, t) =>
        {
            var map = new Dictionary<TKey, TValue>();
            if (k == XmlRpcValueKind.Nil)
            {
                return map;
            }

            if (k != XmlRpcValueKind.Struct)
            {
                throw Unexpected("a <struct>", k, k == XmlRpcValueKind.Array ? null : t);
            }

            while (r.NextMember(out var name))
            {
                var v = Decode(r, value);
                r.EndMember();
                if (fillRef && v is XenObject record)
                {
                    record.OpaqueRef = name;
                }

                map[key(name)] = v is TValue tv ? tv : default!;
            }

            return map;
        };
    }

    private static Func<string, TKey> KeyConverter<TKey>()
    {
        var type = typeof(TKey);
        if (type == typeof(string) || type == typeof(object))
        {
            return s => (TKey)(object)s;
        }

        if (type == typeof(long))
        {
            return s => XmlRpcScalars.TryParseLong(s, out var v) ? (TKey)(object)v : throw new XmlRpcShapeException("expected an int map key, saw '" + Shorten(s) + "'");
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(XenRef<>))
        {
            var factory = XenRefFactory(type);
            return s => (TKey)factory(s);
        }

        throw new NotSupportedException("XenHa cannot decode map keys into " + type.FullName);
    }

    /// <summary>Decodes a <c>(ref -> record) map</c> into a list ordered as received, with OpaqueRef filled.</summary>
    public static ValueDecoder RecordList<T>() where T : XenObject, new() =>
        (ValueDecoder)Cache.GetOrAdd(typeof(RecordListMarker<T>), _ =>
        {
            var record = For(typeof(T));
            return (r, k, t) =>
            {
                var list = new List<T>();
                ReadRecordMap<T>(r, k, t, record, list.Add);
                return (IReadOnlyList<T>)list;
            };
        });

    /// <summary>
    /// Decodes a <c>(ref -> record) map</c> handing each record, OpaqueRef filled, to
    /// <paramref name="onRecord"/> as soon as it is read; the value is the number of records.
    /// </summary>
    public static ValueDecoder RecordStream<T>(Action<T> onRecord) where T : XenObject, new()
    {
        var record = For(typeof(T));
        return (r, k, t) => ReadRecordMap(r, k, t, record, onRecord);
    }

    private static int ReadRecordMap<T>(XmlRpcReader r, XmlRpcValueKind k, string t, ValueDecoder record, Action<T> onRecord) where T : XenObject
    {
        if (k == XmlRpcValueKind.Nil)
        {
            return 0;
        }

        if (k != XmlRpcValueKind.Struct)
        {
            throw Unexpected("a (ref -> record) map", k, k == XmlRpcValueKind.Array ? null : t);
        }

        var count = 0;
        while (r.NextMember(out var name))
        {
            var v = (T?)Decode(r, record);
            r.EndMember();
            if (v is not null)
            {
                v.OpaqueRef = name;
                onRecord(v);
                count++;
            }
        }

        return count;
    }

    private sealed class RecordListMarker<T>
    {
    }
}
