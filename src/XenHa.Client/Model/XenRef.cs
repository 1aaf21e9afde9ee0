using System;

namespace XenHa.Client;

/// <summary>A typed XenAPI object reference, so a host ref cannot be passed where a VM ref is expected.</summary>
public readonly struct XenRef<T> : IEquatable<XenRef<T>>, IXenRef where T : XenObject
{
    /// <summary>The literal null reference.</summary>
    public const string NullText = "OpaqueRef:NULL";

    private readonly string? _opaqueRef;

    /// <summary>Creates a reference; null or "" gives <see cref="Null"/>.</summary>
    public XenRef(string? opaqueRef)
    {
        _opaqueRef = string.IsNullOrEmpty(opaqueRef) ? null : opaqueRef;
    }

    /// <summary>The wire text (never null; "OpaqueRef:NULL" for the null reference).</summary>
    public string OpaqueRef => _opaqueRef ?? NullText;

    /// <summary>True for "OpaqueRef:NULL" and "".</summary>
    public bool IsNull => _opaqueRef is null || string.Equals(_opaqueRef, NullText, StringComparison.Ordinal);

    /// <summary>The null reference.</summary>
    public static XenRef<T> Null => default;

    public bool Equals(XenRef<T> other) => string.Equals(OpaqueRef, other.OpaqueRef, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is XenRef<T> other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(OpaqueRef);

    public override string ToString() => OpaqueRef;

    public static bool operator ==(XenRef<T> left, XenRef<T> right) => left.Equals(right);

    public static bool operator !=(XenRef<T> left, XenRef<T> right) => !left.Equals(right);
}

/// <summary>Non-generic view of a <see cref="XenRef{T}"/>, used by the codec.</summary>
internal interface IXenRef
{
    string OpaqueRef { get; }
}
