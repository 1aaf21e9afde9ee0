using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Shows XenHa's settings: the certificate policy in force and where it comes from, and the pinned certificates.</summary>
[Cmdlet(VerbsCommon.Get, "XenConfiguration")]
[OutputType(typeof(Configuration))]
public sealed class GetXenConfigurationCommand : XenCmdlet
{
    protected override void EndProcessing()
    {
        WriteObject(Read());
    }

    /// <summary>The settings as they are now (also Set-XenConfiguration -PassThru).</summary>
    internal static Configuration Read()
    {
        var store = CertificateSettings.Store;
        var policy = CertificateSettings.Effective(out var source);
        var pins = store.ReadPins().Select(p => new PinnedCertificate(p.Key, p.Value));
        return new Configuration(policy, source, CertificateSettings.SessionPolicy, store.ReadPolicy(), store.FilePath, pins);
    }
}
