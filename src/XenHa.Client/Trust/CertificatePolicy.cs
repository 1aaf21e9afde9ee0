namespace XenHa.Client;

/// <summary>What to do with a server certificate that the operating system does not trust and that no pin vouches for.</summary>
public enum CertificatePolicy
{
    /// <summary>Refuse it (the default): only certificates the OS trusts, or pinned ones, are accepted.</summary>
    Fail,

    /// <summary>Trust on first use: accept the first certificate seen for a host:port and pin it; refuse any other later.</summary>
    Pin,

    /// <summary>Accept it with a warning, without pinning it.</summary>
    Warn,

    /// <summary>Accept any certificate, pinned or not (as -SkipCertificateCheck does for one call).</summary>
    Ignore,
}
