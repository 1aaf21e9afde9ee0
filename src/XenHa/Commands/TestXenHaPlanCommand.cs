using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// "What if these hosts fail?": for each VM on the failed hosts (or every protected VM when no host
/// is named), where xapi's planner would restart it or why it could not
/// (pool.ha_compute_vm_failover_plan), with the computed maximum number of host failures to
/// tolerate. Changes nothing, and works with HA off too.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "XenHaPlan")]
[OutputType(typeof(HaPlanEntry))]
public sealed class TestXenHaPlanCommand : XenCmdlet
{
    /// <summary>The hosts assumed to fail (names, UUIDs or objects from Get-XenHost).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[] FailedHost { get; set; } = Array.Empty<string>();

    /// <summary>The connection to use; the default connection if omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    private readonly List<string> _failed = new List<string>();

    protected override void ProcessRecord() => _failed.AddRange(FailedHost);

    protected override void EndProcessing()
    {
        var connection = ResolveConnection(Connection);
        try
        {
            Plan(connection);
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException)
        {
            ThrowXenError(e, connection);
        }
    }

    private void Plan(Connection connection)
    {
        var snapshot = HaSnapshot.Read(this, connection);
        var notFound = new List<ErrorRecord>();
        var failedHosts = HostResolver.ByName(snapshot.Hosts, _failed, notFound);
        if (notFound.Count > 0)
        {
            // A misspelt host would silently plan for fewer failures: stop instead.
            ThrowTerminatingError(notFound[0]);
        }
        var failedRefs = new HashSet<string>(failedHosts.Select(h => h.OpaqueRef), StringComparer.Ordinal);
        var candidates = failedRefs.Count == 0
            ? snapshot.Protected.ToList()
            : snapshot.Vms.Where(v => failedRefs.Contains(v.ResidentOn.OpaqueRef) && (v.PowerState == VmPowerState.Running || v.PowerState == VmPowerState.Paused)).ToList();
        var planned = candidates.Where(v => snapshot.Classify(v) != HaClass.Unprotected).ToList();

        var max = snapshot.ComputeMax(this);
        var plan = planned.Count == 0
            ? new Dictionary<string, Dictionary<string, string>>()
            : Await(connection.Session.CallAsync<Dictionary<string, Dictionary<string, string>>>("pool.ha_compute_vm_failover_plan", Cancellation,
                failedHosts.Select(h => new XenRef<Api.Host>(h.OpaqueRef)).ToList(),
                planned.Select(v => new XenRef<Api.Vm>(v.OpaqueRef)).ToList()));
        WriteVerbose(failedRefs.Count == 0
            ? $"Where the {planned.Count} protected VM(s) would restart; a plan exists for up to {max} host failure(s)."
            : $"If {string.Join(", ", failedHosts.Select(h => h.NameLabel))} failed: {candidates.Count} VM(s) affected; a plan exists for up to {max} host failure(s).");

        var entries = candidates
            .OrderBy(v => snapshot.Classify(v) == HaClass.Protected ? 0 : snapshot.Classify(v) == HaClass.BestEffort ? 1 : 2)
            .ThenBy(v => HaPriority.OrderOf(v, snapshot.Legacy))
            .ThenBy(v => v.NameLabel, StringComparer.OrdinalIgnoreCase);
        foreach (var vm in entries)
        {
            WriteObject(Entry(snapshot, vm, plan, max));
        }
    }

    private HaPlanEntry Entry(HaSnapshot snapshot, Api.Vm vm, Dictionary<string, Dictionary<string, string>> plan, long max)
    {
        var entry = new HaPlanEntry
        {
            VM = vm.NameLabel,
            Priority = HaPriority.Display(vm, snapshot.Legacy),
            Order = snapshot.Legacy ? HaPriority.OrderOf(vm, true) : vm.Order,
            CurrentHost = snapshot.HostName(vm.ResidentOn.OpaqueRef),
            MaxHostFailuresToTolerate = max,
            PoolName = snapshot.Pool.NameLabel,
            Uuid = vm.Uuid,
            OpaqueRef = vm.OpaqueRef,
            Connection = snapshot.Connection,
            Record = vm,
        };
        if (snapshot.Classify(vm) == HaClass.Unprotected)
        {
            entry.Reason = "Not protected: HA leaves it halted (Protect-XenVM marks it for restart).";
            entry.ErrorCode = "XenHaVmNotProtected";
            return entry;
        }
        if (!plan.TryGetValue(vm.OpaqueRef, out var row))
        {
            entry.Reason = "The planner returned nothing for this VM.";
            entry.ErrorCode = "XenHaNoPlanEntry";
            return entry;
        }
        if (row.TryGetValue("host", out var host) && !string.IsNullOrEmpty(host))
        {
            entry.TargetHost = snapshot.HostName(host);
            entry.Restartable = true;
            return entry;
        }
        row.TryGetValue("error_code", out var code);
        entry.ErrorCode = string.IsNullOrEmpty(code) ? "HA_NO_PLAN" : code!;
        entry.Reason = entry.ErrorCode == "HOST_NOT_ENOUGH_FREE_MEMORY"
            ? "No surviving host has enough free memory for it (HOST_NOT_ENOUGH_FREE_MEMORY)."
            : (snapshot.AgilityProblem(this, vm.OpaqueRef) is { } agility && agility.Code == entry.ErrorCode
                ? "Not agile: " + snapshot.Explain(agility)
                : snapshot.Explain(entry.ErrorCode, Array.Empty<string>()));
        return entry;
    }
}
