using System;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Tasks;

/// <summary>
/// The rest of a long operation. A handler validates under the farm lock and returns a LongOp;
/// the engine then runs <see cref="Run"/> WITHOUT the lock: the body takes the lock only in short
/// <see cref="Step.Locked(Action)"/> sections and waits on the simulated clock in between
/// (<c>Step.Delay</c>). Sync calls wait for the same body; Async calls complete their task with it.
/// </summary>
internal sealed class LongOp
{
    public LongOp(Func<Step, Task<object?>> run) => Run = run;

    public Func<Step, Task<object?>> Run { get; }
}

/// <summary>What a long body can do: wait on the clock, report progress, take the lock briefly, observe cancellation.</summary>
internal sealed class Step
{
    public Step(SimFarm farm, Db db, Rec task, CancellationToken token)
    {
        Farm = farm;
        Db = db;
        Task = task;
        Token = token;
    }

    public SimFarm Farm { get; }
    public Db Db { get; }

    /// <summary>The task record of this operation (its ref goes into current_operations).</summary>
    public Rec Task { get; }

    public CancellationToken Token { get; }

    public bool IsCancelled => Token.IsCancellationRequested;

    /// <summary>Throws TASK_CANCELLED [task] once task.cancel was called.</summary>
    public void ThrowIfCancelled()
    {
        if (Token.IsCancellationRequested) throw new XenApiException("TASK_CANCELLED", Task.Ref);
    }

    /// <summary>Waits a simulated duration without the lock; TASK_CANCELLED if cancelled meanwhile.</summary>
    public async Task Delay(TimeSpan simulated)
    {
        ThrowIfCancelled();
        try
        {
            await Farm.Clock.Delay(simulated, Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        ThrowIfCancelled();
    }

    /// <summary>Waits <paramref name="total"/> in <paramref name="slices"/> parts, moving progress from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public async Task Delay(TimeSpan total, double from, double to, int slices = 10)
    {
        for (var i = 1; i <= slices; i++)
        {
            await Delay(total / slices).ConfigureAwait(false);
            Progress(from + (to - from) * i / slices);
        }
    }

    /// <summary>Sets task.progress (takes the lock).</summary>
    public void Progress(double value)
    {
        lock (Farm.Lock)
        {
            if (Db.TryGet("task", Task.Ref) is null || Task.Str("status") is not ("pending" or "cancelling")) return;
            Farm.Tasks.SetProgress(Db, Task, Math.Clamp(value, 0.0, 0.99));
        }
    }

    public void Locked(Action action)
    {
        lock (Farm.Lock) action();
    }

    public T Locked<T>(Func<T> func)
    {
        lock (Farm.Lock) return func();
    }
}

/// <summary>A sync call of a long message, validated under the lock, to be finished outside it.</summary>
internal sealed record PendingLong(Handlers.Call Call, LongOp Op);
