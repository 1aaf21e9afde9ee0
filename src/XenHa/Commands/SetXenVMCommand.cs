using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Changes a VM's name, description, memory, virtual CPUs and home server. Every value is checked
/// before anything changes; memory and vCPU changes (which xapi allows only on a halted VM) are made
/// first, so a refusal from xapi leaves the VM exactly as it was.
/// </summary>
[Cmdlet(VerbsCommon.Set, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class SetXenVMCommand : VmTargetCmdlet
{
    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>The VM's new name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NewName { get; set; }

    /// <summary>The VM's new description ("" clears it).</summary>
    [Parameter]
    [AllowEmptyString]
    [ValidateNotNull]
    public string? Description { get; set; }

    /// <summary>Memory in GiB (static and dynamic maximum and dynamic minimum); the VM must be halted.</summary>
    [Parameter]
    [ValidateRange(0.125, 16384)]
    public double MemoryGB { get; set; }

    /// <summary>Number of virtual CPUs (at start-up and maximum); the VM must be halted.</summary>
    [Parameter]
    [ValidateRange(1, 512)]
    public int CpuCount { get; set; }

    /// <summary>The VM's home server (name, UUID or a host from Get-XenHost): the host the pool prefers when it starts the VM.</summary>
    [Parameter]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string? Affinity { get; set; }

    /// <summary>Remove the VM's home server ("don't assign a home server"), so it can start on any host.</summary>
    [Parameter]
    public SwitchParameter NoAffinity { get; set; }

    /// <summary>Return the changed VMs.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private bool HasMemory => MyInvocation.BoundParameters.ContainsKey(nameof(MemoryGB));
    private bool HasCpuCount => MyInvocation.BoundParameters.ContainsKey(nameof(CpuCount));

    protected override void BeginProcessing()
    {
        if (Affinity != null && NoAffinity)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-Affinity and -NoAffinity cannot be used together."),
                "XenHaAffinityConflict", ErrorCategory.InvalidArgument, null));
        }
    }

    protected override void ProcessVm(Vm vm)
    {
        var session = vm.Connection.Session;
        // Read the VM again: the piped object may be old, and the checks need its current limits.
        var record = Await(session.GetRecordAsync(new XenRef<Api.Vm>(vm.OpaqueRef), Cancellation));
        var affinity = Affinity == null ? ((XenRef<Api.Host> Ref, string Name)?)null : ResolveHost(vm.Connection, Affinity);
        var memory = HasMemory ? VmResolver.BytesOf(MemoryGB) : 0;
        if (HasMemory && !CheckMemory(vm, record, memory))
        {
            return;
        }
        if (HasCpuCount && !CheckCpuCount(vm, record))
        {
            return;
        }

        var changes = new List<string>();
        if (NewName != null) changes.Add($"name '{NewName}'");
        if (Description != null) changes.Add($"description '{Description}'");
        if (HasMemory) changes.Add(string.Format(CultureInfo.InvariantCulture, "memory {0} GB", memory / GiB));
        if (HasCpuCount) changes.Add($"{CpuCount} vCPUs");
        if (affinity.HasValue) changes.Add($"home server {affinity.Value.Name}");
        if (NoAffinity) changes.Add("no home server");
        if (changes.Count == 0)
        {
            WriteVerbose($"Nothing to change on VM '{vm.Name}'.");
        }
        else if (!ShouldProcess($"VM '{vm.Name}'", "Set " + string.Join(", ", changes)))
        {
            return;
        }

        // Power-state-dependent changes first: if xapi refuses, nothing else has changed.
        if (HasMemory)
        {
            var staticMin = Math.Min(record.MemoryStaticMin, memory);
            Await(session.CallAsync<object?>("VM.set_memory_limits", Cancellation, vm.OpaqueRef, staticMin, memory, memory, memory));
        }
        if (HasCpuCount)
        {
            // VCPUs_at_startup may never exceed VCPUs_max: raise the maximum first, lower it last.
            if (CpuCount > record.VCPUsMax)
            {
                Await(session.CallAsync<object?>("VM.set_VCPUs_max", Cancellation, vm.OpaqueRef, (long)CpuCount));
                Await(session.CallAsync<object?>("VM.set_VCPUs_at_startup", Cancellation, vm.OpaqueRef, (long)CpuCount));
            }
            else
            {
                Await(session.CallAsync<object?>("VM.set_VCPUs_at_startup", Cancellation, vm.OpaqueRef, (long)CpuCount));
                Await(session.CallAsync<object?>("VM.set_VCPUs_max", Cancellation, vm.OpaqueRef, (long)CpuCount));
            }
        }
        if (NewName != null)
        {
            Await(session.CallAsync<object?>("VM.set_name_label", Cancellation, vm.OpaqueRef, NewName));
        }
        if (Description != null)
        {
            Await(session.CallAsync<object?>("VM.set_name_description", Cancellation, vm.OpaqueRef, Description));
        }
        if (affinity.HasValue || NoAffinity)
        {
            var target = affinity.HasValue ? affinity.Value.Ref.OpaqueRef : XenRef<Api.Host>.NullText;
            Await(session.CallAsync<object?>("VM.set_affinity", Cancellation, vm.OpaqueRef, target));
        }
        if (PassThru)
        {
            WriteObject(Refresh(vm));
        }
    }

    /// <summary>Memory must lie within the VM's recommended maximum; xapi checks the power state.</summary>
    private bool CheckMemory(Vm vm, Api.Vm record, long memory)
    {
        var max = VmResolver.Recommendation(record, "memory-static-max");
        if (max > 0 && memory > max)
        {
            WriteError(new ErrorRecord(
                new ArgumentOutOfRangeException(nameof(MemoryGB), string.Format(CultureInfo.InvariantCulture,
                    "VM '{0}': {1} GB is more than the {2} GB its template allows.", vm.Name, memory / GiB, max / GiB)),
                "XenHaMemoryOutOfRange", ErrorCategory.InvalidArgument, vm));
            return false;
        }
        return true;
    }

    private bool CheckCpuCount(Vm vm, Api.Vm record)
    {
        var max = VmResolver.Recommendation(record, "vcpus-max");
        if (max > 0 && CpuCount > max)
        {
            WriteError(new ErrorRecord(
                new ArgumentOutOfRangeException(nameof(CpuCount), $"VM '{vm.Name}': {CpuCount} vCPUs is more than the {max} its template allows."),
                "XenHaCpuCountOutOfRange", ErrorCategory.InvalidArgument, vm));
            return false;
        }
        return true;
    }
}
