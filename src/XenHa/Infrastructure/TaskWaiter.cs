using System;
using System.Management.Automation;
using System.Threading;
using XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Waits for a XenAPI task on the pipeline thread: polls task.get_record (100 ms at first, backing
/// off to 1 s), shows Write-Progress from the task's progress, ends at once on Ctrl+C / job stop, and
/// turns a failed task into the XenApiException it carries. A finished task is destroyed, as
/// XenCenter does, so tasks do not pile up on the coordinator.
/// </summary>
internal sealed class TaskWaiter
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastPoll = TimeSpan.FromSeconds(1);

    private readonly XenCmdlet _cmdlet;
    private readonly Connection _connection;

    public TaskWaiter(XenCmdlet cmdlet, Connection connection)
    {
        _cmdlet = cmdlet;
        _connection = connection;
    }

    /// <summary>Activity text shown in the progress bar.</summary>
    public string Activity { get; set; } = "Waiting for a XenAPI task";

    /// <summary>Progress bar id, so parallel waits can show separate bars.</summary>
    public int ActivityId { get; set; } = 1;

    /// <summary>The bar this one belongs to (-1: none).</summary>
    public int ParentActivityId { get; set; } = -1;

    /// <summary>How long to wait before giving up (the task keeps running on the server).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Ask the server to cancel the task when the user stops the cmdlet (where xapi allows it).</summary>
    public bool CancelOnStop { get; set; } = true;

    /// <summary>Waits for success and returns the finished task record.</summary>
    public XenTask Wait(XenRef<XenTask> task, string status)
    {
        var progress = new ProgressRecord(ActivityId, Activity, status) { ParentActivityId = ParentActivityId };
        var deadline = DateTime.UtcNow + Timeout;
        var interval = FirstPoll;
        var shown = false;
        try
        {
            while (true)
            {
                var record = _cmdlet.AwaitCall(_connection.Session.GetRecordAsync(task, _cmdlet.StopToken));
                if (record.Status != XenTaskStatus.Pending && record.Status != XenTaskStatus.Cancelling)
                {
                    Destroy(task);
                    return Finish(record, task);
                }
                progress.PercentComplete = (int)Math.Max(0, Math.Min(100, record.Progress * 100));
                _cmdlet.WriteProgress(progress);
                shown = true;
                if (DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException(
                        $"{Activity} did not finish within {Timeout.TotalSeconds:0} s; the task {task.OpaqueRef} is still running on the server (see Get-XenTask).");
                }
                if (_cmdlet.StopToken.WaitHandle.WaitOne(interval))
                {
                    OnStopped(record, task);
                }
                interval = TimeSpan.FromTicks(Math.Min(LastPoll.Ticks, interval.Ticks * 2));
            }
        }
        finally
        {
            if (shown && !_cmdlet.StopToken.IsCancellationRequested)
            {
                progress.RecordType = ProgressRecordType.Completed;
                _cmdlet.WriteProgress(progress);
            }
        }
    }

    private static XenTask Finish(XenTask record, XenRef<XenTask> task)
    {
        switch (record.Status)
        {
            case XenTaskStatus.Success:
                return record;
            case XenTaskStatus.Cancelled:
                throw new XenApiException(new[] { "TASK_CANCELLED", task.OpaqueRef }, record.NameLabel);
            default:
                var error = record.ErrorInfo.Count > 0 ? record.ErrorInfo : new System.Collections.Generic.List<string> { "INTERNAL_ERROR", "The task failed without error information." };
                throw new XenApiException(error, record.NameLabel);
        }
    }

    /// <summary>On Ctrl+C: cancel the server task where it allows it, then stop the pipeline.</summary>
    private void OnStopped(XenTask record, XenRef<XenTask> task)
    {
        if (CancelOnStop && record.AllowedOperations.Contains("cancel"))
        {
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                _connection.Session.CallAsync<object?>("task.cancel", quick.Token, task).Wait(quick.Token);
            }
            catch (Exception e) when (e is AggregateException || e is OperationCanceledException || e is XenApiException)
            {
                // Best effort: the pipeline is stopping either way.
            }
        }
        throw new PipelineStoppedException();
    }

    private void Destroy(XenRef<XenTask> task)
    {
        try
        {
            _cmdlet.AwaitCall(_connection.Session.CallAsync<object?>("task.destroy", _cmdlet.StopToken, task));
        }
        catch (XenApiException)
        {
            // The result is already read; a task that is gone or not destroyable is no problem.
        }
    }
}
