using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Base of the cmdlets that act on existing VMs (Start-, Stop-, Restart-, Suspend-, Resume-,
/// Remove-, Set-XenVM): the VM identity parameters (-Name with wildcards, -Uuid, -VM objects from
/// the pipeline), per-VM error handling (one VM's failure never stops the others) and the task
/// wait for Async.VM.* calls.
/// </summary>
public abstract class VmTargetCmdlet : XenCmdlet
{
    protected const string NameSet = "Name";
    protected const string UuidSet = "Uuid";
    protected const string VmSet = "VM";

    /// <summary>VM names; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VmNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>VM UUIDs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uuid { get; set; } = Array.Empty<string>();

    /// <summary>VMs from Get-XenVM (or New-XenVM).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = VmSet)]
    [ValidateNotNull]
    public Vm[] VM { get; set; } = Array.Empty<Vm>();

    /// <summary>The connection to use with -Name and -Uuid; the default connection if omitted.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(ParameterSetName = UuidSet)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    private IReadOnlyList<Vm>? _known;
    private readonly HashSet<string> _done = new HashSet<string>(StringComparer.Ordinal);

    protected override void ProcessRecord()
    {
        foreach (var vm in Targets())
        {
            // A VM named twice in one pipeline (web* and web01) is acted on once.
            if (!_done.Add(vm.Connection.Id + "/" + vm.OpaqueRef))
            {
                continue;
            }
            try
            {
                ProcessVm(vm);
            }
            catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException || e is TimeoutException)
            {
                WriteVmError(e, vm);
            }
        }
    }

    /// <summary>Acts on one VM. Client exceptions become a non-terminating error for this VM.</summary>
    protected abstract void ProcessVm(Vm vm);

    /// <summary>Writes a non-terminating error for a VM, naming it instead of showing its reference.</summary>
    protected void WriteVmError(Exception exception, Vm vm)
    {
        var record = ErrorRecords.From(exception, vm);
        record.ErrorDetails = new ErrorDetails($"VM '{vm.Name}': " + VmResolver.NamedMessage(vm.Connection, exception, vm.OpaqueRef, vm.Name));
        WriteError(record);
    }

    /// <summary>Calls Async.VM.&lt;message&gt; and waits for it with progress; Ctrl+C stops the wait.</summary>
    protected XenTask RunVmTask(Vm vm, string message, string activity, params object?[] arguments)
    {
        var task = Await(vm.Connection.Session.CallAsync<XenRef<XenTask>>("Async.VM." + message, Cancellation, arguments));
        var waiter = new TaskWaiter(this, vm.Connection) { Activity = activity };
        return waiter.Wait(task, $"VM '{vm.Name}'");
    }

    /// <summary>The VM read again after a change.</summary>
    protected Vm Refresh(Vm vm) => Await(VmResolver.ReadVmAsync(vm.Connection, vm.OpaqueRef, Cancellation));

    /// <summary>The reference of a host named by name or UUID on the VM's connection; terminates if there is none.</summary>
    protected (XenRef<Api.Host> Ref, string Name) ResolveHost(Connection connection, string value)
    {
        if (!_hosts.TryGetValue(connection.Id, out var hosts))
        {
            hosts = Await(connection.Session.GetAllRecordsAsync<Api.Host>(Cancellation));
            _hosts[connection.Id] = hosts;
        }
        var matches = VmResolver.Match(hosts, value, h => h.NameLabel, h => h.Uuid);
        if (matches.Count != 1)
        {
            ThrowTerminatingError(matches.Count == 0
                ? ErrorRecords.NotFound("host", value, "XenHaHostNotFound")
                : new ErrorRecord(new ArgumentException($"{matches.Count} hosts are named '{value}'; give the host's UUID instead."),
                    "XenHaHostAmbiguous", ErrorCategory.InvalidArgument, value));
        }
        return (new XenRef<Api.Host>(matches[0].OpaqueRef), matches[0].NameLabel);
    }

    private readonly Dictionary<int, IReadOnlyList<Api.Host>> _hosts = new Dictionary<int, IReadOnlyList<Api.Host>>();

    private IEnumerable<Vm> Targets()
    {
        if (ParameterSetName == VmSet)
        {
            return VM;
        }
        var connection = ResolveConnection(Connection);
        IReadOnlyList<Vm> known;
        try
        {
            known = _known ??= Await(PoolReader.ReadVmsAsync(connection, false, false, Cancellation));
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException)
        {
            ThrowXenError(e, connection);
            return Array.Empty<Vm>();
        }
        var targets = new List<Vm>();
        if (ParameterSetName == UuidSet)
        {
            foreach (var uuid in Uuid)
            {
                var vm = known.FirstOrDefault(v => string.Equals(v.Uuid, uuid, StringComparison.OrdinalIgnoreCase));
                if (vm == null)
                {
                    WriteError(ErrorRecords.NotFoundByUuid("VM", uuid, "XenHaVmNotFound"));
                    continue;
                }
                targets.Add(vm);
            }
            return targets;
        }
        foreach (var name in Name)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                targets.AddRange(known.Where(v => pattern.IsMatch(v.Name)));
                continue;
            }
            var matches = VmResolver.Match(known, name, v => v.Name, v => v.Uuid);
            if (matches.Count == 0)
            {
                WriteError(ErrorRecords.NotFound("VM", name, "XenHaVmNotFound"));
            }
            else if (matches.Count > 1)
            {
                // A literal name is one VM; acting on several VMs that share it would surprise.
                WriteError(new ErrorRecord(
                    new InvalidOperationException($"{matches.Count} VMs are named '{name}'; give -Uuid or pipe the VM object instead."),
                    "XenHaVmNameAmbiguous", ErrorCategory.InvalidArgument, name));
            }
            else
            {
                targets.Add(matches[0]);
            }
        }
        return targets;
    }
}
