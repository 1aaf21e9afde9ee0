using System;

namespace XenHa.Client;

/// <summary>Base of every XenAPI record.</summary>
public abstract class XenObject
{
    private string _opaqueRef = "";
    private string _uuid = "";

    /// <summary>The object's reference: the map key of get_all_records or the ref passed to get_record; "" if unknown.</summary>
    public string OpaqueRef
    {
        get => _opaqueRef;
        set => _opaqueRef = value ?? "";
    }

    /// <summary>Wire field <c>uuid</c>.</summary>
    [XenField("uuid")]
    public string Uuid
    {
        get => _uuid;
        set => _uuid = value ?? "";
    }
}

/// <summary>Names the XenAPI class (wire spelling, e.g. "VM", "host") a record type maps to.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class XenClassAttribute : Attribute
{
    public XenClassAttribute(string wireName)
    {
        WireName = wireName ?? throw new ArgumentNullException(nameof(wireName));
    }

    public string WireName { get; }
}

/// <summary>Names the wire field (e.g. "name_label") a record property maps to.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class XenFieldAttribute : Attribute
{
    public XenFieldAttribute(string wireName)
    {
        WireName = wireName ?? throw new ArgumentNullException(nameof(wireName));
    }

    public string WireName { get; }
}
