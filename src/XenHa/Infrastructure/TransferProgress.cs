using System;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Runs a VM export or import on the pipeline thread's behalf: the transfer reports bytes and rate
/// from its own thread, this loop shows them with Write-Progress (the pipeline thread is the only
/// one allowed to), and Ctrl+C cancels the transfer and waits for it to let go of the file.
/// </summary>
internal sealed class TransferProgress
{
    private readonly XenCmdlet _cmdlet;
    private XenTransferProgress? _latest;

    public TransferProgress(XenCmdlet cmdlet) => _cmdlet = cmdlet;

    /// <summary>The callback to give the transfer.</summary>
    public void Report(XenTransferProgress progress) => Volatile.Write(ref _latest, progress);

    /// <summary>Waits for the transfer started by <paramref name="start"/> with a progress bar; rethrows its error.</summary>
    public T Run<T>(string activity, Func<CancellationToken, Task<T>> start)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_cmdlet.StopToken);
        var record = new ProgressRecord(1, activity, "Starting");
        var shown = false;
        var task = Task.Run(() => start(stop.Token));
        try
        {
            while (!task.Wait(TimeSpan.FromMilliseconds(250)))
            {
                if (Volatile.Read(ref _latest) is { } p)
                {
                    record.StatusDescription = Describe(p);
                    record.PercentComplete = p.TotalBytes is long total && total > 0 ? (int)Math.Min(100, p.Bytes * 100 / total) : -1;
                    _cmdlet.WriteProgress(record);
                    shown = true;
                }
            }
        }
        catch (AggregateException)
        {
            // Rethrown below with the original exception.
        }
        catch (PipelineStoppedException)
        {
            stop.Cancel();
            WaitQuietly(task);
            throw;
        }
        finally
        {
            if (shown && !_cmdlet.StopToken.IsCancellationRequested)
            {
                record.RecordType = ProgressRecordType.Completed;
                _cmdlet.WriteProgress(record);
            }
        }

        if (task.IsCanceled || task.Exception?.InnerException is OperationCanceledException && _cmdlet.StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }

        return task.GetAwaiter().GetResult();
    }

    public static string Describe(XenTransferProgress p)
    {
        var mb = p.Bytes / 1048576.0;
        var rate = p.BytesPerSecond / 1048576.0;
        return p.TotalBytes is long total && total > 0
            ? string.Format(CultureInfo.InvariantCulture, "{0:0.0} of {1:0.0} MB at {2:0.0} MB/s", mb, total / 1048576.0, rate)
            : string.Format(CultureInfo.InvariantCulture, "{0:0.0} MB at {1:0.0} MB/s", mb, rate);
    }

    private static void WaitQuietly(Task task)
    {
        try
        {
            task.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // The transfer ends with a cancellation or the error that ended it; either way it has stopped.
        }
    }
}
