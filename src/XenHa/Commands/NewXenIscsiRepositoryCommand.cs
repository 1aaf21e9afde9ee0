using System;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Adds a shared iSCSI (lvmoiscsi) storage repository on one LUN, as XenCenter does: discovers the
/// IQN and LUN when they are not given, probes the LUN, reattaches an SR that already lives on it
/// (keeping its disks) or creates a new one. Re-running it returns the SR unchanged.
/// </summary>
[Cmdlet(VerbsCommon.New, "XenIscsiRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = DiscoverSet)]
[OutputType(typeof(Repository))]
public sealed class NewXenIscsiRepositoryCommand : XenCmdlet
{
    private const string DiscoverSet = "Discover";
    private const string ScsiIdSet = "ScsiId";
    private const string LunSet = "Lun";

    /// <summary>The name of the repository.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The iSCSI portal: host name or address.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = "";

    /// <summary>The portal's TCP port.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 3260;

    /// <summary>The target IQN; discovered when the portal offers exactly one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TargetIqn { get; set; }

    /// <summary>The SCSI id of the LUN (from Find-XenIscsiTarget -TargetIqn).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ScsiIdSet)]
    [ValidateNotNullOrEmpty]
    public string ScsiId { get; set; } = "";

    /// <summary>The LUN number; its SCSI id is discovered.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LunSet)]
    [ValidateRange(0, 16383)]
    public int Lun { get; set; }

    /// <summary>CHAP user and password, when the target requires them.</summary>
    [Parameter]
    [Credential]
    public PSCredential? ChapCredential { get; set; }

    /// <summary>Fail instead of reattaching an SR that already exists on the LUN.</summary>
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
        var provisioner = new RepositoryProvisioner(this, connection);
        try
        {
            var iqn = TargetIqn ?? DiscoverIqn(provisioner);
            var scsiId = ParameterSetName == ScsiIdSet ? ScsiId : DiscoverScsiId(provisioner, iqn);
            var config = RepositoryProvisioner.IscsiConfig(Target, Port, iqn, scsiId, ChapCredential);
            var request = new RepositoryRequest
            {
                Name = Name,
                Description = Description,
                Type = "lvmoiscsi",
                ContentType = "",
                Shared = true,
                Kind = "iSCSI",
                Where = $"{Target}:{Port} {iqn} LUN {scsiId}",
                DeviceConfig = config,
                ProbeConfig = config,
                NoReattach = NoReattach,
            };
            var repository = provisioner.Ensure(request);
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

    private string DiscoverIqn(RepositoryProvisioner provisioner)
    {
        var targets = provisioner.DiscoverTargets(Target, Port, ChapCredential)
            .Select(t => t.TargetIqn).Distinct(StringComparer.Ordinal).ToList();
        if (targets.Count == 1)
        {
            WriteVerbose($"{Target}:{Port} offers one target, {targets[0]}.");
            return targets[0];
        }
        throw targets.Count == 0
            ? new XenHaErrorException("XenHaIscsiTargetNotFound", ErrorCategory.ObjectNotFound,
                $"{Target}:{Port} offers no iSCSI target IQN. Nothing was changed.", Target)
            : new XenHaErrorException("XenHaIscsiTargetAmbiguous", ErrorCategory.InvalidArgument,
                $"{Target}:{Port} offers {targets.Count} targets ({string.Join(", ", targets)}); choose one with -TargetIqn. Nothing was changed.", Target);
    }

    private string DiscoverScsiId(RepositoryProvisioner provisioner, string iqn)
    {
        var luns = provisioner.DiscoverLuns(Target, Port, iqn, ChapCredential);
        var list = string.Join(", ", luns.Select(l => $"LUN {l.LunId} = {l.ScsiId} ({l.SizeGB} GB)"));
        if (ParameterSetName == LunSet)
        {
            var lun = luns.FirstOrDefault(l => l.LunId == Lun);
            if (lun == null)
            {
                throw new XenHaErrorException("XenHaIscsiLunNotFound", ErrorCategory.ObjectNotFound,
                    $"{iqn} has no LUN {Lun}" + (luns.Count > 0 ? $"; it has {list}." : ".") + " Nothing was changed.", Lun);
            }
            WriteVerbose($"LUN {Lun} of {iqn} is {lun.ScsiId}.");
            return lun.ScsiId;
        }
        if (luns.Count == 1)
        {
            WriteVerbose($"{iqn} has one LUN, {luns[0].ScsiId}.");
            return luns[0].ScsiId;
        }
        throw luns.Count == 0
            ? new XenHaErrorException("XenHaIscsiLunNotFound", ErrorCategory.ObjectNotFound,
                $"{iqn} has no LUN. Nothing was changed.", iqn)
            : new XenHaErrorException("XenHaIscsiLunAmbiguous", ErrorCategory.InvalidArgument,
                $"{iqn} has {luns.Count} LUNs ({list}); choose one with -Lun or -ScsiId. Nothing was changed.", iqn);
    }
}
