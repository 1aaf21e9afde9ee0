using System;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace XenHa.Client;

/// <summary>Connection settings for <see cref="XenSession.LoginAsync"/>.</summary>
public sealed class XenSessionOptions
{
    /// <summary>Accept any server certificate (lab hosts with self-signed certificates).</summary>
    public bool SkipCertificateCheck { get; set; }

    /// <summary>When set, decides whether a server certificate is accepted; otherwise normal OS validation applies.</summary>
    public Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? CertificateValidator { get; set; }

    /// <summary>
    /// The certificate policy and pins every HTTPS connection of the session is checked against
    /// (logins, calls, failover probes); takes precedence over <see cref="CertificateValidator"/>.
    /// <see cref="SkipCertificateCheck"/> still accepts anything.
    /// </summary>
    public CertificateTrust? CertificateTrust { get; set; }

    /// <summary>Timeout of each HTTP call.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Sent as the login <c>originator</c> (cmdlets pass "XenHa/&lt;version&gt;") and as User-Agent.</summary>
    public string Originator { get; set; } = "XenHa";

    /// <summary>Sent as the login <c>version</c>.</summary>
    public string ApiVersion { get; set; } = "2.21";

    /// <summary>How many HOST_IS_SLAVE redirects to follow during login.</summary>
    public int MaxRedirects { get; set; } = 3;

    /// <summary>
    /// How long a call may spend finding a new coordinator after the current one stops answering
    /// (rounds over the remembered members with back-off). Zero turns coordinator failover off.
    /// </summary>
    public TimeSpan FailoverTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Timeout of each login attempt at one member while looking for the coordinator.</summary>
    public TimeSpan FailoverProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first pause between rounds over the members (doubling up to 10 s).</summary>
    public TimeSpan FailoverRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The largest response body accepted (bytes, default 512 MiB, about seven times a
    /// VM.get_all_records of 10,000 VMs); a larger one fails with <see cref="XenProtocolException"/>.
    /// </summary>
    public long MaxResponseBytes { get; set; } = XmlRpc.XmlRpcLimits.DefaultMaxResponseBytes;

    /// <summary>The deepest nesting of arrays and structs accepted in a response (default 64; xapi sends at most 5).</summary>
    public int MaxNestingDepth { get; set; } = XmlRpc.XmlRpcLimits.DefaultMaxNestingDepth;

    /// <summary>The longest string accepted in a response, in characters (default 64 Mi).</summary>
    public int MaxStringLength { get; set; } = XmlRpc.XmlRpcLimits.DefaultMaxStringLength;
}
