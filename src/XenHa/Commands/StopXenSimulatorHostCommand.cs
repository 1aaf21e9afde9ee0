using System;
using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Pulls the power on simulated hosts: no clean shutdown, no evacuation. The pool notices on the
/// simulator clock (heartbeat timeout), as it would notice a real power loss.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "XenSimulatorHost", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SimulatorHostState))]
public sealed class StopXenSimulatorHostCommand : SimulatorHostPowerCmdlet
{
    protected override bool PowerOn => false;
}
