using System;

namespace XenHa.Client;

/// <summary>
/// The server's answer could not be understood: malformed XML, a missing Status, a value of an
/// unexpected shape, an HTTP status other than 200, or a wrong Content-Type. Code <c>XENHA_PROTOCOL_ERROR</c>.
/// </summary>
public sealed class XenProtocolException : XenApiException
{
    public const string ProtocolErrorCode = "XENHA_PROTOCOL_ERROR";

    public XenProtocolException(string detail, string? method = null, Exception? innerException = null)
        : base(ProtocolErrorCode, new[] { detail ?? "" }, BuildMessage(detail, method), XenErrorKind.Protocol, method, innerException)
    {
        Detail = detail ?? "";
    }

    /// <summary>What was wrong, without the method prefix.</summary>
    public string Detail { get; }

    /// <summary>The same error attributed to a method (the codec does not know which call it decodes).</summary>
    internal XenProtocolException WithMethod(string? method) =>
        method is null || Method is not null ? this : new XenProtocolException(Detail, method, InnerException);

    private static string BuildMessage(string? detail, string? method) =>
        (method is null ? "XenAPI protocol error: " : "XenAPI protocol error in " + method + ": ") + detail + " (" + ProtocolErrorCode + ")";
}
