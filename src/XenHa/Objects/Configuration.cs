using System.Collections.Generic;
using System.Linq;
using XenHa.Client;

namespace XenHa;

/// <summary>Where Set-XenConfiguration keeps a setting.</summary>
public enum ConfigurationScope
{
    /// <summary>This PowerShell process only.</summary>
    Session,

    /// <summary>The per-user settings file, for every later process of this user.</summary>
    User,
}

/// <summary>XenHa's settings as Get-XenConfiguration shows them.</summary>
public sealed class Configuration
{
    internal Configuration(CertificatePolicy policy, string source, CertificatePolicy? sessionPolicy, CertificatePolicy? userPolicy,
        string path, IEnumerable<PinnedCertificate> pins)
    {
        CertificatePolicy = policy;
        PolicySource = source;
        SessionPolicy = sessionPolicy;
        UserPolicy = userPolicy;
        Path = path;
        PinnedCertificates = pins.ToArray();
    }

    /// <summary>The certificate policy new connections use.</summary>
    public CertificatePolicy CertificatePolicy { get; }

    /// <summary>Session, User or Default: which setting <see cref="CertificatePolicy"/> comes from.</summary>
    public string PolicySource { get; }

    /// <summary>The policy of scope Session (this process), if set.</summary>
    public CertificatePolicy? SessionPolicy { get; }

    /// <summary>The policy of scope User (the settings file), if set.</summary>
    public CertificatePolicy? UserPolicy { get; }

    /// <summary>The per-user settings file.</summary>
    public string Path { get; }

    /// <summary>The pinned certificates, by host:port.</summary>
    public IReadOnlyList<PinnedCertificate> PinnedCertificates { get; }
}

/// <summary>A certificate thumbprint pinned for one host:port.</summary>
public sealed class PinnedCertificate
{
    internal PinnedCertificate(string server, string thumbprint)
    {
        Server = server;
        Thumbprint = thumbprint;
    }

    /// <summary>host:port, as pins are keyed.</summary>
    public string Server { get; }

    /// <summary>SHA-256 thumbprint, 64 upper-case hex digits.</summary>
    public string Thumbprint { get; }

    public override string ToString() => Server + " " + Thumbprint;
}
