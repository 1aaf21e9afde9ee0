using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Base of every XenHa cmdlet: owns cancellation (Ctrl+C / job stop cancels the call in flight),
/// resolves connections, and turns client exceptions into error records.
/// </summary>
public abstract class XenCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new CancellationTokenSource();
    private readonly int _pipelineThread = Environment.CurrentManagedThreadId;

    protected CancellationToken Cancellation => _stop.Token;

    /// <summary>The stop token for helpers that wait on the cmdlet's behalf (task waits, parallel work).</summary>
    internal CancellationToken StopToken => _stop.Token;

    /// <summary><see cref="Await{T}"/> for helpers.</summary>
    internal T AwaitCall<T>(Task<T> task) => Await(task);

    protected override void StopProcessing() => _stop.Cancel();

    public void Dispose()
    {
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Waits for a client call on the pipeline thread; a stop request ends the wait at once.</summary>
    protected T Await<T>(Task<T> task)
    {
        try
        {
            task.Wait(Cancellation);
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count == 1)
        {
            // task.Wait wraps; rethrow the client exception itself.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(aggregate.InnerExceptions[0]).Throw();
            throw;
        }
        finally
        {
            WriteCertificateNotices();
        }
    }

    /// <summary>Certificate notices raised on network threads (pinned on first use, Warn) become warnings here.</summary>
    private void WriteCertificateNotices()
    {
        if (Environment.CurrentManagedThreadId != _pipelineThread)
        {
            return;
        }
        foreach (var notice in CertificateSettings.DrainNotices())
        {
            WriteWarning(notice);
        }
    }

    protected void Await(Task task) => Await(AsObjectTask(task));

    private static async Task<object?> AsObjectTask(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    /// <summary>The connections a read cmdlet works on: the given ones, else every open one.</summary>
    protected IReadOnlyList<Connection> ResolveConnections(Connection[]? given)
    {
        if (given != null && given.Length > 0)
        {
            return given;
        }
        var all = ConnectionStore.All;
        if (all.Count == 0)
        {
            ThrowNotConnected();
        }
        return all;
    }

    /// <summary>Adds connections not yet in the list, keeping their order.</summary>
    protected static void AddDistinct(List<Connection> list, IEnumerable<Connection> connections)
    {
        foreach (var connection in connections)
        {
            if (!list.Contains(connection))
            {
                list.Add(connection);
            }
        }
    }

    /// <summary>The one connection a state-changing cmdlet works on: the given one, else the default.</summary>
    protected Connection ResolveConnection(Connection? given)
    {
        if (given != null)
        {
            return given;
        }
        var connection = ConnectionStore.Default;
        if (connection == null)
        {
            ThrowNotConnected();
        }
        return connection!;
    }

    private void ThrowNotConnected()
    {
        ThrowTerminatingError(new ErrorRecord(
            new InvalidOperationException("You are not connected to any pool. Run Connect-XenPool first."),
            "XenHaNotConnected",
            ErrorCategory.ConnectionError,
            null));
    }

    /// <summary>Writes a non-terminating error for a failed per-item operation.</summary>
    protected void WriteXenError(Exception exception, object? target) =>
        WriteError(ErrorRecords.From(exception, target));

    /// <summary>Stops the cmdlet with an error record built from a client exception.</summary>
    protected void ThrowXenError(Exception exception, object? target) =>
        ThrowTerminatingError(ErrorRecords.From(exception, target));
}
