using System;
using System.IO;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Sets the certificate policy (for this process or, with -Scope User, in the per-user settings
/// file), or pins the certificate thumbprint a server must present.
/// </summary>
[Cmdlet(VerbsCommon.Set, "XenConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PolicySet)]
[OutputType(typeof(Configuration))]
public sealed class SetXenConfigurationCommand : XenCmdlet
{
    private const string PolicySet = "Policy";
    private const string TrustSet = "Trust";

    /// <summary>Fail, Pin, Warn or Ignore: what to do with a certificate that is neither trusted by the OS nor pinned.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
    public CertificatePolicy CertificatePolicy { get; set; }

    /// <summary>Session (this process, the default) or User (the per-user settings file).</summary>
    [Parameter(ParameterSetName = PolicySet)]
    public ConfigurationScope Scope { get; set; } = ConfigurationScope.Session;

    /// <summary>The server whose certificate is pinned: host, host:port or URL (port 443 by default).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = TrustSet)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = "";

    /// <summary>The SHA-256 thumbprint the server must present (64 hex digits; colons and spaces are ignored).</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = TrustSet)]
    [ValidateNotNullOrEmpty]
    public string CertificateThumbprint { get; set; } = "";

    /// <summary>Returns the settings afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        if (ParameterSetName == TrustSet)
        {
            Pin();
        }
        else
        {
            SetPolicy();
        }
        if (PassThru)
        {
            WriteObject(GetXenConfigurationCommand.Read());
        }
    }

    private void SetPolicy()
    {
        if (!ShouldProcess($"certificate policy (scope {Scope})", $"Set to {CertificatePolicy}"))
        {
            return;
        }
        if (Scope == ConfigurationScope.Session)
        {
            CertificateSettings.SessionPolicy = CertificatePolicy;
            return;
        }
        var store = CertificateSettings.Store;
        Write(store, () => store.WritePolicy(CertificatePolicy));
        if (CertificateSettings.SessionPolicy is { } session && session != CertificatePolicy)
        {
            WriteWarning($"This process keeps using the certificate policy {session} set with -Scope Session; the User policy {CertificatePolicy} applies to new processes.");
        }
    }

    private void Pin()
    {
        string endpoint;
        string thumbprint;
        try
        {
            endpoint = TrustStore.EndpointKey(Server);
            thumbprint = TrustStore.NormalizeThumbprint(CertificateThumbprint);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "XenHaInvalidCertificateSetting", ErrorCategory.InvalidArgument, Server));
            return;
        }
        var store = CertificateSettings.Store;
        var previous = store.GetPin(endpoint);
        var action = previous == null || previous == thumbprint
            ? $"Trust the certificate with SHA-256 thumbprint {thumbprint}"
            : $"Replace the pinned certificate {previous} with {thumbprint}";
        if (!ShouldProcess(endpoint, action))
        {
            return;
        }
        Write(store, () => store.SetPin(endpoint, thumbprint));
        WriteVerbose($"Pinned {thumbprint} for {endpoint} in {store.FilePath}.");
    }

    private void Write(TrustStore store, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"Cannot write the XenHa settings file {store.FilePath}: {e.Message}", e),
                "XenHaConfigurationWriteFailed", ErrorCategory.WriteError, store.FilePath));
        }
    }
}
