using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Restarts hosts in the safe order: checks that every VM can leave, disables the host, live-migrates
/// its VMs away, hands the coordinator role over if needed, then calls host.reboot and waits
/// until the host is back.
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "XenHost", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(Host))]
public sealed class RestartXenHostCommand : HostPowerCommand
{
    protected override bool Reboot => true;
}
