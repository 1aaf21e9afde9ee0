using System;
using System.Management.Automation;
using XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Restart-XenHost and Stop-XenHost: the same safe order (check that every VM can leave, disable,
/// live-migrate the VMs away, hand the coordinator role over if needed), then host.reboot or
/// host.shutdown and a bounded wait until the host is back or down.
/// </summary>
public abstract class HostPowerCommand : XenCmdlet
{
    /// <summary>True for a reboot, false for a shutdown.</summary>
    protected abstract bool Reboot { get; }

    protected const string NameSet = "Name";
    protected const string InputObjectSet = "InputObject";

    /// <summary>Host names or UUIDs; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Hosts from Get-XenHost.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public Host[] InputObject { get; set; } = Array.Empty<Host>();

    /// <summary>The pool's credentials; required for the coordinator, whose role moves to another member first.</summary>
    [Parameter]
    [Credential]
    [ValidateNotNull]
    public PSCredential? Credential { get; set; }

    /// <summary>The member that becomes coordinator when the host is the coordinator; the enabled host with the most free memory by default.</summary>
    [Parameter]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    public string? NewCoordinator { get; set; }

    /// <summary>Return the host, refreshed, once it is back (restart) or down (stop).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>How long to wait for the host to be back or down after the call, in seconds (the evacuation has its own hour).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSeconds { get; set; } = 900;

    /// <summary>The connection to use with -Name; the default connection if omitted.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var (connection, host) in HostTargets.Resolve(this, ParameterSetName == NameSet ? Name : null, InputObject,
                     ParameterSetName == NameSet ? ResolveConnection(Connection) : null))
        {
            var power = new HostPower(this, reboot: Reboot)
            {
                Credential = Credential,
                NewCoordinator = NewCoordinator,
                PowerTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
            };
            Connection? used;
            try
            {
                used = power.Run(connection, host, ShouldProcess);
            }
            catch (XenApiException e)
            {
                WriteXenError(e, host.NameLabel);
                continue;
            }
            catch (TimeoutException e)
            {
                WriteXenError(e, host.NameLabel);
                continue;
            }
            if (PassThru && used != null)
            {
                WriteObject(HostResolver.Refresh(this, used, host.OpaqueRef, Cancellation));
            }
        }
    }
}
