using System;

namespace XenHa.Client;

/// <summary>
/// The server's certificate was refused by the certificate policy: <c>XENHA_CERTIFICATE_UNTRUSTED</c>
/// (not trusted, policy Fail) or <c>XENHA_CERTIFICATE_CHANGED</c> (differs from the pinned one).
/// Parameters: host:port, the presented SHA-256 thumbprint, the pinned one ("" when none). Kind Security.
/// Not a coordinator loss: the session does not fail over because of it.
/// </summary>
public sealed class XenCertificateException : XenApiException
{
    public XenCertificateException(CertificateDecision decision, string? method, Exception innerException)
        : base(decision.RefusalCode ?? CertificateTrust.UntrustedCode,
               new[] { decision.Endpoint, decision.Presented, decision.Pinned ?? "" },
               decision.Message + " (" + (decision.RefusalCode ?? CertificateTrust.UntrustedCode) + ")",
               XenErrorKind.Security,
               method,
               innerException)
    {
        Decision = decision;
    }

    public CertificateDecision Decision { get; }

    internal XenCertificateException WithMethod(string method) =>
        Method == method ? this : new XenCertificateException(Decision, method, InnerException!);
}
