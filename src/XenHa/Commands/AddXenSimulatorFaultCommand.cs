using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Injects a fault into a simulator: cut hosts off from the pool (Partition), take storage away from a
/// host (StorageLoss), or make XenAPI calls fail, hang or drop their connection (Call).
/// </summary>
[Cmdlet(VerbsCommon.Add, "XenSimulatorFault", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SimulatorFault))]
public sealed class AddXenSimulatorFaultCommand : SimulatorCmdlet
{
    /// <summary>Partition, StorageLoss or Call.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public SimulatorFaultKind Kind { get; set; }

    /// <summary>The hosts cut off (Partition) or losing storage (StorageLoss); host objects bind by their Name.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? HostName { get; set; }

    /// <summary>StorageLoss: the repository (name or UUID) lost; every shared repository when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Repository { get; set; }

    /// <summary>Call: the XenAPI methods hit, a glob such as VM.* or VM.start (Async.* calls match their method too).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Method { get; set; } = "*";

    /// <summary>Call: hit only calls with this object among their arguments (a VM or host name, UUID or reference); every call by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    /// <summary>Call: the XenAPI error code returned, e.g. HOST_OFFLINE or INTERNAL_ERROR.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ErrorCode { get; set; }

    /// <summary>Call: the error's parameters.</summary>
    [Parameter]
    public string[] ErrorParameter { get; set; } = Array.Empty<string>();

    /// <summary>Call: delay before the call is answered (or failed), in milliseconds of real time.</summary>
    [Parameter]
    [ValidateRange(0, 3600000)]
    public int DelayMilliseconds { get; set; }

    /// <summary>Call: the probability a matching call is hit (0 to 1).</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double Probability { get; set; } = 1.0;

    /// <summary>Call: how many matching calls are hit before the fault retires itself; 0 for no limit.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Call: close the connection without an answer (the caller cannot know whether the call ran).</summary>
    [Parameter]
    public SwitchParameter DropConnection { get; set; }

    /// <summary>The simulator (from Start-XenSimulator); the one started last in this session by default.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public SimulatorInstance? Simulator { get; set; }

    protected override void ProcessRecord()
    {
        CheckCombination();
        var simulator = ResolveSimulator(Simulator);
        if (Kind == SimulatorFaultKind.Call)
        {
            AddCallFaults(simulator);
            return;
        }

        var targets = MatchHosts(ReadState(simulator), HostName!, out var allFound);
        if (!allFound || targets.Count == 0)
        {
            return;
        }
        if (Kind == SimulatorFaultKind.Partition)
        {
            AddPartition(simulator, targets);
        }
        else
        {
            AddStorageLoss(simulator, targets);
        }
    }

    /// <summary>Invalid combinations stop the cmdlet before anything is sent.</summary>
    private void CheckCombination()
    {
        var problems = new List<string>();
        var callOnly = new List<string>();
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ErrorCode))) { callOnly.Add("-ErrorCode"); }
        if (ErrorParameter.Length > 0) { callOnly.Add("-ErrorParameter"); }
        if (MyInvocation.BoundParameters.ContainsKey(nameof(DelayMilliseconds))) { callOnly.Add("-DelayMilliseconds"); }
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Probability))) { callOnly.Add("-Probability"); }
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Count))) { callOnly.Add("-Count"); }
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Method))) { callOnly.Add("-Method"); }
        if (DropConnection) { callOnly.Add("-DropConnection"); }
        if (Target != null) { callOnly.Add("-Target"); }
        switch (Kind)
        {
            case SimulatorFaultKind.Partition:
            case SimulatorFaultKind.StorageLoss:
                if (HostName == null) { problems.Add($"-Kind {Kind} needs -HostName (the hosts affected)."); }
                if (callOnly.Count > 0) { problems.Add($"{string.Join(", ", callOnly)} only apply to -Kind Call."); }
                if (Kind == SimulatorFaultKind.Partition && Repository != null) { problems.Add("-Repository only applies to -Kind StorageLoss."); }
                break;
            default:
                if (Repository != null) { problems.Add("-Repository only applies to -Kind StorageLoss."); }
                if (HostName != null) { problems.Add("-HostName does not apply to -Kind Call: use -Target to hit only calls about one object."); }
                if (ErrorCode == null && DelayMilliseconds == 0 && !DropConnection)
                {
                    problems.Add("-Kind Call needs what to do: -ErrorCode, -DelayMilliseconds and/or -DropConnection.");
                }
                if (ErrorParameter.Length > 0 && ErrorCode == null) { problems.Add("-ErrorParameter needs -ErrorCode."); }
                if (DropConnection && ErrorCode != null) { problems.Add("-DropConnection and -ErrorCode exclude each other: a dropped call has no answer."); }
                break;
        }
        if (problems.Count > 0)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException(string.Join(" ", problems)),
                "XenHaInvalidFaultParameters", ErrorCategory.InvalidArgument, Kind));
        }
    }

    private void AddPartition(SimulatorInstance simulator, List<SimulatorHostState> targets)
    {
        var names = targets.Select(t => t.Name).ToArray();
        if (!ShouldProcess(string.Join(", ", names), "Cut off from the rest of the pool (simulated network partition)"))
        {
            return;
        }
        var body = new Dictionary<string, object?> { ["hosts"] = names };
        if (TryControl(simulator, names, c => c.PostAsync("partition", body, Cancellation), out _))
        {
            var isolated = ReadState(simulator).Where(h => h.Isolated).Select(h => h.Name).ToArray();
            WriteObject(new SimulatorFault
            {
                Id = SimulatorFaults.PartitionId,
                Kind = SimulatorFaultKind.Partition,
                HostName = isolated.Length > 0 ? isolated : names,
                Simulator = simulator,
            });
        }
    }

    private void AddStorageLoss(SimulatorInstance simulator, List<SimulatorHostState> targets)
    {
        foreach (var host in targets)
        {
            var what = Repository == null ? "every shared storage repository" : "storage repository " + Repository;
            if (!ShouldProcess(host.Name, $"Lose access to {what} (simulated)"))
            {
                continue;
            }
            var body = new Dictionary<string, object?>();
            if (Repository != null)
            {
                body["sr"] = Repository;
            }
            if (TryControl(simulator, host.Name, c => c.PostAsync("hosts/" + Uri.EscapeDataString(host.Name) + "/storage-loss", body, Cancellation), out _))
            {
                WriteObject(new SimulatorFault
                {
                    Id = SimulatorFaults.StorageId(host.Name, Repository ?? ""),
                    Kind = SimulatorFaultKind.StorageLoss,
                    HostName = new[] { host.Name },
                    Repository = Repository ?? "",
                    Simulator = simulator,
                });
            }
        }
    }

    private void AddCallFaults(SimulatorInstance simulator)
    {
        var effect = DropConnection ? "drop the connection"
            : ErrorCode != null ? "fail with " + ErrorCode
            : "answer";
        if (DelayMilliseconds > 0)
        {
            effect += $" after {DelayMilliseconds} ms";
        }
        var share = Probability < 1 ? SimulatorFaults.Invariant(Probability * 100) + "% of " : "";
        if (!ShouldProcess($"{Method} calls{(Target == null ? "" : " about " + Target)}", $"Make {share}them {effect}{(Count > 0 ? $" ({Count} time(s))" : "")}"))
        {
            return;
        }
        var body = new Dictionary<string, object?>
        {
            ["method"] = Method,
            ["probability"] = Probability,
            ["count"] = Count,
            ["delayMs"] = DelayMilliseconds,
            ["drop"] = DropConnection.IsPresent,
        };
        if (Target != null)
        {
            body["target"] = Target;
        }
        if (ErrorCode != null)
        {
            body["error"] = new[] { ErrorCode }.Concat(ErrorParameter).ToArray();
        }
        var answer = Control(simulator, c => c.PostAsync("faults", body, Cancellation));
        body["id"] = answer is Dictionary<string, object?> created ? SimulatorControl.Str(created, "id") : "";
        WriteObject(SimulatorFaults.FromCallRecord(body, simulator));
    }
}
