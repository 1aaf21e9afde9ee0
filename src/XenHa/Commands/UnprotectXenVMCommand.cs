using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Removes VMs from HA protection (restart priority ""): HA no longer restarts them after a host
/// failure. Running VMs keep running. On XenServer 5.x pools ha_always_run is cleared first.
/// </summary>
[Cmdlet(VerbsSecurity.Unprotect, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class UnprotectXenVMCommand : VmTargetCmdlet
{
    /// <summary>Return the VMs after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessVm(Vm vm)
    {
        var session = vm.Connection.Session;
        var vmRef = new XenRef<Api.Vm>(vm.OpaqueRef);
        var record = Await(session.GetRecordAsync(vmRef, Cancellation));
        var legacy = HaPriority.IsLegacy(vm.Connection);
        if (record.HaRestartPriority.Length == 0 && !(legacy && record.HaAlwaysRun))
        {
            WriteVerbose($"VM '{vm.Name}' is not protected; nothing to do.");
        }
        else if (ShouldProcess($"VM '{vm.Name}'", $"Unprotect (restart priority '{record.HaRestartPriority}' -> none)"))
        {
            if (legacy && record.HaAlwaysRun)
            {
                Await(session.CallAsync<object?>("VM.set_ha_always_run", Cancellation, vmRef, false));
            }
            if (record.HaRestartPriority.Length > 0)
            {
                Await(session.CallAsync<object?>("VM.set_ha_restart_priority", Cancellation, vmRef, ""));
            }
        }
        else
        {
            return;
        }
        if (PassThru)
        {
            WriteObject(Refresh(vm));
        }
    }
}
