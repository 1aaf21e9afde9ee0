using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Asks an iSCSI portal, through the pool coordinator, which target IQNs it offers or, with
/// -TargetIqn, which LUNs one IQN has: the discovery XenCenter's "New Storage" wizard does.
/// </summary>
[Cmdlet(VerbsCommon.Find, "XenIscsiTarget")]
[OutputType(typeof(IscsiTarget), typeof(IscsiLun))]
public sealed class FindXenIscsiTargetCommand : XenCmdlet
{
    /// <summary>The portal: host name or address of the iSCSI target.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Address")]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = "";

    /// <summary>The portal's TCP port.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 3260;

    /// <summary>List the LUNs of this IQN instead of the IQNs.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? TargetIqn { get; set; }

    /// <summary>CHAP user and password, when the target requires them.</summary>
    [Parameter]
    [Credential]
    public PSCredential? ChapCredential { get; set; }

    /// <summary>The pool whose coordinator does the discovery; the default connection when omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    protected override void ProcessRecord()
    {
        var connection = ResolveConnection(Connection);
        var provisioner = new RepositoryProvisioner(this, connection);
        try
        {
            if (string.IsNullOrEmpty(TargetIqn))
            {
                WriteVerbose($"Discovering the IQNs of {Target}:{Port}.");
                foreach (var target in provisioner.DiscoverTargets(Target, Port, ChapCredential))
                {
                    WriteObject(target);
                }
            }
            else
            {
                WriteVerbose($"Discovering the LUNs of {TargetIqn} on {Target}:{Port}.");
                foreach (var lun in provisioner.DiscoverLuns(Target, Port, TargetIqn!, ChapCredential))
                {
                    WriteObject(lun);
                }
            }
        }
        catch (XenApiException e)
        {
            WriteXenError(e, Target);
        }
    }
}
