using System;

namespace XenHa.Client;

/// <summary>Default values used by records.</summary>
public static class XenDefaults
{
    /// <summary>The Unix epoch in UTC, xapi's "unset" datetime (19700101T00:00:00Z).</summary>
    public static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The null reference text, used as the default of references to classes XenHa does not model.</summary>
    public const string NullRef = "OpaqueRef:NULL";
}
