using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Waits for XenAPI tasks (from Move-XenVM -NoWait or Get-XenTask) with progress, and returns their
/// results: a VM object where the result is a VM, else the decoded value. A failed task is a
/// non-terminating error whose id is the XenAPI error code.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "XenTask")]
[OutputType(typeof(object), typeof(Vm), typeof(TaskInfo))]
public sealed class WaitXenTaskCommand : XenCmdlet
{
    /// <summary>The tasks to wait for.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public TaskInfo[] Task { get; set; } = Array.Empty<TaskInfo>();

    /// <summary>How long to wait, in seconds; the tasks keep running on the server after a timeout.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSeconds { get; set; } = 3600;

    /// <summary>Return the finished task objects instead of their results.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<TaskInfo> _tasks = new List<TaskInfo>();

    protected override void ProcessRecord()
    {
        foreach (var task in Task.Where(t => _tasks.All(x => x.OpaqueRef != t.OpaqueRef || x.Connection != t.Connection)))
        {
            _tasks.Add(task);
        }
    }

    protected override void EndProcessing()
    {
        if (_tasks.Count == 0)
        {
            return;
        }
        var items = _tasks.Select(t => new ParallelTaskItem(t.Connection, t.ToString(), t) { Task = new XenRef<XenTask>(t.OpaqueRef) }).ToList();
        var hostNames = new Dictionary<Connection, Dictionary<string, string>>();
        var vms = new Dictionary<Connection, Dictionary<string, Vm>>();
        new ParallelTasks(this, $"Waiting for {items.Count} task(s)")
        {
            ThrottleLimit = int.MaxValue,
            Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
            DestroyFinished = false,
            CancelOnStop = false,
        }.Run(items, item =>
        {
            var task = (TaskInfo)item.Target;
            if (item.State != ParallelTaskState.Succeeded)
            {
                WriteError(ErrorRecords.From(item.Error!, task));
                return;
            }
            if (!hostNames.TryGetValue(item.Connection, out var names))
            {
                names = hostNames[item.Connection] = Await(item.Connection.Session.GetAllRecordsAsync<Api.Host>(Cancellation))
                    .ToDictionary(h => h.OpaqueRef, h => h.NameLabel);
            }
            var done = TaskInfo.From(item.Record!, item.Connection, names, task.Target, task.TargetRef);
            if (PassThru)
            {
                WriteObject(done);
                return;
            }
            if (done.Result is string text && text.StartsWith("OpaqueRef:", StringComparison.Ordinal))
            {
                if (!vms.TryGetValue(item.Connection, out var byRef))
                {
                    byRef = vms[item.Connection] = Await(PoolReader.ReadVmsAsync(item.Connection, true, true, Cancellation))
                        .ToDictionary(v => v.OpaqueRef, StringComparer.Ordinal);
                }
                WriteObject(byRef.TryGetValue(text, out var vm) ? vm : (object)text);
                return;
            }
            if (done.Result != null)
            {
                WriteObject(done.Result, enumerateCollection: true);
            }
        });
    }
}
