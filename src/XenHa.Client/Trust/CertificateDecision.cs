namespace XenHa.Client;

/// <summary>The outcome of checking one server certificate (see <see cref="CertificateTrust.Check"/>).</summary>
public sealed class CertificateDecision
{
    internal CertificateDecision(bool accepted, string endpoint, string presented, string? pinned, string? refusalCode, string message)
    {
        Accepted = accepted;
        Endpoint = endpoint;
        Presented = presented;
        Pinned = pinned;
        RefusalCode = refusalCode;
        Message = message;
    }

    public bool Accepted { get; }

    /// <summary>host:port the certificate was presented for.</summary>
    public string Endpoint { get; }

    /// <summary>SHA-256 thumbprint (64 upper-case hex digits) of the certificate presented.</summary>
    public string Presented { get; }

    /// <summary>The thumbprint pinned for the endpoint before this check, if any.</summary>
    public string? Pinned { get; }

    /// <summary>XENHA_CERTIFICATE_UNTRUSTED or XENHA_CERTIFICATE_CHANGED when refused, else null.</summary>
    public string? RefusalCode { get; }

    /// <summary>Why it was accepted or refused, with what to do next for a refusal.</summary>
    public string Message { get; }
}
