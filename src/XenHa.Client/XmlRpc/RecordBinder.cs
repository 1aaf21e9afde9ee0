using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace XenHa.Client.XmlRpc;

/// <summary>One mapped record field: wire name, CLR property, accessors and decoder.</summary>
internal sealed class RecordField
{
    public RecordField(string wireName, PropertyInfo property, ValueDecoder decoder, Action<object, object?> setter)
    {
        WireName = wireName;
        Property = property;
        Decoder = decoder;
        Setter = setter;
    }

    public string WireName { get; }

    public PropertyInfo Property { get; }

    public ValueDecoder Decoder { get; }

    public Action<object, object?> Setter { get; }

    /// <summary>Reads the property (encoding records is rare, so this is plain reflection).</summary>
    public object? Get(object record) => Property.GetValue(record);
}

/// <summary>Wire-name metadata of record types, built once per type by reflection over [XenField].</summary>
internal static class RecordMetadata
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, IReadOnlyList<RecordField>> Fields =
        new System.Collections.Concurrent.ConcurrentDictionary<Type, IReadOnlyList<RecordField>>();

    public static string WireClassOf(Type type) =>
        type.GetCustomAttribute<XenClassAttribute>()?.WireName
        ?? throw new NotSupportedException(type.FullName + " has no [XenClass] attribute");

    public static IReadOnlyList<RecordField> FieldsOf(Type type) => Fields.GetOrAdd(type, Build);

    private static readonly MethodInfo SetterMethod = typeof(RecordMetadata).GetMethod(nameof(Setter), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>
    /// A setter taking object arguments over the property's own set method: a delegate bound once
    /// (compiling an expression per field cost the first read of a class about 0.5 ms a field).
    /// </summary>
    private static Action<object, object?> Setter<TRecord, TValue>(MethodInfo setMethod)
    {
        var set = (Action<TRecord, TValue>)Delegate.CreateDelegate(typeof(Action<TRecord, TValue>), setMethod);
        return [MethodImpl(XmlRpcReader.Hot)] (record, value) => set((TRecord)record, (TValue)value!);
    }

    private static IReadOnlyList<RecordField> Build(Type type)
    {
        var list = new List<RecordField>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attr = property.GetCustomAttribute<XenFieldAttribute>();
            if (attr is null || !property.CanRead || !property.CanWrite)
            {
                continue;
            }

            var setter = (Action<object, object?>)SetterMethod.MakeGenericMethod(type, property.PropertyType).Invoke(null, new object[] { property.GetSetMethod()! })!;
            list.Add(new RecordField(attr.WireName, property, XmlRpcDecoders.For(property.PropertyType), setter));
        }

        return list.OrderBy(f => f.WireName == "uuid" ? 0 : 1).ToArray();
    }
}

/// <summary>The per-type setter table used to decode a record struct straight into <typeparamref name="T"/>.</summary>
internal sealed class RecordBinder<T> where T : XenObject, new()
{
    public static readonly RecordBinder<T> Instance = new RecordBinder<T>();

    /// <summary>The fields by the hash of their wire name (see <see cref="XmlRpcReader.TextHash"/>): names are matched without becoming strings.</summary>
    private readonly RecordField[][] _buckets;

    private RecordBinder()
    {
        WireClass = RecordMetadata.WireClassOf(typeof(T));
        var fields = RecordMetadata.FieldsOf(typeof(T));
        _buckets = new RecordField[BucketCount(fields.Count)][];
        foreach (var group in fields.GroupBy(f => Bucket(TextCache.Hash(f.WireName.ToCharArray(), f.WireName.Length))))
        {
            _buckets[group.Key] = group.ToArray();
        }
    }

    public string WireClass { get; }

    /// <summary>Inside a struct: reads every member; unknown members are skipped, missing ones keep their defaults.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    public T ReadStruct(XmlRpcReader reader)
    {
        var record = new T();
        while (reader.NextMemberName())
        {
            var field = Find(reader);
            if (field is null)
            {
                reader.SkipValue();
                reader.EndMember();
                continue;
            }

            object? value;
            try
            {
                value = XmlRpcDecoders.Decode(reader, field.Decoder);
            }
            catch (XmlRpcShapeException ex)
            {
                throw new XenProtocolException("field '" + field.WireName + "' of class '" + WireClass + "': " + ex.Message);
            }

            if (value is not null)
            {
                field.Setter(record, value);
            }

            reader.EndMember();
        }

        return record;
    }

    /// <summary>The field named by the member name the reader holds, or null.</summary>
    [MethodImpl(XmlRpcReader.Hot)]
    private RecordField? Find(XmlRpcReader reader)
    {
        var bucket = _buckets[Bucket(reader.TextHash())];
        if (bucket is null)
        {
            return null;
        }

        foreach (var field in bucket)
        {
            if (reader.TextEquals(field.WireName))
            {
                return field;
            }
        }

        return null;
    }

    private int Bucket(int hash) => hash & (_buckets.Length - 1);

    /// <summary>A power of two at least four times the field count, so most buckets hold one field.</summary>
    private static int BucketCount(int fields)
    {
        var count = 16;
        while (count < fields * 4)
        {
            count *= 2;
        }

        return count;
    }
}
