using System;
using System.Management.Automation;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Restart-XenHost and Stop-XenHost: the same safe order (check that every VM can leave, disable,
/// live-migrate the VMs away, hand the coordinator role over if needed), then host.reboot or
/// host.shutdown and a bounded wait until the host is back or down.
/// </summary>
public abstract class HostPowerCommand : HostTargetCmdlet
{
    /// <summary>True for a reboot, false for a shutdown.</summary>
    protected abstract bool Reboot { get; }

    /// <summary>The member that becomes coordinator when the host is the coordinator; the enabled host with the most free memory by default.</summary>
    [Parameter]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string? NewCoordinator { get; set; }

    /// <summary>Return the host, refreshed, once it is back (restart) or down (stop).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>How long to wait for the host to be back or down after the call, in seconds (the evacuation has its own hour).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSeconds { get; set; } = 900;

    protected override void ProcessHost(Connection connection, Api.Host host)
    {
        var power = new HostPower(this, reboot: Reboot)
        {
            NewCoordinator = NewCoordinator,
            PowerTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
        };
        var used = power.Run(connection, host, ShouldProcess);
        if (PassThru && used != null)
        {
            WriteObject(HostResolver.Refresh(this, used, host.OpaqueRef, Cancellation));
        }
    }
}
