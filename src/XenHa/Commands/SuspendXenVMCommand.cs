using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Suspends running VMs (VM.suspend): memory is saved to a disk on the suspend repository and the VM stops using host memory.</summary>
[Cmdlet(VerbsLifecycle.Suspend, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class SuspendXenVMCommand : VmTargetCmdlet
{
    /// <summary>Return the suspended VMs.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessVm(Vm vm)
    {
        if (!ShouldProcess($"VM '{vm.Name}'", "Suspend"))
        {
            return;
        }
        RunVmTask(vm, "suspend", $"Suspending VM '{vm.Name}'", vm.OpaqueRef);
        if (PassThru)
        {
            WriteObject(Refresh(vm));
        }
    }
}
