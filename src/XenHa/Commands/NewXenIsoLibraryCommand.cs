using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text.RegularExpressions;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Adds a shared ISO library (SR type iso) from an SMB/CIFS share or an NFS export. Re-running it
/// returns the library already attached from the same location.
/// </summary>
[Cmdlet(VerbsCommon.New, "XenIsoLibrary", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Repository))]
public sealed class NewXenIsoLibraryCommand : XenCmdlet
{
    private static readonly Regex CifsLocation = new Regex(@"^(//|\\\\)[^/\\]+[/\\][^/\\].*$", RegexOptions.CultureInvariant);
    private static readonly Regex NfsLocation = new Regex(@"^[^/\\:\s]+:/.*$", RegexOptions.CultureInvariant);

    /// <summary>The name of the library.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>//server/share (or \\server\share) for SMB, server:/path for NFS.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Location { get; set; } = "";

    /// <summary>The SMB user and password; not used for NFS.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>A description for the library.</summary>
    [Parameter]
    public string Description { get; set; } = "";

    /// <summary>The pool to add it to; the default connection when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    protected override void ProcessRecord()
    {
        var location = Location.Trim();
        var isCifs = CifsLocation.IsMatch(location);
        if (!isCifs && !NfsLocation.IsMatch(location))
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"'{Location}' is not an ISO library location; use //server/share for SMB or server:/path for NFS."),
                "XenHaInvalidIsoLocation", ErrorCategory.InvalidArgument, Location));
        }
        if (!isCifs && Credential != null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-Credential is for SMB shares; an NFS ISO library takes no credential."),
                "XenHaCredentialNotSupported", ErrorCategory.InvalidArgument, Location));
        }
        if (isCifs)
        {
            location = location.Replace('\\', '/');
        }
        var connection = ResolveConnection(Connection);
        var config = new Dictionary<string, string>
        {
            ["location"] = location,
            ["type"] = isCifs ? "cifs" : "nfs_iso",
        };
        if (isCifs && Credential != null)
        {
            config["username"] = Credential.UserName;
            config["cifspassword"] = Credential.GetNetworkCredential().Password;
        }
        var request = new RepositoryRequest
        {
            Name = Name,
            Description = Description,
            Type = "iso",
            ContentType = "iso",
            Shared = true,
            Kind = isCifs ? "SMB ISO library" : "NFS ISO library",
            Where = location,
            DeviceConfig = config,
            ProbeConfig = null,
            Matches = r => string.Equals(r.Type, "iso", StringComparison.OrdinalIgnoreCase)
                && r.DeviceConfig.TryGetValue("location", out var existing)
                && string.Equals(existing.Replace('\\', '/').TrimEnd('/'), location.TrimEnd('/'), StringComparison.OrdinalIgnoreCase),
        };
        try
        {
            var repository = new RepositoryProvisioner(this, connection).Ensure(request);
            if (repository != null)
            {
                WriteObject(repository);
            }
        }
        catch (XenHaErrorException e)
        {
            WriteError(e.Record);
        }
        catch (XenApiException e)
        {
            WriteXenError(e, Name);
        }
    }
}
