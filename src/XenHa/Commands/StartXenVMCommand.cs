using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Starts halted VMs (VM.start, or VM.start_on with -Host), waiting for each with progress.
/// Without -Host the pool chooses the host as xapi does: the VM's home server if it has one and
/// it can run the VM, else the host with the most room.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class StartXenVMCommand : VmTargetCmdlet
{
    /// <summary>The host to start the VMs on (name, UUID or a host from Get-XenHost).</summary>
    [Parameter]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public new string? Host { get; set; }

    /// <summary>Start the VMs paused (VM.start's start_paused).</summary>
    [Parameter]
    public SwitchParameter Paused { get; set; }

    /// <summary>Skip xapi's pre-boot safety checks, such as CPU compatibility with the last boot (VM.start's force).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the started VMs.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessVm(Vm vm)
    {
        var host = Host == null ? ((XenRef<Api.Host> Ref, string Name)?)null : ResolveHost(vm.Connection, Host);
        var where = host.HasValue ? " on " + host.Value.Name : "";
        if (!ShouldProcess($"VM '{vm.Name}'", (Paused ? "Start paused" : "Start") + where))
        {
            return;
        }
        if (host.HasValue)
        {
            RunVmTask(vm, "start_on", $"Starting VM '{vm.Name}' on {host.Value.Name}", vm.OpaqueRef, host.Value.Ref, Paused.IsPresent, Force.IsPresent);
        }
        else
        {
            RunVmTask(vm, "start", $"Starting VM '{vm.Name}'", vm.OpaqueRef, Paused.IsPresent, Force.IsPresent);
        }
        if (PassThru)
        {
            WriteObject(Refresh(vm));
        }
    }
}
