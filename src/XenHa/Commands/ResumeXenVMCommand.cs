using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>Resumes suspended VMs (VM.resume, or VM.resume_on with -Host), waiting for each with progress.</summary>
[Cmdlet(VerbsLifecycle.Resume, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class ResumeXenVMCommand : VmTargetCmdlet
{
    /// <summary>The host to resume the VMs on (name, UUID or a host from Get-XenHost).</summary>
    [Parameter]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public new string? Host { get; set; }

    /// <summary>Resume the VMs paused.</summary>
    [Parameter]
    public SwitchParameter Paused { get; set; }

    /// <summary>Skip xapi's safety checks, such as CPU compatibility (VM.resume's force).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the resumed VMs.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessVm(Vm vm)
    {
        var host = Host == null ? ((XenRef<Api.Host> Ref, string Name)?)null : ResolveHost(vm.Connection, Host);
        if (!ShouldProcess($"VM '{vm.Name}'", "Resume" + (host.HasValue ? " on " + host.Value.Name : "")))
        {
            return;
        }
        if (host.HasValue)
        {
            RunVmTask(vm, "resume_on", $"Resuming VM '{vm.Name}' on {host.Value.Name}", vm.OpaqueRef, host.Value.Ref, Paused.IsPresent, Force.IsPresent);
        }
        else
        {
            RunVmTask(vm, "resume", $"Resuming VM '{vm.Name}'", vm.OpaqueRef, Paused.IsPresent, Force.IsPresent);
        }
        if (PassThru)
        {
            WriteObject(Refresh(vm));
        }
    }
}
