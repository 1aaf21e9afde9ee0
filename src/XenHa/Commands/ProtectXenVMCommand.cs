using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Marks VMs for HA restart, as XenCenter's HA wizard does: restart priority, then order and start
/// delay. A VM that is not agile is refused with xapi's reason (VM.assert_agile) before anything is
/// set on it; xapi refuses a change that would break the failover plan
/// (HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN). On XenServer 5.x pools (API older than 1.9) Restart
/// becomes the numeric priority from -Order ("1".."3") plus ha_always_run.
/// </summary>
[Cmdlet(VerbsSecurity.Protect, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class ProtectXenVMCommand : VmTargetCmdlet
{
    /// <summary>Restart: always restarted when its host fails (counted in the plan). BestEffort: restarted if capacity remains.</summary>
    [Parameter(Mandatory = true)]
    [ValidateSet("Restart", "BestEffort")]
    public string Priority { get; set; } = "Restart";

    /// <summary>Restart order: lower numbers start first; VMs with the same order start together.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Order { get; set; }

    /// <summary>Seconds to wait after starting this VM before the next order group starts.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int StartDelaySeconds { get; set; }

    /// <summary>Return the VMs after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private bool HasOrder => MyInvocation.BoundParameters.ContainsKey(nameof(Order));
    private bool HasStartDelay => MyInvocation.BoundParameters.ContainsKey(nameof(StartDelaySeconds));
    private bool IsRestart => string.Equals(Priority, "Restart", StringComparison.OrdinalIgnoreCase);

    protected override void ProcessVm(Vm vm)
    {
        var session = vm.Connection.Session;
        var vmRef = new XenRef<Api.Vm>(vm.OpaqueRef);
        var record = Await(session.GetRecordAsync(vmRef, Cancellation));
        var legacy = HaPriority.IsLegacy(vm.Connection);
        if (legacy && HasStartDelay)
        {
            WriteError(new ErrorRecord(new NotSupportedException(
                    $"VM '{vm.Name}': this pool (API {vm.Connection.ApiVersion}, XenServer 5.x) has no start delay; -StartDelaySeconds needs XenServer 6.0 or later. Nothing was changed."),
                "XenHaNotSupportedByVersion", ErrorCategory.NotImplemented, vm));
            return;
        }
        if (IsRestart && !CheckAgile(vm))
        {
            return;
        }

        var priority = IsRestart ? (legacy ? HaPriority.LegacyPriority(vm.Connection, HasOrder ? Order : (int?)null) : HaPriority.Restart) : HaPriority.BestEffort;
        var changes = new List<string>();
        if (record.HaRestartPriority != priority || (legacy && !record.HaAlwaysRun))
        {
            changes.Add("restart priority " + (legacy ? $"'{priority}'" : Priority));
        }
        if (!legacy && HasOrder && record.Order != Order)
        {
            changes.Add("order " + Order.ToString(CultureInfo.InvariantCulture));
        }
        if (HasStartDelay && record.StartDelay != StartDelaySeconds)
        {
            changes.Add($"start delay {StartDelaySeconds} s");
        }
        if (changes.Count == 0)
        {
            WriteVerbose($"VM '{vm.Name}' is already protected with these settings; nothing to do.");
        }
        else
        {
            if (!ShouldProcess($"VM '{vm.Name}'", "Protect: " + string.Join(", ", changes)))
            {
                return;
            }
            // The priority first: it is the change xapi may refuse (HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN),
            // and then nothing else has changed.
            if (record.HaRestartPriority != priority)
            {
                Await(session.CallAsync<object?>("VM.set_ha_restart_priority", Cancellation, vmRef, priority));
            }
            if (legacy && !record.HaAlwaysRun)
            {
                try
                {
                    Await(session.CallAsync<object?>("VM.set_ha_always_run", Cancellation, vmRef, true));
                }
                catch (XenApiException)
                {
                    Restore(vm, vmRef, record.HaRestartPriority);
                    throw;
                }
            }
            if (!legacy && HasOrder && record.Order != Order)
            {
                Await(session.CallAsync<object?>("VM.set_order", Cancellation, vmRef, (long)Order));
            }
            if (HasStartDelay && record.StartDelay != StartDelaySeconds)
            {
                Await(session.CallAsync<object?>("VM.set_start_delay", Cancellation, vmRef, (long)StartDelaySeconds));
            }
        }
        if (PassThru)
        {
            WriteObject(Refresh(vm));
        }
    }

    /// <summary>VM.assert_agile: a VM HA cannot restart elsewhere is refused with xapi's reason, before any change.</summary>
    private bool CheckAgile(Vm vm)
    {
        try
        {
            Await(vm.Connection.Session.CallAsync<object?>("VM.assert_agile", Cancellation, new XenRef<Api.Vm>(vm.OpaqueRef)));
            return true;
        }
        catch (XenApiException e)
        {
            var names = RefNames.Read(this, vm.Connection, Cancellation);
            var record = ErrorRecords.From(e, vm);
            record.ErrorDetails = new ErrorDetails(
                $"VM '{vm.Name}' cannot be protected: it is not agile, so HA could not restart it on another host. {names.Rename(e.Message)}. Nothing was changed.");
            record.ErrorDetails.RecommendedAction = "Move its disks to a shared repository, its network interfaces to a network every host has, and eject local CDs; or use -Priority BestEffort.";
            WriteError(record);
            return false;
        }
    }

    private void Restore(Vm vm, XenRef<Api.Vm> vmRef, string previous)
    {
        try
        {
            Await(vm.Connection.Session.CallAsync<object?>("VM.set_ha_restart_priority", Cancellation, vmRef, previous));
        }
        catch (XenApiException e)
        {
            WriteWarning($"VM '{vm.Name}': could not put the restart priority back to '{previous}': {e.Message}");
        }
    }
}
