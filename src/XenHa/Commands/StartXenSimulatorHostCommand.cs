using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Powers simulated hosts back on. They boot on the simulator clock and rejoin the pool (with HA, once
/// they are back in the liveset).
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "XenSimulatorHost", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SimulatorHostState))]
public sealed class StartXenSimulatorHostCommand : SimulatorHostPowerCmdlet
{
    protected override bool PowerOn => true;
}
