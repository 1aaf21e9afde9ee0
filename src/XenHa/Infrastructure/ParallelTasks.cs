using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>Where one item of a <see cref="ParallelTasks"/> run is.</summary>
internal enum ParallelTaskState
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>One XenAPI task of a parallel run: either started by <see cref="Start"/> or already running (<see cref="Task"/> set).</summary>
internal sealed class ParallelTaskItem
{
    public ParallelTaskItem(Connection connection, string label, object target)
    {
        Connection = connection;
        Label = label;
        Target = target;
    }

    public Connection Connection { get; }

    /// <summary>Progress bar text, e.g. "web01: xennode01 -> xennode02".</summary>
    public string Label { get; }

    /// <summary>The error record's target (the VM, the task...).</summary>
    public object Target { get; }

    /// <summary>Starts the server task (an Async.* call); null when <see cref="Task"/> is already known.</summary>
    public Func<CancellationToken, Task<XenRef<XenTask>>>? Start { get; set; }

    public XenRef<XenTask> Task { get; set; }

    /// <summary>The last task record seen.</summary>
    public XenTask? Record { get; set; }

    public Exception? Error { get; set; }

    public ParallelTaskState State { get; set; } = ParallelTaskState.Queued;

    internal int Index { get; set; }

    internal bool ProgressShown { get; set; }
}

/// <summary>
/// Runs many XenAPI tasks at once, at most <see cref="ThrottleLimit"/> in flight, all from the
/// pipeline thread: starts tasks, polls them with one task.get_all_records per connection per round
/// (back-off 100 ms to 1 s), shows one progress bar per task under an overall bar, and hands each
/// finished item to a callback on the pipeline thread so the cmdlet can write its object or its
/// (non-terminating) error. On Ctrl+C the tasks in flight are cancelled on the server where xapi
/// allows it, the outcome of each is collected for a short, bounded time and reported to the host
/// as warnings (output cannot be written once the pipeline stops), then the pipeline stops.
/// </summary>
internal sealed class ParallelTasks
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    private readonly XenCmdlet _cmdlet;

    public ParallelTasks(XenCmdlet cmdlet, string activity)
    {
        _cmdlet = cmdlet;
        Activity = activity;
    }

    public string Activity { get; }

    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Id of the overall bar; item bars use the ids after it.</summary>
    public int ActivityId { get; set; } = 10;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Destroy each task once its result is read (as XenCenter does); off for tasks the user owns.</summary>
    public bool DestroyFinished { get; set; } = true;

    /// <summary>Ask the server to cancel the tasks in flight when the user stops the cmdlet.</summary>
    public bool CancelOnStop { get; set; } = true;

    /// <summary>What happened to each task in flight when the user pressed Ctrl+C (also written as warnings).</summary>
    public IReadOnlyList<string> StopReport { get; private set; } = Array.Empty<string>();

    /// <summary>Runs every item; <paramref name="finished"/> is called on the pipeline thread as each ends.</summary>
    public void Run(IReadOnlyList<ParallelTaskItem> items, Action<ParallelTaskItem> finished)
    {
        for (var i = 0; i < items.Count; i++)
        {
            items[i].Index = i;
        }
        var queue = new Queue<ParallelTaskItem>(items.Where(i => i.State == ParallelTaskState.Queued && i.Start != null));
        var running = items.Where(i => i.Start == null && !i.Task.IsNull && i.State is ParallelTaskState.Queued or ParallelTaskState.Running).ToList();
        foreach (var item in running)
        {
            item.State = ParallelTaskState.Running;
        }
        var overall = new ProgressRecord(ActivityId, Activity, "Starting");
        var overallShown = false;
        var done = items.Count(i => i.State is ParallelTaskState.Succeeded or ParallelTaskState.Failed);
        var deadline = DateTime.UtcNow + Timeout;
        var interval = FirstPoll;
        try
        {
            while (queue.Count > 0 || running.Count > 0)
            {
                while (running.Count < Math.Max(1, ThrottleLimit) && queue.Count > 0)
                {
                    var item = queue.Dequeue();
                    try
                    {
                        item.Task = _cmdlet.AwaitCall(item.Start!(_cmdlet.StopToken));
                        item.State = ParallelTaskState.Running;
                        running.Add(item);
                        interval = FirstPoll;
                    }
                    catch (Exception e) when (e is XenApiException || e is TimeoutException)
                    {
                        item.Error = e;
                        item.State = ParallelTaskState.Failed;
                        done++;
                        End(item, finished);
                    }
                }
                if (running.Count == 0)
                {
                    continue;
                }

                Poll(running);
                foreach (var item in running.Where(i => i.State != ParallelTaskState.Running).ToList())
                {
                    running.Remove(item);
                    done++;
                    End(item, finished);
                }

                var fraction = items.Count == 0 ? 1.0
                    : (done + running.Sum(i => i.Record?.Progress ?? 0)) / items.Count;
                overall.PercentComplete = (int)Math.Max(0, Math.Min(100, fraction * 100));
                overall.StatusDescription = $"{done} of {items.Count} done, {running.Count} running, {queue.Count} waiting, {items.Count(i => i.State == ParallelTaskState.Failed)} failed";
                _cmdlet.WriteProgress(overall);
                overallShown = true;
                foreach (var item in running)
                {
                    var bar = new ProgressRecord(ActivityId + 1 + item.Index, item.Label,
                        (item.Record?.Status == XenTaskStatus.Cancelling ? "Cancelling" : "Running") + $" ({item.Task.OpaqueRef})")
                    {
                        ParentActivityId = ActivityId,
                        PercentComplete = (int)Math.Max(0, Math.Min(100, (item.Record?.Progress ?? 0) * 100)),
                    };
                    _cmdlet.WriteProgress(bar);
                    item.ProgressShown = true;
                }

                if (running.Count == 0)
                {
                    continue;
                }
                if (DateTime.UtcNow >= deadline)
                {
                    foreach (var item in running)
                    {
                        item.Error = new TimeoutException(
                            $"{item.Label} did not finish within {Timeout.TotalSeconds:0} s; the task {item.Task.OpaqueRef} is still running on the server (see Get-XenTask).");
                        item.State = ParallelTaskState.Failed;
                        done++;
                        End(item, finished);
                    }
                    running.Clear();
                    continue;
                }
                if (_cmdlet.StopToken.WaitHandle.WaitOne(interval))
                {
                    throw new PipelineStoppedException();
                }
                interval = TimeSpan.FromTicks(Math.Min(LastPoll.Ticks, interval.Ticks * 2));
            }
        }
        catch (PipelineStoppedException) when (_cmdlet.StopToken.IsCancellationRequested)
        {
            OnStopped(running.Where(i => i.State == ParallelTaskState.Running).ToList());
            throw;
        }
        finally
        {
            if (overallShown && !_cmdlet.StopToken.IsCancellationRequested)
            {
                overall.RecordType = ProgressRecordType.Completed;
                _cmdlet.WriteProgress(overall);
            }
        }
    }

    /// <summary>One task.get_all_records per connection; updates each running item.</summary>
    private void Poll(List<ParallelTaskItem> running)
    {
        foreach (var group in running.GroupBy(i => i.Connection))
        {
            IReadOnlyList<XenTask> records;
            try
            {
                records = _cmdlet.AwaitCall(group.Key.Session.GetAllRecordsAsync<XenTask>(_cmdlet.StopToken));
            }
            catch (Exception e) when (e is XenApiException)
            {
                foreach (var item in group)
                {
                    item.Error = e;
                    item.State = ParallelTaskState.Failed;
                }
                continue;
            }
            var byRef = records.ToDictionary(r => r.OpaqueRef, StringComparer.Ordinal);
            foreach (var item in group)
            {
                if (!byRef.TryGetValue(item.Task.OpaqueRef, out var record))
                {
                    item.Error = new XenApiException(new[] { "HANDLE_INVALID", "task", item.Task.OpaqueRef }, "task.get_record");
                    item.State = ParallelTaskState.Failed;
                    continue;
                }
                item.Record = record;
                Classify(item, record);
            }
        }
    }

    private static void Classify(ParallelTaskItem item, XenTask record)
    {
        switch (record.Status)
        {
            case XenTaskStatus.Success:
                item.State = ParallelTaskState.Succeeded;
                break;
            case XenTaskStatus.Cancelled:
                item.Error = new XenApiException(record.ErrorInfo.Count > 0 ? record.ErrorInfo : new List<string> { "TASK_CANCELLED", item.Task.OpaqueRef }, record.NameLabel);
                item.State = ParallelTaskState.Failed;
                break;
            case XenTaskStatus.Failure:
            case XenTaskStatus.Unknown:
                item.Error = new XenApiException(record.ErrorInfo.Count > 0 ? record.ErrorInfo : new List<string> { "INTERNAL_ERROR", "The task failed without error information." }, record.NameLabel);
                item.State = ParallelTaskState.Failed;
                break;
        }
    }

    private void End(ParallelTaskItem item, Action<ParallelTaskItem> finished)
    {
        if (item.ProgressShown)
        {
            _cmdlet.WriteProgress(new ProgressRecord(ActivityId + 1 + item.Index, item.Label, "Done")
            {
                ParentActivityId = ActivityId,
                RecordType = ProgressRecordType.Completed,
            });
        }
        if (DestroyFinished && !item.Task.IsNull)
        {
            try
            {
                _cmdlet.AwaitCall(item.Connection.Session.CallAsync<object?>("task.destroy", _cmdlet.StopToken, item.Task));
            }
            catch (XenApiException)
            {
                // The result is read; a task that is gone already is no problem.
            }
        }
        finished(item);
    }

    /// <summary>
    /// Ctrl+C: cancel every task in flight that allows it, give the server a bounded time to settle,
    /// then tell the user which were cancelled, which completed anyway, and which are still running.
    /// The stop token is already cancelled, so these calls use their own short timeouts.
    /// </summary>
    private void OnStopped(List<ParallelTaskItem> running)
    {
        if (running.Count == 0)
        {
            return;
        }
        var asked = new HashSet<ParallelTaskItem>();
        if (CancelOnStop)
        {
            foreach (var item in running)
            {
                try
                {
                    BestEffort(ct => item.Connection.Session.CallAsync<object?>("task.cancel", ct, item.Task), TimeSpan.FromSeconds(5));
                    asked.Add(item);
                }
                catch (Exception e) when (e is XenApiException || e is AggregateException || e is OperationCanceledException || e is XenConnectionException)
                {
                    // Not cancellable (OPERATION_NOT_ALLOWED) or unreachable: reported below as still running.
                }
            }
        }
        var until = DateTime.UtcNow + StopGrace;
        var pending = new List<ParallelTaskItem>(running);
        while (pending.Count > 0 && DateTime.UtcNow < until)
        {
            foreach (var group in pending.GroupBy(i => i.Connection).ToList())
            {
                try
                {
                    var records = BestEffort(ct => group.Key.Session.GetAllRecordsAsync<XenTask>(ct), TimeSpan.FromSeconds(5))
                        .ToDictionary(r => r.OpaqueRef, StringComparer.Ordinal);
                    foreach (var item in group)
                    {
                        if (records.TryGetValue(item.Task.OpaqueRef, out var record))
                        {
                            item.Record = record;
                            Classify(item, record);
                        }
                        if (item.State != ParallelTaskState.Running)
                        {
                            pending.Remove(item);
                        }
                    }
                }
                catch (Exception e) when (e is XenApiException || e is AggregateException || e is OperationCanceledException || e is XenConnectionException)
                {
                    pending.RemoveAll(i => i.Connection == group.Key);
                }
            }
            if (pending.Count > 0)
            {
                Thread.Sleep(200); // the stop token is already set; this bounded wait is the grace period itself
            }
        }

        var report = new List<string>();
        foreach (var item in running)
        {
            string outcome;
            if (item.State == ParallelTaskState.Succeeded)
            {
                outcome = "had already completed";
            }
            else if (item.Error is XenApiException { Code: "TASK_CANCELLED" })
            {
                outcome = "was cancelled";
            }
            else if (item.State == ParallelTaskState.Failed)
            {
                outcome = "failed: " + item.Error?.Message;
            }
            else
            {
                outcome = asked.Contains(item)
                    ? $"is still being cancelled (task {item.Task.OpaqueRef}; see Get-XenTask)"
                    : $"could not be cancelled and is still running (task {item.Task.OpaqueRef}; see Get-XenTask)";
            }
            report.Add($"{item.Label}: {outcome}.");
        }
        StopReport = report;
        foreach (var line in report)
        {
            try
            {
                _cmdlet.Host?.UI?.WriteWarningLine("Stopped: " + line);
            }
            catch (Exception e) when (e is PipelineStoppedException || e is NotImplementedException || e is InvalidOperationException)
            {
                // No interactive host (a background runspace): the report stays in StopReport only.
            }
        }
    }

    private static T BestEffort<T>(Func<CancellationToken, Task<T>> call, TimeSpan timeout)
    {
        using var quick = new CancellationTokenSource(timeout);
        var task = call(quick.Token);
        try
        {
            task.Wait(quick.Token);
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>For callers that must talk to the server after the stop token is set (rollback).</summary>
    internal static void BestEffortCall(Func<CancellationToken, Task> call, TimeSpan timeout) =>
        BestEffort(async ct => { await call(ct).ConfigureAwait(false); return true; }, timeout);
}
