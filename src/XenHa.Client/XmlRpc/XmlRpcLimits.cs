using System;

namespace XenHa.Client.XmlRpc;

/// <summary>
/// What the response decoder accepts before it gives up with a <see cref="XenProtocolException"/>:
/// the size of a response body, the nesting of arrays and structs, and the length of one string.
/// </summary>
internal sealed class XmlRpcLimits
{
    /// <summary>512 MiB: about seven times a VM.get_all_records of 10,000 VMs (about 7 KiB per VM on the wire).</summary>
    public const long DefaultMaxResponseBytes = 512L * 1024 * 1024;

    /// <summary>xapi answers nest four or five levels (struct of records of maps); 64 leaves room for any caller.</summary>
    public const int DefaultMaxNestingDepth = 64;

    /// <summary>64 Mi characters: large enough for a task result holding a whole get_all_records answer.</summary>
    public const int DefaultMaxStringLength = 64 * 1024 * 1024;

    public static readonly XmlRpcLimits Default = new XmlRpcLimits(DefaultMaxResponseBytes, DefaultMaxNestingDepth, DefaultMaxStringLength);

    public XmlRpcLimits(long maxResponseBytes, int maxNestingDepth, int maxStringLength)
    {
        MaxResponseBytes = maxResponseBytes > 0 ? maxResponseBytes : throw new ArgumentOutOfRangeException(nameof(maxResponseBytes), "The response size limit must be positive.");
        MaxNestingDepth = maxNestingDepth > 0 ? maxNestingDepth : throw new ArgumentOutOfRangeException(nameof(maxNestingDepth), "The nesting limit must be positive.");
        MaxStringLength = maxStringLength > 0 ? maxStringLength : throw new ArgumentOutOfRangeException(nameof(maxStringLength), "The string length limit must be positive.");
    }

    public long MaxResponseBytes { get; }

    public int MaxNestingDepth { get; }

    public int MaxStringLength { get; }

    public static XmlRpcLimits From(XenSessionOptions options) =>
        options.MaxResponseBytes == DefaultMaxResponseBytes && options.MaxNestingDepth == DefaultMaxNestingDepth && options.MaxStringLength == DefaultMaxStringLength
            ? Default
            : new XmlRpcLimits(options.MaxResponseBytes, options.MaxNestingDepth, options.MaxStringLength);
}
