using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace XenHa.Infrastructure;

/// <summary>Shared body of Stop-/Start-XenSimulatorHost.</summary>
public abstract class SimulatorHostPowerCmdlet : SimulatorCmdlet
{
    /// <summary>Host names (xennode01...); wildcards allowed. Host objects from Get-XenHost bind by their Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The simulator (from Start-XenSimulator); the one started last in this session by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public SimulatorInstance? Simulator { get; set; }

    /// <summary>Write the hosts' state afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected abstract bool PowerOn { get; }

    private readonly List<(SimulatorInstance Simulator, string[] Names)> _requests =
        new List<(SimulatorInstance, string[])>();

    protected override void ProcessRecord() => _requests.Add((ResolveSimulator(Simulator), Name));

    protected override void EndProcessing()
    {
        // Check every name first: a typo changes nothing.
        var work = new List<(SimulatorInstance Simulator, SimulatorHostState Host)>();
        var allFound = true;
        foreach (var group in _requests.GroupBy(r => r.Simulator))
        {
            var hosts = ReadState(group.Key);
            var matched = MatchHosts(hosts, group.SelectMany(r => r.Names), out var found);
            allFound &= found;
            foreach (var host in matched)
            {
                work.Add((group.Key, host));
            }
        }
        if (!allFound)
        {
            return;
        }

        var action = PowerOn ? "Power on (simulated)" : "Pull the power (simulated)";
        foreach (var (simulator, host) in work)
        {
            if (string.Equals(host.Power, PowerOn ? "On" : "Off", StringComparison.Ordinal))
            {
                WriteVerbose($"{host.Name} is already powered {(PowerOn ? "on" : "off")}.");
            }
            else if (!ShouldProcess(host.Name, action))
            {
                continue;
            }
            else if (!TryControl(simulator, host.Name,
                         c => c.PostAsync("hosts/" + Uri.EscapeDataString(host.Name) + (PowerOn ? "/power-on" : "/power-off"), null, Cancellation), out _))
            {
                continue;
            }
            if (PassThru)
            {
                foreach (var state in ReadState(simulator))
                {
                    if (state.Name == host.Name)
                    {
                        WriteObject(state);
                    }
                }
            }
        }
    }
}
