using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Shuts down hosts in the safe order: checks that every VM can leave, disables the host, live-migrates
/// its VMs away, hands the coordinator role over if needed, then calls host.shutdown and waits
/// until the host is down.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "XenHost", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(Host))]
public sealed class StopXenHostCommand : HostPowerCommand
{
    protected override bool Reboot => false;
}
