using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using XenHa.Client;
using XenHa.Commands;

namespace XenHa.Infrastructure;

/// <summary>
/// The certificate policy in force (scope Session for this process, else scope User from the settings
/// file, else Fail) and the options every XenHa login is built from, so that Connect-XenPool, the pool
/// joiners and any later transfer check certificates the same way.
/// </summary>
internal static class CertificateSettings
{
    private static readonly ConcurrentQueue<string> Notices = new ConcurrentQueue<string>();
    private static readonly object Gate = new object();
    private static CertificatePolicy? _sessionPolicy;

    /// <summary>The per-user settings file, located afresh each time (XENHA_CONFIG_DIR may change).</summary>
    public static TrustStore Store => new TrustStore(TrustStore.DefaultDirectory());

    public static CertificatePolicy? SessionPolicy
    {
        get { lock (Gate) { return _sessionPolicy; } }
        set { lock (Gate) { _sessionPolicy = value; } }
    }

    /// <summary>The policy new connections use, and where it comes from (Session, User or Default).</summary>
    public static CertificatePolicy Effective(out string source)
    {
        if (SessionPolicy is { } session)
        {
            source = "Session";
            return session;
        }
        if (Store.ReadPolicy() is { } user)
        {
            source = "User";
            return user;
        }
        source = "Default";
        return CertificatePolicy.Fail;
    }

    /// <summary>Login options with the certificate trust in force; -SkipCertificateCheck is Ignore for this call only.</summary>
    public static XenSessionOptions NewOptions(bool skipCertificateCheck, TimeSpan timeout)
    {
        var trust = new CertificateTrust(Effective(out _), Store) { Notify = Notices.Enqueue };
        return new XenSessionOptions
        {
            SkipCertificateCheck = skipCertificateCheck,
            CertificateTrust = trust,
            Timeout = timeout,
            Originator = "XenHa/" + ConnectXenPoolCommand.ModuleVersion,
        };
    }

    /// <summary>Notices (pinned on first use, accepted under Warn) waiting to be written as warnings.</summary>
    public static IEnumerable<string> DrainNotices()
    {
        while (Notices.TryDequeue(out var notice))
        {
            yield return notice;
        }
    }
}
