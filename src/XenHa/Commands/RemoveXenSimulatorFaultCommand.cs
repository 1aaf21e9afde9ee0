using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Ends simulator faults: deletes call faults, heals partitions (every partition heals at once) and
/// gives storage back.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "XenSimulatorFault", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(void))]
public sealed class RemoveXenSimulatorFaultCommand : SimulatorCmdlet
{
    private const string InputObjectSet = "InputObject";
    private const string IdSet = "Id";
    private const string AllSet = "All";

    /// <summary>The faults to end (from Add- or Get-XenSimulatorFault).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public SimulatorFault[] InputObject { get; set; } = Array.Empty<SimulatorFault>();

    /// <summary>Fault ids (f1, partition, storage-loss:xennode02...).</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>End every fault: heal, restore all storage, delete every call fault.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>The simulator (from Start-XenSimulator); the one started last in this session by default.</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = IdSet)]
    [Parameter(ValueFromPipeline = true, ParameterSetName = AllSet)]
    [ValidateNotNull]
    public SimulatorInstance? Simulator { get; set; }

    private bool _healed;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var fault in InputObject)
            {
                End(ResolveSimulator(fault.Simulator), fault);
            }
            return;
        }

        var simulator = ResolveSimulator(Simulator);
        var faults = SimulatorFaults.FromState(ReadState(simulator), simulator).ToList();
        faults.AddRange(SimulatorFaults.CallRecords(Control(simulator, c => c.GetAsync("faults", Cancellation)))
            .Select(r => SimulatorFaults.FromCallRecord(r, simulator)));
        var selected = new List<SimulatorFault>();
        if (All)
        {
            selected.AddRange(faults);
        }
        else
        {
            var missing = false;
            foreach (var id in Id)
            {
                var fault = faults.FirstOrDefault(f => string.Equals(f.Id, id, StringComparison.OrdinalIgnoreCase));
                if (fault == null)
                {
                    missing = true;
                    WriteError(new ErrorRecord(new ItemNotFoundException($"The simulator has no fault with id '{id}'. Get-XenSimulatorFault lists them."),
                        "XenHaFaultNotFound", ErrorCategory.ObjectNotFound, id));
                }
                else if (!selected.Contains(fault))
                {
                    selected.Add(fault);
                }
            }
            if (missing)
            {
                return;
            }
        }
        foreach (var fault in selected)
        {
            End(simulator, fault);
        }
    }

    private void End(SimulatorInstance simulator, SimulatorFault fault)
    {
        switch (fault.Kind)
        {
            case SimulatorFaultKind.Partition:
                if (_healed || !ShouldProcess(string.Join(", ", fault.HostName), "Heal the network partition (simulated)"))
                {
                    return;
                }
                _healed = TryControl(simulator, fault, c => c.PostAsync("heal", null, Cancellation), out _);
                break;
            case SimulatorFaultKind.StorageLoss:
                var host = fault.HostName.FirstOrDefault() ?? "";
                if (!ShouldProcess(host, "Restore access to " + (fault.Repository.Length > 0 ? "storage repository " + fault.Repository : "storage") + " (simulated)"))
                {
                    return;
                }
                var body = new Dictionary<string, object?>();
                if (fault.Repository.Length > 0)
                {
                    body["sr"] = fault.Repository;
                }
                TryControl(simulator, fault, c => c.PostAsync("hosts/" + Uri.EscapeDataString(host) + "/storage-restore", body, Cancellation), out _);
                break;
            default:
                if (!ShouldProcess(SimulatorFaults.Describe(fault), "Remove the fault"))
                {
                    return;
                }
                TryControl(simulator, fault, c => c.DeleteAsync("faults/" + Uri.EscapeDataString(fault.Id), Cancellation), out _);
                break;
        }
    }
}
