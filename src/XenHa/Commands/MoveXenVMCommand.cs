using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Live-migrates running VMs to another host of their pool (XenMotion, VM.pool_migrate), many at
/// once up to -ThrottleLimit, after checking every VM first. A VM that cannot move gets its own
/// error; the others still move.
/// </summary>
[Cmdlet(VerbsCommon.Move, "XenVM", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Vm), typeof(TaskInfo))]
public sealed class MoveXenVMCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string VmSet = "VM";

    /// <summary>VM names; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VmNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>VMs from Get-XenVM.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = VmSet)]
    [ValidateNotNull]
    public Vm[] VM { get; set; } = Array.Empty<Vm>();

    /// <summary>The host to move the VMs to: a name, a UUID or a host object from Get-XenHost.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string Destination { get; set; } = "";

    /// <summary>How many migrations run at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Start the migrations and return their tasks at once (wait later with Wait-XenTask).</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Return each moved VM, refreshed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>How long to wait for all migrations, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSeconds { get; set; } = 3600;

    /// <summary>The connection to use with -Name; the default connection if omitted.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    private readonly List<Vm> _vms = new List<Vm>();
    private readonly List<string> _names = new List<string>();

    protected override void ProcessRecord()
    {
        if (ParameterSetName == VmSet)
        {
            foreach (var vm in VM.Where(v => _vms.All(x => x.OpaqueRef != v.OpaqueRef || x.Connection != v.Connection)))
            {
                _vms.Add(vm);
            }
        }
        else
        {
            _names.AddRange(Name);
        }
    }

    protected override void EndProcessing()
    {
        if (_names.Count > 0)
        {
            ResolveNames();
        }
        if (_vms.Count == 0)
        {
            return;
        }

        var plans = new List<Plan>();
        foreach (var group in _vms.GroupBy(v => v.Connection))
        {
            plans.AddRange(Check(group.Key, group.ToList()));
        }

        var items = new List<ParallelTaskItem>();
        foreach (var plan in plans)
        {
            if (!ShouldProcess(plan.Vm.Name, $"Live-migrate from {plan.Vm.Host} to {plan.Target.NameLabel}"))
            {
                continue;
            }
            var vmRef = new XenRef<Api.Vm>(plan.Vm.OpaqueRef);
            var hostRef = new XenRef<Api.Host>(plan.Target.OpaqueRef);
            var session = plan.Vm.Connection.Session;
            items.Add(new ParallelTaskItem(plan.Vm.Connection, $"{plan.Vm.Name}: {plan.Vm.Host} -> {plan.Target.NameLabel}", plan.Vm)
            {
                Start = ct => session.CallAsync<XenRef<XenTask>>("Async.VM.pool_migrate", ct, vmRef, hostRef,
                    new Dictionary<string, string> { ["live"] = "true" }),
            });
        }
        if (items.Count == 0)
        {
            return;
        }

        if (NoWait)
        {
            StartWithoutWaiting(items);
            return;
        }

        var moved = new List<Vm>();
        var runner = new ParallelTasks(this, $"Moving {items.Count} VM(s) to {Destination}")
        {
            ThrottleLimit = ThrottleLimit,
            Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
        };
        var names = new Dictionary<Connection, RefNames>();
        runner.Run(items, item =>
        {
            var vm = (Vm)item.Target;
            if (item.State == ParallelTaskState.Succeeded)
            {
                WriteVerbose($"{item.Label}: done.");
                moved.Add(vm);
                return;
            }
            if (!names.TryGetValue(item.Connection, out var known))
            {
                known = names[item.Connection] = RefNames.Read(this, item.Connection, StopToken);
            }
            WriteError(known.Record(item.Error!, vm));
        });
        if (PassThru)
        {
            WriteRefreshed(moved);
        }
    }

    private sealed class Plan
    {
        public Plan(Vm vm, Api.Host target)
        {
            Vm = vm;
            Target = target;
        }

        public Vm Vm { get; }
        public Api.Host Target { get; }
    }

    /// <summary>-Name: one VM read per connection; literal names that match nothing are errors.</summary>
    private void ResolveNames()
    {
        var connection = ResolveConnection(Connection);
        var identity = new IdentityFilter();
        identity.AddNames(_names);
        IReadOnlyList<Vm> all;
        try
        {
            all = Await(PoolReader.ReadVmsAsync(connection, false, false, Cancellation));
        }
        catch (XenApiException e)
        {
            ThrowXenError(e, connection);
            return;
        }
        foreach (var vm in all.Where(v => identity.Matches(v.Name, v.Uuid)))
        {
            if (_vms.All(x => x.OpaqueRef != vm.OpaqueRef))
            {
                _vms.Add(vm);
            }
        }
        foreach (var error in identity.NotFoundErrors("VM", "XenHaVmNotFound"))
        {
            WriteError(error);
        }
    }

    /// <summary>
    /// Checks every VM of one pool before anything moves: the destination exists; the VM may be
    /// migrated now (VM.assert_operation_valid pool_migrate: power state, guest tools → VM_LACKS_FEATURE...);
    /// the destination can run it (VM.assert_can_boot_here: HOST_DISABLED, VM_REQUIRES_SR for local
    /// disks, VM_REQUIRES_NETWORK, HOST_NOT_ENOUGH_FREE_MEMORY); and all the VMs going to the host fit
    /// in its free memory together. Each failing VM gets an error; the rest are returned.
    /// </summary>
    private IEnumerable<Plan> Check(Connection connection, List<Vm> vms)
    {
        IReadOnlyList<Api.Host> hosts;
        RefNames names;
        try
        {
            hosts = HostResolver.Read(this, connection);
            names = RefNames.Read(this, connection, Cancellation);
        }
        catch (XenApiException e)
        {
            foreach (var vm in vms)
            {
                WriteXenError(e, vm);
            }
            yield break;
        }
        var target = HostResolver.Find(hosts, Destination);
        if (target == null)
        {
            WriteError(new ErrorRecord(
                new ItemNotFoundException($"No host named '{Destination}' was found in the pool {connection}; the VMs {string.Join(", ", vms.Select(v => v.Name))} were not moved."),
                "XenHaHostNotFound", ErrorCategory.ObjectNotFound, Destination));
            yield break;
        }

        var passed = new List<(Vm Vm, Api.Vm Record)>();
        var session = connection.Session;
        var hostRef = new XenRef<Api.Host>(target.OpaqueRef);
        var checks = vms.Select(vm => (vm, check: CheckOne(session, new XenRef<Api.Vm>(vm.OpaqueRef), hostRef))).ToList();
        foreach (var (vm, check) in checks)
        {
            Exception? failure = null;
            Api.Vm? record = null;
            try
            {
                record = Await(check);
            }
            catch (XenApiException e)
            {
                failure = e;
            }
            if (failure != null)
            {
                WriteError(names.Record(failure, vm));
                continue;
            }
            if (record!.ResidentOn.OpaqueRef == target.OpaqueRef)
            {
                WriteVerbose($"{vm.Name} already runs on {target.NameLabel}; nothing to do.");
                continue;
            }
            passed.Add((vm, record));
        }
        if (passed.Count == 0)
        {
            yield break;
        }

        // Each VM fits alone (assert_can_boot_here); check that they fit together, in the order given.
        long free;
        try
        {
            free = Await(session.CallAsync<long>("host.compute_free_memory", Cancellation, hostRef));
        }
        catch (XenApiException e)
        {
            foreach (var (vm, _) in passed)
            {
                WriteXenError(e, vm);
            }
            yield break;
        }
        foreach (var (vm, record) in passed)
        {
            var needed = HostMaintenance.Footprint(record);
            if (needed > free)
            {
                var error = new XenApiException(new[]
                {
                    "HOST_NOT_ENOUGH_FREE_MEMORY",
                    needed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Math.Max(0, free).ToString(System.Globalization.CultureInfo.InvariantCulture),
                }, "VM.pool_migrate");
                var record2 = ErrorRecords.From(error, vm);
                record2.ErrorDetails = new ErrorDetails(
                    $"{vm.Name} does not fit on {target.NameLabel} together with the other VMs being moved there: it needs {needed / 1048576} MiB, {Math.Max(0, free) / 1048576} MiB would be left. (HOST_NOT_ENOUGH_FREE_MEMORY)");
                WriteError(record2);
                continue;
            }
            free -= needed;
            yield return new Plan(vm, target);
        }
    }

    /// <summary>The two server-side checks for one VM, then its current record.</summary>
    private async Task<Api.Vm> CheckOne(XenSession session, XenRef<Api.Vm> vm, XenRef<Api.Host> host)
    {
        await session.CallAsync<object?>("VM.assert_operation_valid", Cancellation, vm, "pool_migrate").ConfigureAwait(false);
        await session.CallAsync<object?>("VM.assert_can_boot_here", Cancellation, vm, host).ConfigureAwait(false);
        return await session.GetRecordAsync(vm, Cancellation).ConfigureAwait(false);
    }

    /// <summary>-NoWait: start every migration now (xapi runs them in parallel) and return the tasks.</summary>
    private void StartWithoutWaiting(List<ParallelTaskItem> items)
    {
        foreach (var group in items.GroupBy(i => i.Connection))
        {
            var started = new List<(ParallelTaskItem Item, XenRef<XenTask> Task)>();
            foreach (var item in group)
            {
                try
                {
                    started.Add((item, Await(item.Start!(Cancellation))));
                }
                catch (XenApiException e)
                {
                    WriteXenError(e, item.Target);
                }
            }
            if (started.Count == 0)
            {
                continue;
            }
            var hostNames = Await(group.Key.Session.GetAllRecordsAsync<Api.Host>(Cancellation)).ToDictionary(h => h.OpaqueRef, h => h.NameLabel);
            foreach (var (item, task) in started)
            {
                var vm = (Vm)item.Target;
                try
                {
                    var record = Await(group.Key.Session.GetRecordAsync(task, Cancellation));
                    WriteObject(TaskInfo.From(record, group.Key, hostNames, vm.Name, vm.OpaqueRef));
                }
                catch (XenApiException e)
                {
                    WriteXenError(e, vm);
                }
            }
        }
    }

    private void WriteRefreshed(List<Vm> moved)
    {
        foreach (var group in moved.GroupBy(v => v.Connection))
        {
            var wanted = new HashSet<string>(group.Select(v => v.OpaqueRef), StringComparer.Ordinal);
            try
            {
                foreach (var vm in Await(PoolReader.ReadVmsAsync(group.Key, false, false, Cancellation)).Where(v => wanted.Contains(v.OpaqueRef)))
                {
                    WriteObject(vm);
                }
            }
            catch (XenApiException e)
            {
                WriteXenError(e, group.Key);
            }
        }
    }
}
