using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Takes hosts out of maintenance mode as XenCenter does (remove the MAINTENANCE_MODE mark, enable the
/// host) and, with -Failback, live-migrates back the VMs that Suspend-XenHost moved away.
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "XenHost", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Host), typeof(Vm))]
public sealed class ResumeXenHostCommand : HostTargetCmdlet
{
    /// <summary>Move the VMs that Suspend-XenHost evacuated back to the host.</summary>
    [Parameter]
    public SwitchParameter Failback { get; set; }

    /// <summary>How many VMs move back at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Return the host, refreshed, and with -Failback the VMs moved back.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>How long enabling the host and the failback may take, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSeconds { get; set; } = 3600;

    protected override void ProcessHost(Connection connection, Api.Host host)
    {
        var maintenance = new HostMaintenance(this, connection);
        var hostRef = new XenRef<Api.Host>(host.OpaqueRef);
        host.OtherConfig.TryGetValue(HostMaintenance.EvacuatedKey, out var recorded);
        var uuids = new HashSet<string>((recorded ?? "").Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);

        var back = new List<Api.Vm>();
        if (Failback && uuids.Count > 0)
        {
            back = Await(connection.Session.GetAllRecordsWhereAsync<Api.Vm>("field \"is_a_template\"=\"false\"", Cancellation))
                .Where(v => uuids.Contains(v.Uuid))
                .ToList();
            foreach (var gone in back.Where(v => v.PowerState != VmPowerState.Running || v.ResidentOn.OpaqueRef == host.OpaqueRef).ToList())
            {
                WriteVerbose($"{gone.NameLabel} is {gone.PowerState.ToString().ToLowerInvariant()}" +
                             (gone.ResidentOn.OpaqueRef == host.OpaqueRef ? $" on {host.NameLabel} already" : "") + "; it is not moved.");
                back.Remove(gone);
            }
        }
        else if (Failback)
        {
            WriteVerbose($"No VMs were recorded as evacuated from {host.NameLabel}; nothing to move back.");
        }

        var action = "Exit maintenance mode: remove the MAINTENANCE_MODE mark and enable the host" +
                     (back.Count > 0 ? ", then live-migrate back " + string.Join(", ", back.Select(v => v.NameLabel).OrderBy(n => n, StringComparer.OrdinalIgnoreCase)) : "");
        if (!ShouldProcess(host.NameLabel, action))
        {
            return;
        }

        maintenance.Enable(host, TimeSpan.FromSeconds(TimeoutSeconds));
        var moved = back.Count > 0 ? MoveBack(connection, host, back) : new List<string>();
        maintenance.RemoveOtherConfig(hostRef, HostMaintenance.EvacuatedKey);

        if (PassThru)
        {
            WriteObject(HostResolver.Refresh(this, connection, host.OpaqueRef, Cancellation));
            if (moved.Count > 0)
            {
                foreach (var vm in Await(PoolReader.ReadVmsAsync(connection, false, false, Cancellation)).Where(v => moved.Contains(v.OpaqueRef)))
                {
                    WriteObject(vm);
                }
            }
        }
    }

    private List<string> MoveBack(Connection connection, Api.Host host, List<Api.Vm> vms)
    {
        var names = RefNames.Read(this, connection, Cancellation);
        var hostRef = new XenRef<Api.Host>(host.OpaqueRef);
        var items = vms.Select(vm => new ParallelTaskItem(connection, $"{vm.NameLabel}: {names.Name(vm.ResidentOn.OpaqueRef)} -> {host.NameLabel}", vm.NameLabel)
        {
            Start = ct => connection.Session.CallAsync<XenRef<XenTask>>("Async.VM.pool_migrate", ct,
                new XenRef<Api.Vm>(vm.OpaqueRef), hostRef, new Dictionary<string, string> { ["live"] = "true" }),
        }).ToList();
        var moved = new List<string>();
        var refs = vms.ToDictionary(v => v.NameLabel, v => v.OpaqueRef);
        new ParallelTasks(this, $"Moving {items.Count} VM(s) back to {host.NameLabel}")
        {
            ThrottleLimit = ThrottleLimit,
            Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
        }.Run(items, item =>
        {
            if (item.State == ParallelTaskState.Succeeded)
            {
                moved.Add(refs[(string)item.Target]);
                WriteVerbose($"{item.Label}: done.");
            }
            else
            {
                WriteError(names.Record(item.Error!, item.Target));
            }
        });
        return moved;
    }
}
