using System;
using System.Collections.Generic;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Adds an NFS storage repository to the pool, as XenCenter's "New Storage" does: probes the export
/// first, reattaches an SR that already lives there (keeping its disks), or creates a new one.
/// Re-running it on a pool that already has the SR returns the SR unchanged.
/// </summary>
[Cmdlet(VerbsCommon.New, "XenNfsRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Repository))]
public sealed class NewXenNfsRepositoryCommand : XenCmdlet
{
    /// <summary>The name of the repository.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The NFS server (host name or address).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = "";

    /// <summary>The exported path, e.g. /exports/xen.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [Alias("ServerPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The NFS version to mount with; the server's default (3) when omitted.</summary>
    [Parameter]
    [ValidateSet("3", "4", "4.0", "4.1")]
    public string? NfsVersion { get; set; }

    /// <summary>Attach the repository on every host (default); $false attaches it on the coordinator only.</summary>
    [Parameter]
    public bool Shared { get; set; } = true;

    /// <summary>Fail instead of reattaching an SR that already exists on the export.</summary>
    [Parameter]
    public SwitchParameter NoReattach { get; set; }

    /// <summary>A description for the repository.</summary>
    [Parameter]
    public string Description { get; set; } = "";

    /// <summary>The pool to add it to; the default connection when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    protected override void ProcessRecord()
    {
        var connection = ResolveConnection(Connection);
        var path = Path.StartsWith("/", StringComparison.Ordinal) ? Path : "/" + Path;
        var config = new Dictionary<string, string> { ["server"] = Server, ["serverpath"] = path };
        if (NfsVersion != null)
        {
            config["nfsversion"] = NfsVersion;
        }
        var request = new RepositoryRequest
        {
            Name = Name,
            Description = Description,
            Type = "nfs",
            ContentType = "",
            Shared = Shared,
            Kind = "NFS",
            Where = Server + ":" + path,
            DeviceConfig = config,
            ProbeConfig = new Dictionary<string, string> { ["server"] = Server, ["serverpath"] = path },
            NoReattach = NoReattach,
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
