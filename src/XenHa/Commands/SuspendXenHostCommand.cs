using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Puts hosts into maintenance mode as XenCenter does: checks that every VM can leave, disables the
/// host, marks it MAINTENANCE_MODE, live-migrates its VMs away (host.evacuate) and, for the
/// coordinator, hands the role to another member. Records which VMs left, for Resume-XenHost -Failback.
/// </summary>
[Cmdlet(VerbsLifecycle.Suspend, "XenHost", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Host))]
public sealed class SuspendXenHostCommand : HostTargetCmdlet
{
    /// <summary>The member that becomes coordinator when the host is the coordinator; the enabled host with the most free memory by default.</summary>
    [Parameter]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string? NewCoordinator { get; set; }

    /// <summary>Return the host, refreshed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>How long the evacuation may take, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSeconds { get; set; } = 3600;

    protected override void ProcessHost(Connection connection, Api.Host host)
    {
        var maintenance = new HostMaintenance(this, connection);
        var isCoordinator = connection.Session.CoordinatorRef.OpaqueRef == host.OpaqueRef;

        // Every check before any change.
        maintenance.AssertCanEvacuate(host);
        var vms = maintenance.ResidentVms(host);
        var plan = maintenance.Plan(host, vms);
        Api.Host? successor = null;
        if (isCoordinator)
        {
            successor = maintenance.ChooseCoordinator(host, NewCoordinator, out var why);
            if (successor == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"{host.NameLabel} is the pool coordinator and no member can take the role over: {why} Nothing was changed."),
                    "XenHaNoNewCoordinator", ErrorCategory.InvalidOperation, host.NameLabel));
            }
        }

        var description = Describe(host, plan, successor);
        if (!ShouldProcess(description, description + Environment.NewLine + "Continue?", "Suspend-XenHost"))
        {
            return;
        }

        maintenance.DisableAndEvacuate(host, vms, mark: true, TimeSpan.FromSeconds(TimeoutSeconds));
        if (successor != null)
        {
            maintenance.HandOver(successor, TimeSpan.FromSeconds(TimeoutSeconds));
        }

        if (PassThru)
        {
            WriteObject(HostResolver.Refresh(this, maintenance.Connection, host.OpaqueRef, Cancellation));
        }
    }

    private static string Describe(Api.Host host, IReadOnlyList<(Api.Vm Vm, string Target)> plan, Api.Host? successor)
    {
        var lines = new List<string>
        {
            $"Put {host.NameLabel} into maintenance mode: disable it, mark it MAINTENANCE_MODE, and live-migrate {plan.Count} VM(s) away" +
            (plan.Count == 0 ? "." : " (expected placement; xapi makes the final choice):"),
        };
        lines.AddRange(plan.Select(p => $"  {p.Vm.NameLabel} -> {p.Target}"));
        if (successor != null)
        {
            lines.Add($"  then hand the coordinator role to {successor.NameLabel} and reconnect to it.");
        }
        return string.Join(Environment.NewLine, lines);
    }
}
