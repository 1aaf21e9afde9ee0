using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Guided recovery from a dead host in a pool WITHOUT HA (the article's ungraceful test, done
/// safely): finds hosts that are not live, lists the VMs stuck "Running" on them, demands fencing
/// evidence (the host does not answer on its management address, and the coordinator has already
/// marked it not live) or -Force, then declares the host dead (host.declare_dead; VM.power_state_reset
/// per VM before XenServer 6.2) and starts the VMs on surviving hosts by HA priority and order,
/// checking free memory first. Reports one RecoveryResult per VM.
/// </summary>
[Cmdlet(VerbsDiagnostic.Repair, "XenPool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RecoveryResult))]
public sealed class RepairXenPoolCommand : XenCmdlet
{
    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>The dead hosts to recover (names, UUIDs or objects from Get-XenHost); every host that is not live by default.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public new string[] Host { get; set; } = Array.Empty<string>();

    /// <summary>Proceed without fencing evidence: you assert the host is powered off (it may still answer on its management address).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Also restart VMs that have no HA restart priority (after the protected and best-effort ones).</summary>
    [Parameter]
    public SwitchParameter IncludeUnprotected { get; set; }

    /// <summary>Seconds to wait for the dead host's management address to answer (the fencing probe).</summary>
    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSeconds { get; set; } = 5;

    /// <summary>The connection to use; the default connection if omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    private readonly List<string> _hosts = new List<string>();

    protected override void ProcessRecord() => _hosts.AddRange(Host);

    protected override void EndProcessing()
    {
        var connection = ResolveConnection(Connection);
        try
        {
            Repair(connection);
        }
        catch (XenHaErrorException e)
        {
            ThrowTerminatingError(e.Record);
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException)
        {
            ThrowXenError(e, connection);
        }
    }

    private void Repair(Connection connection)
    {
        var snapshot = HaSnapshot.Read(this, connection);
        var poolName = snapshot.Pool.NameLabel.Length > 0 ? snapshot.Pool.NameLabel : connection.ToString();
        if (snapshot.Pool.HaEnabled)
        {
            throw new XenHaErrorException("XenHaHaEnabled", ErrorCategory.InvalidOperation,
                $"HA is enabled on pool '{poolName}': it fences failed hosts and restarts their protected VMs itself. "
                + "Repair-XenPool is for pools without HA; see Get-XenHa and Test-XenHaPlan. Nothing was changed.", snapshot.Pool.NameLabel);
        }

        var notFound = new List<ErrorRecord>();
        var named = HostResolver.ByName(snapshot.Hosts, _hosts, notFound);
        if (notFound.Count > 0)
        {
            ThrowTerminatingError(notFound[0]);
        }
        var candidates = _hosts.Count > 0 ? named : snapshot.Hosts.Where(h => !snapshot.IsLive(h.OpaqueRef)).ToList();
        var dead = new List<Api.Host>();
        foreach (var host in candidates)
        {
            if (snapshot.IsLive(host.OpaqueRef))
            {
                WriteError(new ErrorRecord(new InvalidOperationException(
                        $"The host '{host.NameLabel}' is live: the coordinator still hears from it, so there is nothing to recover. Use Suspend-XenHost to move VMs off a working host."),
                    "XenHaHostIsLive", ErrorCategory.InvalidOperation, host.NameLabel));
                continue;
            }
            if (host.OpaqueRef == snapshot.Pool.Master.OpaqueRef)
            {
                WriteError(new ErrorRecord(new InvalidOperationException(
                        $"The host '{host.NameLabel}' is the pool coordinator; recover the pool by making a survivor coordinator first."),
                    "XenHaHostIsCoordinator", ErrorCategory.InvalidOperation, host.NameLabel));
                continue;
            }
            dead.Add(host);
        }
        if (dead.Count == 0)
        {
            WriteVerbose($"No host of pool '{poolName}' is down; nothing to recover.");
            return;
        }

        var reset = new List<(Api.Vm Vm, Api.Host From)>();
        foreach (var host in dead)
        {
            var stuck = snapshot.Vms.Where(v => v.ResidentOn.OpaqueRef == host.OpaqueRef
                && (v.PowerState == VmPowerState.Running || v.PowerState == VmPowerState.Paused)).ToList();
            WriteVerbose($"Host '{host.NameLabel}' is not live; {stuck.Count} VM(s) are stuck on it: {string.Join(", ", stuck.Select(v => v.NameLabel))}.");
            if (!Fenced(connection, host))
            {
                continue;
            }
            var action = stuck.Count == 0
                ? "Declare the host dead"
                : $"Declare the host dead, reset {stuck.Count} VM(s) to Halted and restart them on surviving hosts ({string.Join(", ", stuck.Select(v => v.NameLabel))})";
            if (!ShouldProcess($"host '{host.NameLabel}'", action))
            {
                continue;
            }
            if (DeclareDead(connection, snapshot, host, stuck))
            {
                reset.AddRange(stuck.Select(v => (v, host)));
            }
        }
        if (reset.Count > 0)
        {
            Restart(connection, snapshot, dead, reset);
        }
    }

    /// <summary>
    /// Fencing evidence: live=false (the coordinator's timeout has passed) and no answer on the
    /// management address. Without it, only -Force proceeds.
    /// </summary>
    private bool Fenced(Connection connection, Api.Host host)
    {
        var endpoint = ReachabilityProbe.EndpointOf(host.Address, connection.Uri);
        WriteVerbose($"Probing {endpoint} for up to {TimeoutSeconds} s.");
        var answers = Await(ReachabilityProbe.AnswersAsync(endpoint, TimeSpan.FromSeconds(TimeoutSeconds), Cancellation));
        if (!answers)
        {
            WriteVerbose($"Host '{host.NameLabel}' does not answer on {endpoint}: fenced.");
            return true;
        }
        if (Force)
        {
            WriteWarning($"Host '{host.NameLabel}' still answers on {endpoint}, but -Force was given: treating it as powered off. If it still runs its VMs, they will run twice.");
            return true;
        }
        var record = new ErrorRecord(new InvalidOperationException(
                $"The host '{host.NameLabel}' is not live for the coordinator but still answers on its management address {endpoint}. "
                + "It may still be running its VMs; starting them elsewhere would run them twice and corrupt their disks. Nothing was changed."),
            "XenHaHostStillAnswers", ErrorCategory.ResourceExists, host.NameLabel);
        record.ErrorDetails = new ErrorDetails(record.Exception.Message)
        {
            RecommendedAction = "Power the host off (or isolate it), then run Repair-XenPool again; use -Force only if you are sure it is off.",
        };
        WriteError(record);
        return false;
    }

    /// <summary>host.declare_dead (XenServer 6.2+), else VM.power_state_reset per VM (the article's xe vm-reset-powerstate).</summary>
    private bool DeclareDead(Connection connection, HaSnapshot snapshot, Api.Host host, List<Api.Vm> stuck)
    {
        var session = connection.Session;
        try
        {
            if (HaPriority.HasDeclareDead(connection))
            {
                try
                {
                    Await(session.CallAsync<object?>("host.declare_dead", Cancellation, new XenRef<Api.Host>(host.OpaqueRef)));
                    return true;
                }
                catch (XenApiException e) when (e.Code == "MESSAGE_METHOD_UNKNOWN")
                {
                    WriteVerbose("host.declare_dead is not available; resetting each VM's power state instead.");
                }
            }
            foreach (var vm in stuck)
            {
                Await(session.CallAsync<object?>("VM.power_state_reset", Cancellation, new XenRef<Api.Vm>(vm.OpaqueRef)));
            }
            return true;
        }
        catch (XenApiException e)
        {
            var record = ErrorRecords.From(e, host.NameLabel);
            record.ErrorDetails = new ErrorDetails($"Host '{host.NameLabel}' could not be declared dead: {snapshot.Explain(e)}.");
            WriteError(record);
            return false;
        }
    }

    private void Restart(Connection connection, HaSnapshot snapshot, List<Api.Host> dead, List<(Api.Vm Vm, Api.Host From)> reset)
    {
        var session = connection.Session;
        var deadRefs = new HashSet<string>(dead.Select(h => h.OpaqueRef), StringComparer.Ordinal);
        var survivors = snapshot.Hosts.Where(h => h.Enabled && snapshot.IsLive(h.OpaqueRef) && !deadRefs.Contains(h.OpaqueRef)).ToList();
        var free = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var host in survivors)
        {
            free[host.OpaqueRef] = Await(session.CallAsync<long>("host.compute_free_memory", Cancellation, new XenRef<Api.Host>(host.OpaqueRef)));
        }

        var ordered = reset
            .OrderBy(r => Rank(snapshot.Classify(r.Vm)))
            .ThenBy(r => HaPriority.OrderOf(r.Vm, snapshot.Legacy))
            .ThenBy(r => r.Vm.NameLabel, StringComparer.OrdinalIgnoreCase)
            .ToList();
        var progress = new ProgressRecord(1, "Restarting the VMs of the dead host(s)", "Starting") { PercentComplete = 0 };
        var index = 0;
        try
        {
            foreach (var (vm, from) in ordered)
            {
                progress.StatusDescription = $"VM '{vm.NameLabel}' ({index + 1} of {ordered.Count})";
                progress.PercentComplete = 100 * index / ordered.Count;
                WriteProgress(progress);
                index++;
                var result = new RecoveryResult
                {
                    VM = vm.NameLabel,
                    FromHost = from.NameLabel,
                    Priority = HaPriority.Display(vm, snapshot.Legacy),
                    Order = snapshot.Legacy ? HaPriority.OrderOf(vm, true) : vm.Order,
                    PoolName = snapshot.Pool.NameLabel,
                    Uuid = vm.Uuid,
                    OpaqueRef = vm.OpaqueRef,
                    Connection = connection,
                };
                if (snapshot.Classify(vm) == HaClass.Unprotected && !IncludeUnprotected)
                {
                    result.Outcome = RecoveryOutcome.Skipped;
                    result.Reason = "Not protected: reset to Halted and left so (use -IncludeUnprotected, or Start-XenVM).";
                    WriteObject(result);
                    continue;
                }
                StartOne(session, snapshot, vm, survivors, free, result);
                WriteObject(result);
            }
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    private static int Rank(HaClass c) => c == HaClass.Protected ? 0 : c == HaClass.BestEffort ? 1 : 2;

    /// <summary>Chooses a survivor with room (the VM's home server first, else the most free memory) and starts the VM there.</summary>
    private void StartOne(XenSession session, HaSnapshot snapshot, Api.Vm vm, List<Api.Host> survivors, Dictionary<string, long> free, RecoveryResult result)
    {
        var needed = vm.MemoryStaticMax + vm.MemoryOverhead;
        var target = survivors.FirstOrDefault(h => h.OpaqueRef == vm.Affinity.OpaqueRef && free[h.OpaqueRef] >= needed)
            ?? survivors.Where(h => free[h.OpaqueRef] >= needed).OrderByDescending(h => free[h.OpaqueRef]).FirstOrDefault();
        if (target == null)
        {
            var best = survivors.OrderByDescending(h => free[h.OpaqueRef]).FirstOrDefault();
            result.Outcome = RecoveryOutcome.Failed;
            result.ErrorId = survivors.Count == 0 ? "NO_HOSTS_AVAILABLE" : "HOST_NOT_ENOUGH_FREE_MEMORY";
            result.Reason = best == null
                ? "No surviving host is live and enabled; the VM stays Halted."
                : string.Format(CultureInfo.InvariantCulture, "It needs {0:0.##} GB but the most free memory on a surviving host is {1:0.##} GB ({2}); the VM stays Halted.",
                    needed / GiB, free[best.OpaqueRef] / GiB, best.NameLabel);
            WriteError(new ErrorRecord(new InvalidOperationException($"VM '{vm.NameLabel}': {result.Reason}"), result.ErrorId, ErrorCategory.ResourceUnavailable, vm.NameLabel));
            return;
        }
        try
        {
            var task = Await(session.CallAsync<XenRef<XenTask>>("Async.VM.start_on", Cancellation,
                new XenRef<Api.Vm>(vm.OpaqueRef), new XenRef<Api.Host>(target.OpaqueRef), false, false));
            new TaskWaiter(this, snapshot.Connection) { Activity = $"Starting VM '{vm.NameLabel}' on {target.NameLabel}", ActivityId = 2, ParentActivityId = 1 }
                .Wait(task, $"VM '{vm.NameLabel}'");
            free[target.OpaqueRef] -= needed;
            result.Outcome = RecoveryOutcome.Restarted;
            result.ToHost = target.NameLabel;
        }
        catch (Exception e) when (e is XenApiException || e is TimeoutException)
        {
            result.Outcome = RecoveryOutcome.Failed;
            result.ErrorId = e is XenApiException api ? api.Code : "XenHaTimeout";
            result.Reason = (e is XenApiException x ? snapshot.Explain(x) : e.Message) + "; the VM stays Halted.";
            var record = ErrorRecords.From(e, vm.NameLabel);
            record.ErrorDetails = new ErrorDetails($"VM '{vm.NameLabel}' could not be started on {target.NameLabel}: {result.Reason}");
            WriteError(record);
        }
    }
}
