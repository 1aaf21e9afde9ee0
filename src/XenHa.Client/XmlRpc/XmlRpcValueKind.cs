namespace XenHa.Client.XmlRpc;

/// <summary>What a <c>&lt;value&gt;</c> element holds.</summary>
public enum XmlRpcValueKind
{
    /// <summary><c>&lt;value&gt;text&lt;/value&gt;</c> or an empty value: a string (xapi's way to send strings and ints).</summary>
    Untyped,
    String,
    Int,
    Boolean,
    Double,
    DateTime,
    Base64,
    Nil,
    Array,
    Struct,
}
