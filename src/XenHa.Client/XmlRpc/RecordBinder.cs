using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using System.Reflection;

namespace XenHa.Client.XmlRpc;

/// <summary>One mapped record field: wire name, CLR property, compiled accessors and decoder.</summary>
internal sealed class RecordField
{
    public RecordField(string wireName, PropertyInfo property, ValueDecoder decoder, Action<object, object?> setter, Func<object, object?> getter)
    {
        WireName = wireName;
        Property = property;
        Decoder = decoder;
        Setter = setter;
        Getter = getter;
    }

    public string WireName { get; }

    public PropertyInfo Property { get; }

    public ValueDecoder Decoder { get; }

    public Action<object, object?> Setter { get; }

    public Func<object, object?> Getter { get; }
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

            var obj = Expression.Parameter(typeof(object), "o");
            var value = Expression.Parameter(typeof(object), "v");
            var typed = Expression.Convert(obj, type);
            var setter = Expression.Lambda<Action<object, object?>>(
                Expression.Assign(Expression.Property(typed, property), Expression.Convert(value, property.PropertyType)), obj, value).Compile();
            var getter = Expression.Lambda<Func<object, object?>>(
                Expression.Convert(Expression.Property(typed, property), typeof(object)), obj).Compile();
            list.Add(new RecordField(attr.WireName, property, XmlRpcDecoders.For(property.PropertyType), setter, getter));
        }

        return list.OrderBy(f => f.WireName == "uuid" ? 0 : 1).ToArray();
    }
}

/// <summary>The per-type setter table used to decode a record struct straight into <typeparamref name="T"/>.</summary>
internal sealed class RecordBinder<T> where T : XenObject, new()
{
    public static readonly RecordBinder<T> Instance = new RecordBinder<T>();

    private readonly Dictionary<string, RecordField> _fields;

    private RecordBinder()
    {
        WireClass = RecordMetadata.WireClassOf(typeof(T));
        _fields = RecordMetadata.FieldsOf(typeof(T)).ToDictionary(f => f.WireName, StringComparer.Ordinal);
    }

    public string WireClass { get; }

    /// <summary>Inside a struct: reads every member; unknown members are skipped, missing ones keep their defaults.</summary>
    public T ReadStruct(XmlRpcReader reader)
    {
        var record = new T();
        while (reader.NextMember(out var name))
        {
            if (!_fields.TryGetValue(name, out var field))
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
                throw new XenProtocolException("field '" + name + "' of class '" + WireClass + "': " + ex.Message);
            }

            if (value is not null)
            {
                field.Setter(record, value);
            }

            reader.EndMember();
        }

        return record;
    }
}
