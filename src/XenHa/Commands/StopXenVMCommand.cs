using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Shuts VMs down: cleanly through the guest (VM.clean_shutdown), or at once with -Force
/// (VM.hard_shutdown, like pulling the plug; also discards a suspended VM's saved state).
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class StopXenVMCommand : VmTargetCmdlet
{
    /// <summary>Power the VMs off at once (VM.hard_shutdown) instead of asking the guest to shut down.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the stopped VMs.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessVm(Vm vm)
    {
        if (!ShouldProcess($"VM '{vm.Name}'", Force ? "Force shutdown (hard_shutdown)" : "Shut down"))
        {
            return;
        }
        if (Force)
        {
            RunVmTask(vm, "hard_shutdown", $"Forcing VM '{vm.Name}' off", vm.OpaqueRef);
        }
        else
        {
            RunVmTask(vm, "clean_shutdown", $"Shutting down VM '{vm.Name}'", vm.OpaqueRef);
        }
        if (PassThru)
        {
            WriteObject(Refresh(vm));
        }
    }
}
