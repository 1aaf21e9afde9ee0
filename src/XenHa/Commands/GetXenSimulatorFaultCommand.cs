using System;
using System.Linq;
using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Gets the faults active in a simulator: partitions, storage losses and call faults.</summary>
[Cmdlet(VerbsCommon.Get, "XenSimulatorFault")]
[OutputType(typeof(SimulatorFault))]
public sealed class GetXenSimulatorFaultCommand : SimulatorCmdlet
{
    /// <summary>Fault ids (f1, partition, storage-loss:xennode02...); wildcards allowed. All by default.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only faults of these kinds.</summary>
    [Parameter]
    public SimulatorFaultKind[]? Kind { get; set; }

    /// <summary>The simulator (from Start-XenSimulator); the one started last in this session by default.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public SimulatorInstance? Simulator { get; set; }

    protected override void ProcessRecord()
    {
        var simulator = ResolveSimulator(Simulator);
        var faults = SimulatorFaults.FromState(ReadState(simulator), simulator).ToList();
        var answer = Control(simulator, c => c.GetAsync("faults", Cancellation));
        faults.AddRange(SimulatorFaults.CallRecords(answer).Select(r => SimulatorFaults.FromCallRecord(r, simulator)));
        var patterns = Id?.Select(i => WildcardPattern.Get(i, WildcardOptions.IgnoreCase)).ToArray();
        foreach (var fault in faults)
        {
            if ((Kind == null || Kind.Contains(fault.Kind)) && (patterns == null || patterns.Any(p => p.IsMatch(fault.Id))))
            {
                WriteObject(fault);
            }
        }
        foreach (var id in Id ?? Array.Empty<string>())
        {
            if (!WildcardPattern.ContainsWildcardCharacters(id) && !faults.Any(f => string.Equals(f.Id, id, StringComparison.OrdinalIgnoreCase)))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"The simulator has no fault with id '{id}'."),
                    "XenHaFaultNotFound", ErrorCategory.ObjectNotFound, id));
            }
        }
    }
}
