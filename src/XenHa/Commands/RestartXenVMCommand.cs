using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Reboots VMs: cleanly through the guest (VM.clean_reboot), or at once with -Force (VM.hard_reboot).</summary>
[Cmdlet(VerbsLifecycle.Restart, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class RestartXenVMCommand : VmTargetCmdlet
{
    /// <summary>Reset the VMs at once (VM.hard_reboot) instead of asking the guest to reboot.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the restarted VMs.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessVm(Vm vm)
    {
        if (!ShouldProcess($"VM '{vm.Name}'", Force ? "Force reboot (hard_reboot)" : "Reboot"))
        {
            return;
        }
        if (Force)
        {
            RunVmTask(vm, "hard_reboot", $"Resetting VM '{vm.Name}'", vm.OpaqueRef);
        }
        else
        {
            RunVmTask(vm, "clean_reboot", $"Rebooting VM '{vm.Name}'", vm.OpaqueRef);
        }
        if (PassThru)
        {
            WriteObject(Refresh(vm));
        }
    }
}
