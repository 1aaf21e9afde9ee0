using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace XenHa.Infrastructure;

/// <summary>Builds SimulatorFault objects from the control plane's answers and its host state.</summary>
internal static class SimulatorFaults
{
    public const string PartitionId = "partition";
    public const string StoragePrefix = "storage-loss:";

    public static string StorageId(string host, string repository) =>
        StoragePrefix + host + (repository.Length > 0 ? ":" + repository : "");

    /// <summary>One call fault from a POST /faults body or a GET /faults entry.</summary>
    public static SimulatorFault FromCallRecord(IDictionary<string, object?> record, SimulatorInstance simulator)
    {
        return new SimulatorFault
        {
            Id = SimulatorControl.Str(record, "id"),
            Kind = SimulatorFaultKind.Call,
            Target = SimulatorControl.Str(record, "target"),
            Fired = (long)SimulatorControl.Number(record, "fired"),
            Method = SimulatorControl.Str(record, "method"),
            Error = SimulatorControl.Strings(record, "error"),
            DelayMilliseconds = (int)SimulatorControl.Number(record, "delayMs"),
            Probability = SimulatorControl.Number(record, "probability", 1.0),
            Count = (int)SimulatorControl.Number(record, "count"),
            DropConnection = SimulatorControl.Bool(record, "drop"),
            Simulator = simulator,
        };
    }

    /// <summary>The partition and storage-loss faults visible in the host state.</summary>
    public static IEnumerable<SimulatorFault> FromState(IReadOnlyList<SimulatorHostState> hosts, SimulatorInstance simulator)
    {
        var isolated = hosts.Where(h => h.Isolated).Select(h => h.Name).ToArray();
        if (isolated.Length > 0)
        {
            yield return new SimulatorFault { Id = PartitionId, Kind = SimulatorFaultKind.Partition, HostName = isolated, Simulator = simulator };
        }
        foreach (var host in hosts)
        {
            foreach (var repository in host.StorageLost)
            {
                yield return new SimulatorFault
                {
                    Id = StorageId(host.Name, repository),
                    Kind = SimulatorFaultKind.StorageLoss,
                    HostName = new[] { host.Name },
                    Repository = repository,
                    Simulator = simulator,
                };
            }
        }
    }

    /// <summary>GET /faults answered as a list or as {"faults":[...]}.</summary>
    public static IEnumerable<IDictionary<string, object?>> CallRecords(object? answer)
    {
        var list = answer as List<object?>;
        if (list == null && answer is Dictionary<string, object?> wrapper && wrapper.TryGetValue("faults", out var inner))
        {
            list = inner as List<object?>;
        }
        return (list ?? new List<object?>()).OfType<Dictionary<string, object?>>();
    }

    public static string Describe(SimulatorFault fault) => fault.Kind switch
    {
        SimulatorFaultKind.Partition => "partition of " + string.Join(", ", fault.HostName),
        SimulatorFaultKind.StorageLoss => "storage loss on " + string.Join(", ", fault.HostName)
                                          + (fault.Repository.Length > 0 ? " (" + fault.Repository + ")" : " (all shared repositories)"),
        _ => "call fault " + fault.Id + " on " + (fault.Method.Length > 0 ? fault.Method : "*")
             + (fault.Target.Length > 0 ? " for " + fault.Target : ""),
    };

    public static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
