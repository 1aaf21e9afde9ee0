using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// XenCenter's "Enter/Exit Maintenance Mode" sequence (reference §7), shared by Suspend-, Resume-,
/// Restart- and Stop-XenHost: list the VMs that prevent evacuation, plan where the others go,
/// disable + mark + evacuate with rollback, hand the coordinator role over and follow it.
/// </summary>
internal sealed class HostMaintenance
{
    /// <summary>The other_config mark XenCenter shows as "maintenance mode".</summary>
    public const string MaintenanceKey = "MAINTENANCE_MODE";

    /// <summary>Where XenHa records the UUIDs of the VMs it evacuated, for Resume-XenHost -Failback.</summary>
    public const string EvacuatedKey = "XenHa.evacuated_vms";

    private readonly XenCmdlet _cmdlet;

    public HostMaintenance(XenCmdlet cmdlet, Connection connection)
    {
        _cmdlet = cmdlet;
        Connection = connection;
    }

    /// <summary>The connection in use (changes when the coordinator role is handed over).</summary>
    public Connection Connection { get; private set; }

    private XenSession Session => Connection.Session;

    private CancellationToken Stop => _cmdlet.StopToken;

    /// <summary>host.get_vms_which_prevent_evacuation, with names and reasons.</summary>
    public IReadOnlyList<EvacuationBlocker> Blockers(Api.Host host)
    {
        var map = _cmdlet.AwaitCall(Session.CallAsync<Dictionary<string, List<string>>>(
            "host.get_vms_which_prevent_evacuation", Stop, new XenRef<Api.Host>(host.OpaqueRef)));
        if (map == null || map.Count == 0)
        {
            return Array.Empty<EvacuationBlocker>();
        }
        var names = RefNames.Read(_cmdlet, Connection, Stop);
        var vms = _cmdlet.AwaitCall(Session.GetAllRecordsWhereAsync<Api.Vm>("field \"is_a_template\"=\"false\"", Stop))
            .ToDictionary(v => v.OpaqueRef, StringComparer.Ordinal);
        var blockers = new List<EvacuationBlocker>();
        foreach (var entry in map.OrderBy(e => names.Name(e.Key), StringComparer.OrdinalIgnoreCase))
        {
            var description = entry.Value.Count > 0 ? entry.Value : new List<string> { "UNKNOWN_ERROR" };
            var parameters = description.Skip(1).ToList();
            vms.TryGetValue(entry.Key, out var vm);
            blockers.Add(new EvacuationBlocker
            {
                VM = names.Name(entry.Key),
                Host = host.NameLabel,
                Code = description[0],
                Parameters = names.Rename(parameters).ToArray(),
                Reason = names.Rename(XenApiException.FriendlyMessage(description[0], parameters)),
                VmUuid = vm?.Uuid ?? "",
                VmOpaqueRef = entry.Key,
            });
        }
        return blockers;
    }

    /// <summary>Throws the terminating CANNOT_EVACUATE_HOST error when any VM blocks evacuation.</summary>
    public void AssertCanEvacuate(Api.Host host)
    {
        var blockers = Blockers(host);
        if (blockers.Count > 0)
        {
            _cmdlet.ThrowTerminatingError(new ErrorRecord(
                new EvacuationBlockedException(host.NameLabel, blockers),
                "CANNOT_EVACUATE_HOST",
                ErrorCategory.InvalidOperation,
                host.NameLabel));
        }
    }

    /// <summary>The running guest VMs resident on a host.</summary>
    public IReadOnlyList<Api.Vm> ResidentVms(Api.Host host) =>
        _cmdlet.AwaitCall(Session.GetAllRecordsWhereAsync<Api.Vm>(
                $"field \"resident_on\"=\"{host.OpaqueRef}\" and field \"is_control_domain\"=\"false\"", Stop))
            .Where(v => v.PowerState == VmPowerState.Running || v.PowerState == VmPowerState.Paused)
            .OrderBy(v => v.NameLabel, StringComparer.OrdinalIgnoreCase)
            .ToList();

    /// <summary>
    /// Where each VM would go: biggest VM first onto the enabled, live host with the most free memory,
    /// as xapi's evacuation planner does. xapi makes the final choice; this is the forecast -WhatIf shows.
    /// </summary>
    public IReadOnlyList<(Api.Vm Vm, string Target)> Plan(Api.Host host, IReadOnlyList<Api.Vm> vms)
    {
        var hosts = _cmdlet.AwaitCall(Session.GetAllRecordsAsync<Api.Host>(Stop));
        var metrics = _cmdlet.AwaitCall(Session.GetAllRecordsAsync<HostMetrics>(Stop)).ToDictionary(m => m.OpaqueRef, StringComparer.Ordinal);
        var free = hosts
            .Where(h => h.OpaqueRef != host.OpaqueRef && h.Enabled
                        && metrics.TryGetValue(h.Metrics.OpaqueRef, out var m) && m.Live)
            .ToDictionary(h => h.NameLabel, h => metrics[h.Metrics.OpaqueRef].MemoryFree);
        var plan = new List<(Api.Vm, string)>();
        foreach (var vm in vms.OrderByDescending(Footprint))
        {
            var best = free.Where(f => f.Value >= Footprint(vm)).OrderByDescending(f => f.Value).Select(f => f.Key).FirstOrDefault();
            if (best == null)
            {
                plan.Add((vm, "(no host with enough free memory)"));
                continue;
            }
            free[best] -= Footprint(vm);
            plan.Add((vm, best));
        }
        return plan;
    }

    /// <summary>The memory a VM needs on a target host.</summary>
    public static long Footprint(Api.Vm vm) => Math.Max(vm.MemoryDynamicMax, vm.MemoryStaticMax) + vm.MemoryOverhead;

    /// <summary>
    /// host.disable, the MAINTENANCE_MODE mark (when <paramref name="mark"/>), the record of the VMs to
    /// move, then Async.host.evacuate with progress. Any failure (or Ctrl+C) rolls back: the host is
    /// enabled again and the marks removed; VMs that already moved stay where they are.
    /// </summary>
    public void DisableAndEvacuate(Api.Host host, IReadOnlyList<Api.Vm> toMove, bool mark, TimeSpan timeout)
    {
        var hostRef = new XenRef<Api.Host>(host.OpaqueRef);
        _cmdlet.WriteVerbose($"Disabling {host.NameLabel} so it accepts no new VMs.");
        _cmdlet.AwaitCall(Session.CallAsync<object?>("host.disable", Stop, hostRef));
        try
        {
            if (mark)
            {
                SetOtherConfig(hostRef, MaintenanceKey, "true");
                SetOtherConfig(hostRef, EvacuatedKey, string.Join(",", toMove.Select(v => v.Uuid)));
            }
            if (toMove.Count > 0)
            {
                _cmdlet.WriteVerbose($"Evacuating {host.NameLabel}: live-migrating {toMove.Count} VM(s) to the other hosts.");
            }
            var task = _cmdlet.AwaitCall(Session.CallAsync<XenRef<XenTask>>("Async.host.evacuate", Stop, hostRef));
            new TaskWaiter(_cmdlet, Connection)
            {
                Activity = $"Evacuating {host.NameLabel} ({toMove.Count} VM(s))",
                ActivityId = 20,
                Timeout = timeout,
            }.Wait(task, "Live-migrating the VMs to the other hosts");
        }
        catch (Exception e) when (e is XenApiException || e is TimeoutException || e is PipelineStoppedException)
        {
            Rollback(host, mark);
            throw;
        }
    }

    /// <summary>Undoes <see cref="DisableAndEvacuate"/>'s marks; works after Ctrl+C too (own short timeouts).</summary>
    private void Rollback(Api.Host host, bool mark)
    {
        var hostRef = new XenRef<Api.Host>(host.OpaqueRef);
        var steps = new List<Func<CancellationToken, System.Threading.Tasks.Task>>
        {
            ct => Session.CallAsync<object?>("host.remove_from_other_config", ct, hostRef, MaintenanceKey),
            ct => Session.CallAsync<object?>("host.remove_from_other_config", ct, hostRef, EvacuatedKey),
            ct => Session.CallAsync<object?>("host.enable", ct, hostRef),
        };
        if (!mark)
        {
            steps.RemoveRange(0, 2);
        }
        foreach (var step in steps)
        {
            try
            {
                ParallelTasks.BestEffortCall(step, TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is XenApiException || e is AggregateException || e is OperationCanceledException || e is XenConnectionException)
            {
                if (!_cmdlet.StopToken.IsCancellationRequested)
                {
                    _cmdlet.WriteWarning($"Rolling back {host.NameLabel} failed at one step: {e.Message}");
                }
            }
        }
    }

    /// <summary>Exit maintenance: remove the mark, then Async.host.enable (XenCenter's order).</summary>
    public void Enable(Api.Host host, TimeSpan timeout)
    {
        var hostRef = new XenRef<Api.Host>(host.OpaqueRef);
        _cmdlet.AwaitCall(Session.CallAsync<object?>("host.remove_from_other_config", Stop, hostRef, MaintenanceKey));
        var task = _cmdlet.AwaitCall(Session.CallAsync<XenRef<XenTask>>("Async.host.enable", Stop, hostRef));
        new TaskWaiter(_cmdlet, Connection) { Activity = $"Enabling {host.NameLabel}", ActivityId = 20, Timeout = timeout }
            .Wait(task, "Enabling the host");
    }

    public void SetOtherConfig(XenRef<Api.Host> host, string key, string value)
    {
        _cmdlet.AwaitCall(Session.CallAsync<object?>("host.remove_from_other_config", Stop, host, key));
        _cmdlet.AwaitCall(Session.CallAsync<object?>("host.add_to_other_config", Stop, host, key, value));
    }

    public void RemoveOtherConfig(XenRef<Api.Host> host, string key) =>
        _cmdlet.AwaitCall(Session.CallAsync<object?>("host.remove_from_other_config", Stop, host, key));

    /// <summary>
    /// The member that takes the coordinator role: the one named, else the enabled, live member with the
    /// most free memory. Null (with <paramref name="why"/>) when there is none.
    /// </summary>
    public Api.Host? ChooseCoordinator(Api.Host leaving, string? wanted, out string why)
    {
        var hosts = _cmdlet.AwaitCall(Session.GetAllRecordsAsync<Api.Host>(Stop));
        var metrics = _cmdlet.AwaitCall(Session.GetAllRecordsAsync<HostMetrics>(Stop)).ToDictionary(m => m.OpaqueRef, StringComparer.Ordinal);
        bool Usable(Api.Host h) => h.OpaqueRef != leaving.OpaqueRef && h.Enabled
                                   && metrics.TryGetValue(h.Metrics.OpaqueRef, out var m) && m.Live;
        why = "";
        if (!string.IsNullOrEmpty(wanted))
        {
            var named = HostResolver.Find(hosts, wanted!);
            if (named == null || !Usable(named))
            {
                why = named == null ? $"No member named '{wanted}' was found." : $"{named.NameLabel} is not an enabled, live member.";
                return null;
            }
            return named;
        }
        var best = hosts.Where(Usable).OrderByDescending(h => metrics[h.Metrics.OpaqueRef].MemoryFree).FirstOrDefault();
        if (best == null)
        {
            why = "No other member is enabled and live.";
        }
        return best;
    }

    /// <summary>
    /// pool.designate_new_master, then the connection's own session is re-pointed at the new
    /// coordinator (it keeps its credential in memory), so the same connection object goes on working.
    /// </summary>
    public void HandOver(Api.Host newCoordinator, TimeSpan timeout)
    {
        _cmdlet.WriteVerbose($"Handing the coordinator role to {newCoordinator.NameLabel}.");
        var task = _cmdlet.AwaitCall(Session.CallAsync<XenRef<XenTask>>("Async.pool.designate_new_master", Stop,
            new XenRef<Api.Host>(newCoordinator.OpaqueRef)));
        try
        {
            new TaskWaiter(_cmdlet, Connection) { Activity = $"Handing the coordinator role to {newCoordinator.NameLabel}", ActivityId = 20, Timeout = timeout, CancelOnStop = false }
                .Wait(task, "Designating the new coordinator");
        }
        catch (XenApiException e) when (e.Code == "HOST_IS_SLAVE")
        {
            // The old coordinator already answers as a member: the role has moved, and this session with it.
        }
        var session = Connection.Session;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (session.CoordinatorRef.OpaqueRef != newCoordinator.OpaqueRef)
        {
            try
            {
                _cmdlet.AwaitCall(ReconnectAsync(session));
            }
            catch (XenApiException) when (DateTime.UtcNow < deadline)
            {
                // The pool is between coordinators for a moment.
            }
            if (session.CoordinatorRef.OpaqueRef == newCoordinator.OpaqueRef)
            {
                break;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"The pool did not report {newCoordinator.NameLabel} as its coordinator within 60 s after the hand-over.");
            }
            if (Stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(500)))
            {
                throw new PipelineStoppedException();
            }
        }
        Connection.CoordinatorName = newCoordinator.NameLabel;
        _cmdlet.WriteVerbose($"Connected to the new coordinator {newCoordinator.NameLabel} at {session.Uri} (connection {Connection.Id}).");
    }

    private async System.Threading.Tasks.Task<bool> ReconnectAsync(XenSession session)
    {
        await session.ReconnectAsync(Stop).ConfigureAwait(false);
        return true;
    }
}
