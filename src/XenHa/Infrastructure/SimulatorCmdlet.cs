using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;

namespace XenHa.Infrastructure;

/// <summary>
/// Base of the simulator fault cmdlets: finds the simulator (the given one, else the one this session
/// started last), checks it runs and has a control plane, reads its state and turns control-plane
/// refusals into error records.
/// </summary>
public abstract class SimulatorCmdlet : XenCmdlet
{
    /// <summary>The simulator to work on, or the one started last in this session.</summary>
    internal SimulatorInstance ResolveSimulator(SimulatorInstance? given)
    {
        var simulator = given ?? SimulatorProcesses.All.LastOrDefault();
        if (simulator == null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException("No simulator is running in this session. Start one with Start-XenSimulator, or pass -Simulator."),
                "XenHaSimulatorNotStarted", ErrorCategory.ObjectNotFound, null));
        }
        if (simulator!.HasExited)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException($"The simulator (PID {simulator.ProcessId}) has exited. Start a new one with Start-XenSimulator."),
                "XenHaSimulatorExited", ErrorCategory.ResourceUnavailable, simulator));
        }
        if (simulator.Control == null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException($"The simulator (PID {simulator.ProcessId}) has no control plane: its ready line announced no control= URL, so faults cannot be injected. Use the xensim bundled with this module."),
                "XenHaSimulatorNoControlPlane", ErrorCategory.NotImplemented, simulator));
        }
        return simulator;
    }

    /// <summary>Runs a control-plane request on the pipeline thread; a refusal stops the cmdlet.</summary>
    internal object? Control(SimulatorInstance simulator, Func<SimulatorControl, Task<object?>> request)
    {
        try
        {
            return Await(request(simulator.Control!));
        }
        catch (SimulatorControlException e)
        {
            ThrowTerminatingError(ControlError(e, simulator));
            return null;
        }
    }

    /// <summary>Runs a control-plane request for one item; a refusal is written as a non-terminating error.</summary>
    internal bool TryControl(SimulatorInstance simulator, object target, Func<SimulatorControl, Task<object?>> request, out object? result)
    {
        try
        {
            result = Await(request(simulator.Control!));
            return true;
        }
        catch (SimulatorControlException e)
        {
            WriteError(ControlError(e, target));
            result = null;
            return false;
        }
    }

    /// <summary>GET /state as one object per host.</summary>
    internal IReadOnlyList<SimulatorHostState> ReadState(SimulatorInstance simulator)
    {
        var state = Control(simulator, c => c.GetAsync("state", Cancellation)) as Dictionary<string, object?>
                    ?? new Dictionary<string, object?>();
        var hosts = new List<SimulatorHostState>();
        var clock = SimulatorControl.Str(state, "clock");
        var ha = SimulatorControl.Bool(state, "haEnabled");
        if (state.TryGetValue("hosts", out var list) && list is List<object?> items)
        {
            foreach (var item in items.OfType<Dictionary<string, object?>>())
            {
                hosts.Add(new SimulatorHostState
                {
                    Name = SimulatorControl.Str(item, "name"),
                    Address = SimulatorControl.Str(item, "address"),
                    Power = string.Equals(SimulatorControl.Str(item, "power"), "off", StringComparison.OrdinalIgnoreCase) ? "Off" : "On",
                    Live = SimulatorControl.Bool(item, "live"),
                    IsCoordinator = SimulatorControl.Bool(item, "coordinator"),
                    Isolated = SimulatorControl.Bool(item, "isolated"),
                    StorageLost = SimulatorControl.Strings(item, "storageLost"),
                    HaEnabled = ha,
                    Clock = clock,
                    Simulator = simulator,
                });
            }
        }
        return hosts;
    }

    /// <summary>
    /// The hosts named (wildcards allowed), in the simulator's order. Every name that matches nothing
    /// is reported (XenHaHostNotFound, non-terminating) before anything is done.
    /// </summary>
    internal List<SimulatorHostState> MatchHosts(IReadOnlyList<SimulatorHostState> hosts, IEnumerable<string> names, out bool allFound)
    {
        var matched = new List<SimulatorHostState>();
        allFound = true;
        foreach (var name in names)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var hits = hosts.Where(h => pattern.IsMatch(h.Name) || string.Equals(h.Address, name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                allFound = false;
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"The simulator has no host named '{name}'. Its hosts: {string.Join(", ", hosts.Select(h => h.Name))}."),
                    "XenHaHostNotFound", ErrorCategory.ObjectNotFound, name));
            }
            foreach (var hit in hits.Where(h => !matched.Contains(h)))
            {
                matched.Add(hit);
            }
        }
        matched.Sort((a, b) => IndexOf(hosts, a).CompareTo(IndexOf(hosts, b)));
        return matched;
    }

    private static int IndexOf(IReadOnlyList<SimulatorHostState> hosts, SimulatorHostState host)
    {
        for (var i = 0; i < hosts.Count; i++)
        {
            if (ReferenceEquals(hosts[i], host))
            {
                return i;
            }
        }
        return -1;
    }

    private static ErrorRecord ControlError(SimulatorControlException e, object? target)
    {
        if (e.Status == 0)
        {
            return new ErrorRecord(e, "XenHaSimulatorControlUnreachable", ErrorCategory.ConnectionError, target);
        }
        if (e.Status == 401 || e.Status == 403)
        {
            return new ErrorRecord(e, "XenHaSimulatorControlDenied", ErrorCategory.PermissionDenied, target);
        }
        var id = e.Code.Length > 0 ? e.Code : "XenHaSimulatorControlFailed";
        var category = e.Status == 404 ? ErrorCategory.ObjectNotFound
            : e.Status == 409 ? ErrorCategory.InvalidOperation
            : e.Status == 400 ? ErrorCategory.InvalidArgument
            : ErrorCategory.NotSpecified;
        return new ErrorRecord(e, id, category, target);
    }
}
