using System;
using System.Linq;
using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Gets the simulated hosts as the simulator sees them: power, liveness, coordinator, partition and
/// storage loss. Reads the control plane, not XenAPI, so it works while the coordinator is down.
/// </summary>
[Cmdlet(VerbsCommon.Get, "XenSimulatorState")]
[OutputType(typeof(SimulatorHostState))]
public sealed class GetXenSimulatorStateCommand : SimulatorCmdlet
{
    /// <summary>Host names; wildcards allowed. All hosts by default.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The simulator (from Start-XenSimulator); the one started last in this session by default.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public SimulatorInstance? Simulator { get; set; }

    protected override void ProcessRecord()
    {
        var simulator = ResolveSimulator(Simulator);
        var hosts = ReadState(simulator);
        var selected = Name == null ? hosts.ToList() : MatchHosts(hosts, Name, out _);
        foreach (var host in selected)
        {
            WriteObject(host);
        }
    }
}
