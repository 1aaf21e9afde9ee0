using System;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace XenHa.Client.Transport;

/// <summary>
/// The server-certificate check of every HTTPS request the client makes: <see cref="HttpXenTransport"/>
/// uses it, and so can any other <see cref="HttpClient"/> (file transfers such as VM export and import):
/// set <see cref="HttpClientHandler.ServerCertificateCustomValidationCallback"/> to <see cref="Callback"/>,
/// and when the request fails, <see cref="Refusal"/> says whether the certificate policy refused it
/// (throw <see cref="XenCertificateException"/> then). Order: SkipCertificateCheck accepts anything;
/// else the <see cref="XenSessionOptions.CertificateTrust"/> decides; else the CertificateValidator hook;
/// else the operating system's verdict.
/// </summary>
public static class CertificateValidation
{
    private const string RefusalKey = "XenHa.CertificateRefusal";
    private const string PolicyErrorsKey = "XenHa.SslPolicyErrors";

    public static Func<HttpRequestMessage, X509Certificate2?, X509Chain?, SslPolicyErrors, bool> Callback(XenSessionOptions options)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var skip = options.SkipCertificateCheck;
        var trust = options.CertificateTrust;
        var validator = options.CertificateValidator;
        return (request, certificate, chain, errors) =>
        {
            if (skip)
            {
                return true;
            }

            if (trust is not null && certificate is not null && request.RequestUri is { } target)
            {
                var decision = trust.Check(target.Host, target.Port, certificate, errors);
                if (!decision.Accepted)
                {
                    request.Properties[RefusalKey] = decision;
                }

                return decision.Accepted;
            }

            var ok = validator is not null ? certificate is not null && validator(certificate, chain, errors) : errors == SslPolicyErrors.None;
            if (!ok)
            {
                request.Properties[PolicyErrorsKey] = errors == SslPolicyErrors.None ? SslPolicyErrors.RemoteCertificateChainErrors : errors;
            }

            return ok;
        };
    }

    /// <summary>The certificate policy's refusal of this request's server certificate, if that is why it failed.</summary>
    public static CertificateDecision? Refusal(HttpRequestMessage request) =>
        request.Properties.TryGetValue(RefusalKey, out var refusal) ? refusal as CertificateDecision : null;

    /// <summary>The TLS errors of a certificate refused without a certificate policy (None otherwise).</summary>
    internal static SslPolicyErrors PolicyErrors(HttpRequestMessage request) =>
        request.Properties.TryGetValue(PolicyErrorsKey, out var recorded) && recorded is SslPolicyErrors errors ? errors : SslPolicyErrors.None;
}
