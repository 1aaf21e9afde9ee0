using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace XenHa.Client;

/// <summary>
/// Decides whether a server certificate is accepted, for every connection the client makes (XenAPI
/// calls, logins, failover probes, HTTP transfers). In order:
/// policy Ignore accepts anything; a pinned host:port accepts only its pinned thumbprint (under Fail,
/// Pin and Warn alike); a certificate the OS trusts is accepted (and pinned under Pin); an untrusted
/// one is pinned under Pin, accepted with a notice under Warn, refused under Fail. Never prompts.
/// </summary>
public sealed class CertificateTrust
{
    public const string UntrustedCode = "XENHA_CERTIFICATE_UNTRUSTED";
    public const string ChangedCode = "XENHA_CERTIFICATE_CHANGED";

    private readonly HashSet<string> _warned = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public CertificateTrust(CertificatePolicy policy, TrustStore store)
    {
        Policy = policy;
        Store = store ?? throw new ArgumentNullException(nameof(store));
    }

    public CertificatePolicy Policy { get; }

    public TrustStore Store { get; }

    /// <summary>
    /// Called (on a network thread) with a one-line notice when a certificate is pinned on first use or
    /// accepted under Warn; once per host:port and thumbprint for this object.
    /// </summary>
    public Action<string>? Notify { get; set; }

    /// <summary>SHA-256 of the certificate's DER encoding, 64 upper-case hex digits.</summary>
    public static string Thumbprint(X509Certificate certificate)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(certificate.GetRawCertData());
        return BitConverter.ToString(hash).Replace("-", "");
    }

    /// <summary>Checks the certificate a server at host:port presented; pins it where the policy says so.</summary>
    public CertificateDecision Check(string host, int port, X509Certificate certificate, SslPolicyErrors errors)
    {
        var endpoint = TrustStore.EndpointKey(host, port);
        var presented = Thumbprint(certificate);
        if (Policy == CertificatePolicy.Ignore)
        {
            return Accept(endpoint, presented, null, "accepted without checks (certificate policy Ignore)");
        }

        var pinned = Store.GetPin(endpoint);
        if (pinned is not null)
        {
            return pinned == presented
                ? Accept(endpoint, presented, pinned, "matches the pinned thumbprint")
                : Refuse(ChangedCode, endpoint, presented, pinned,
                    $"The certificate of {endpoint} has changed: it presented SHA-256 {presented}, but {pinned} is pinned. "
                    + "The host may have been reinstalled or given a new certificate, or someone may be intercepting the connection. "
                    + $"Once you have checked the new thumbprint on the host, accept it with: {AcceptCommand(endpoint, presented)}");
        }

        if (Policy == CertificatePolicy.Pin)
        {
            var inForce = Store.PinIfAbsent(endpoint, presented);
            if (inForce != presented)
            {
                return Refuse(ChangedCode, endpoint, presented, inForce,
                    $"The certificate of {endpoint} has changed: it presented SHA-256 {presented}, but {inForce} was pinned meanwhile. "
                    + $"Once you have checked the new thumbprint on the host, accept it with: {AcceptCommand(endpoint, presented)}");
            }

            Tell(endpoint, presented, $"Pinned the certificate of {endpoint} on first use (SHA-256 {presented}) in {Store.FilePath}; a different certificate will be refused.");
            return Accept(endpoint, presented, null, "pinned on first use");
        }

        if (errors == SslPolicyErrors.None)
        {
            return Accept(endpoint, presented, null, "trusted by the operating system");
        }

        if (Policy == CertificatePolicy.Warn)
        {
            Tell(endpoint, presented, $"The certificate of {endpoint} (SHA-256 {presented}) is not trusted ({errors}); accepted because the certificate policy is Warn.");
            return Accept(endpoint, presented, null, "accepted with a warning (certificate policy Warn)");
        }

        return Refuse(UntrustedCode, endpoint, presented, null,
            $"The certificate of {endpoint} (SHA-256 {presented}) is not trusted ({errors}) and the certificate policy is Fail. "
            + $"If that is the host's certificate (check the thumbprint on the host), trust it with: {AcceptCommand(endpoint, presented)}; "
            + "or pin certificates on first use with: Set-XenConfiguration -CertificatePolicy Pin -Scope User");
    }

    /// <summary>The exact command that pins <paramref name="thumbprint"/> for the endpoint.</summary>
    public static string AcceptCommand(string endpoint, string thumbprint) =>
        $"Set-XenConfiguration -Server '{endpoint}' -CertificateThumbprint '{thumbprint}'";

    private void Tell(string endpoint, string presented, string notice)
    {
        var notify = Notify;
        if (notify is null)
        {
            return;
        }

        lock (_warned)
        {
            if (!_warned.Add(endpoint + " " + presented))
            {
                return;
            }
        }

        try
        {
            notify(notice);
        }
        catch (Exception)
        {
            // A notice must never break a connection.
        }
    }

    private static CertificateDecision Accept(string endpoint, string presented, string? pinned, string why) =>
        new CertificateDecision(true, endpoint, presented, pinned, null, $"The certificate of {endpoint} (SHA-256 {presented}) is {why}.");

    private static CertificateDecision Refuse(string code, string endpoint, string presented, string? pinned, string message) =>
        new CertificateDecision(false, endpoint, presented, pinned, code, message);
}
