using System;

namespace XenHa.Client;

/// <summary>
/// The server could not be reached or the call did not finish in time: DNS failure, connection
/// refused or reset, TLS/certificate failure, timeout. Code <c>XENHA_CONNECTION_FAILED</c>
/// (Kind Connection) or <c>XENHA_TIMEOUT</c> (Kind Timeout). The inner exception is always chained.
/// </summary>
public sealed class XenConnectionException : XenApiException
{
    public const string ConnectionFailedCode = "XENHA_CONNECTION_FAILED";
    public const string TimeoutCode = "XENHA_TIMEOUT";

    public XenConnectionException(string message, Uri? uri, string? server, bool isTimeout, string? method, Exception innerException)
        : base(isTimeout ? TimeoutCode : ConnectionFailedCode,
               new[] { uri?.ToString() ?? server ?? "" },
               message + " (" + (isTimeout ? TimeoutCode : ConnectionFailedCode) + ")",
               isTimeout ? XenErrorKind.Timeout : XenErrorKind.Connection,
               method,
               innerException ?? throw new ArgumentNullException(nameof(innerException)))
    {
        Uri = uri;
        Server = server ?? uri?.Host;
    }

    /// <summary>The endpoint that failed.</summary>
    public Uri? Uri { get; }

    /// <summary>The server name (as the user gave it when known, else the endpoint's host).</summary>
    public string? Server { get; }

    internal XenConnectionException WithContext(string? server, string? method) =>
        new XenConnectionException(StripCode(Message), Uri, server ?? Server, Kind == XenErrorKind.Timeout, method ?? Method, InnerException!);

    private string StripCode(string message)
    {
        var suffix = " (" + Code + ")";
        return message.EndsWith(suffix, StringComparison.Ordinal) ? message.Substring(0, message.Length - suffix.Length) : message;
    }
}
