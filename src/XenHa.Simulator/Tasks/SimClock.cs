using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace XenHa.Simulator.Tasks;

/// <summary>The simulator's clock: every simulated duration (task progress, boots, HA timeouts) goes through it.</summary>
public interface ISimClock
{
    /// <summary>Current simulated time (UTC).</summary>
    DateTime UtcNow { get; }

    /// <summary>Completes after the given simulated duration.</summary>
    Task Delay(TimeSpan simulated, CancellationToken cancellationToken = default);
}

/// <summary>Real time multiplied by a speed factor (2 = twice as fast).</summary>
public sealed class ScaledClock : ISimClock
{
    private readonly DateTime _start = DateTime.UtcNow;
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public ScaledClock(double speed)
    {
        if (!(speed > 0)) throw new ArgumentOutOfRangeException(nameof(speed), "speed must be > 0");
        Speed = speed;
    }

    public double Speed { get; }

    public DateTime UtcNow => _start + TimeSpan.FromTicks((long)(_watch.Elapsed.Ticks * Speed));

    public Task Delay(TimeSpan simulated, CancellationToken cancellationToken = default) =>
        simulated <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(TimeSpan.FromTicks((long)(simulated.Ticks / Speed)), cancellationToken);
}

/// <summary>A clock that only moves when a test calls <see cref="Advance"/>.</summary>
public sealed class ManualClock : ISimClock
{
    private readonly object _gate = new();
    private readonly List<(DateTime Due, TaskCompletionSource Tcs)> _waiters = new();
    private DateTime _now;

    public ManualClock(DateTime? start = null) => _now = start ?? new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public DateTime UtcNow { get { lock (_gate) return _now; } }

    public Task Delay(TimeSpan simulated, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (simulated <= TimeSpan.Zero) return Task.CompletedTask;
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((_now + simulated, tcs));
            if (cancellationToken.CanBeCanceled) cancellationToken.Register(() => tcs.TrySetCanceled(cancellationToken));
            return tcs.Task;
        }
    }

    /// <summary>Moves time forward and releases every delay that is due.</summary>
    public void Advance(TimeSpan by)
    {
        List<TaskCompletionSource> due = new();
        lock (_gate)
        {
            _now += by;
            for (var i = _waiters.Count - 1; i >= 0; i--)
                if (_waiters[i].Due <= _now) { due.Add(_waiters[i].Tcs); _waiters.RemoveAt(i); }
        }

        foreach (var t in due) t.TrySetResult();
    }
}
