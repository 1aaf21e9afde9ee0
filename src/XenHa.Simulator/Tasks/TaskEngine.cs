using System;
using System.Collections.Generic;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Tasks;

/// <summary>Runs Async.* bodies on the simulator clock and keeps the task record (§1.6) up to date.</summary>
internal sealed class TaskEngine
{
    /// <summary>Simulated time an "instant" async call spends in each of its two steps (pending, then running).</summary>
    public static readonly TimeSpan StepDelay = TimeSpan.FromMilliseconds(100);

    private readonly SimFarm _farm;

    /// <summary>Messages whose handler may return a <see cref="LongOp"/> (a sync call then gets an internal task, like xapi).</summary>
    private static readonly ConcurrentDictionary<string, bool> LongMethods = new(StringComparer.Ordinal);

    /// <summary>Cancellation sources of the long operations running now, by task ref.</summary>
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    public TaskEngine(SimFarm farm) => _farm = farm;

    /// <summary>Declares a long message; <paramref name="cancellable"/> gives its tasks allowed_operations [cancel].</summary>
    public static void DeclareLong(string name, bool cancellable) => LongMethods[name] = cancellable;

    public static bool IsCancellable(string name) => LongMethods.TryGetValue(name, out var c) && c;

    /// <summary>Creates a pending task record. Call under the farm lock.</summary>
    public Rec Create(Db db, string label, string description, Rec residentOn, bool cancellable)
    {
        if (db.Count("task") > 250) Collect(db);
        return db.Create("task", new Dictionary<string, object?>
        {
            ["name_label"] = label,
            ["name_description"] = description,
            ["status"] = "pending",
            ["created"] = _farm.Clock.UtcNow,
            ["finished"] = Wire.Epoch,
            ["progress"] = 0.0,
            ["resident_on"] = residentOn.Ref,
            ["allowed_operations"] = cancellable ? new List<object?> { "cancel" } : new List<object?>(),
        });
    }

    /// <summary>Starts an Async call: returns the task ref at once; the body runs later. Call under the farm lock.</summary>
    public string StartAsync(Call call, MethodSpec spec)
    {
        var host = SimFarm.Coordinator(call.Db);
        var task = Create(call.Db, "Async." + spec.Name, "", host, cancellable: IsCancellable(spec.Name));
        var taskCall = new Call
        {
            Farm = call.Farm,
            Db = call.Db,
            EndpointHost = call.EndpointHost,
            Method = call.Method,
            Args = call.Args,
            Session = call.Session,
            IsAsync = true,
            Task = task,
        };
        _ = Task.Run(() => RunAsync(taskCall, spec, task));
        return task.Ref;
    }

    private async Task RunAsync(Call call, MethodSpec spec, Rec task)
    {
        await _farm.Clock.Delay(StepDelay).ConfigureAwait(false);
        lock (_farm.Lock)
        {
            if (!IsPending(call.Db, task)) return;
            SetProgress(call.Db, task, 0.5);
        }

        await _farm.Clock.Delay(StepDelay).ConfigureAwait(false);
        LongOp? op = null;
        lock (_farm.Lock)
        {
            if (!IsPending(call.Db, task)) return;
            try
            {
                // xapi checks an Async call's permission inside its task: a denial fails the task.
                Handlers.Rbac.Check(call.Session, spec.Name);
                var value = spec.Body(call);
                if (value is LongOp l) op = l;
                else Complete(call.Db, task, value);
            }
            catch (XenApiException e)
            {
                Fail(call.Db, task, e);
            }
            catch (Exception e) when (IsInternal(e))
            {
                Fail(call.Db, task, new XenApiException("INTERNAL_ERROR", e.Message));
            }
        }

        if (op is null) return;
        try
        {
            var result = await RunLong(call.Db, task, op).ConfigureAwait(false);
            lock (_farm.Lock) Complete(call.Db, task, result);
        }
        catch (XenApiException e)
        {
            lock (_farm.Lock) FailOrCancel(call.Db, task, e);
        }
        catch (Exception e) when (IsInternal(e))
        {
            lock (_farm.Lock) Fail(call.Db, task, new XenApiException("INTERNAL_ERROR", e.Message));
        }
    }

    private static bool IsInternal(Exception e) =>
        e is InvalidCastException or KeyNotFoundException or ArgumentException or InvalidOperationException or FormatException or NullReferenceException;

    /// <summary>Runs a long body (outside the lock) with a cancellation source registered for task.cancel.</summary>
    public async Task<object?> RunLong(Db db, Rec task, LongOp op, CancellationToken parent = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(parent);
        _running[task.Ref] = cts;
        try
        {
            return await op.Run(new Step(_farm, db, task, cts.Token)).ConfigureAwait(false);
        }
        catch (Exception e) when (IsInternal(e))
        {
            throw new XenApiException("INTERNAL_ERROR", e.Message);
        }
        finally
        {
            _running.TryRemove(task.Ref, out _);
        }
    }

    /// <summary>
    /// Sync path, under the lock: runs the handler; a long message gets an internal task first (visible
    /// in current_operations, cancellable, destroyed at the end) and returns a <see cref="PendingLong"/>.
    /// </summary>
    public object? Begin(Call call, MethodSpec spec)
    {
        if (!LongMethods.ContainsKey(spec.Name)) return spec.Body(call);
        var task = Create(call.Db, spec.Name, "", SimFarm.Coordinator(call.Db), IsCancellable(spec.Name));
        var taskCall = new Call
        {
            Farm = call.Farm,
            Db = call.Db,
            EndpointHost = call.EndpointHost,
            Method = call.Method,
            Args = call.Args,
            Session = call.Session,
            IsAsync = false,
            Task = task,
        };
        object? value;
        try
        {
            value = spec.Body(taskCall);
        }
        catch
        {
            call.Db.Delete(task);
            throw;
        }

        if (value is LongOp op) return new PendingLong(taskCall, op);
        call.Db.Delete(task);
        return value;
    }

    /// <summary>Sync path, WITHOUT the lock: waits for the long body, then drops the internal task.</summary>
    public object? Finish(PendingLong pending)
    {
        var db = pending.Call.Db;
        var task = pending.Call.Task!;
        try
        {
            return RunLong(db, task, pending.Op).GetAwaiter().GetResult();
        }
        finally
        {
            lock (_farm.Lock) db.Delete(task);
        }
    }

    /// <summary>
    /// Runs a long body as a sub-task (e.g. the VM.pool_migrate calls of host.evacuate); throws its error.
    /// <c>prepare</c> validates under the lock with the new task (e.g. marks current_operations) and returns the body.
    /// </summary>
    public async Task<object?> RunChild(Db db, string label, Rec? parent, Func<Rec, LongOp> prepare, bool cancellable, CancellationToken parentToken = default)
    {
        Rec task;
        LongOp op;
        lock (_farm.Lock)
        {
            task = Create(db, label, "", SimFarm.Coordinator(db), cancellable);
            if (parent is not null) db.Set(task, "subtask_of", parent.Ref);
            try
            {
                op = prepare(task);
            }
            catch (XenApiException e)
            {
                Fail(db, task, e);
                throw;
            }
        }

        try
        {
            var result = await RunLong(db, task, op, parentToken).ConfigureAwait(false);
            lock (_farm.Lock) Complete(db, task, result);
            return result;
        }
        catch (XenApiException e)
        {
            lock (_farm.Lock) FailOrCancel(db, task, e);
            throw;
        }
    }

    /// <summary>task.cancel: a running long body is told to stop (status cancelling until it has rolled back).</summary>
    public void Cancel(Db db, Rec task)
    {
        if (_running.TryGetValue(task.Ref, out var cts))
        {
            task.Fields["status"] = "cancelling";
            task.Fields["allowed_operations"] = new List<object?>();
            db.Touch(task);
            cts.Cancel();
            return;
        }

        task.Fields["error_info"] = new List<object?> { "TASK_CANCELLED", task.Ref };
        Finish(db, task, "cancelled");
    }

    private void FailOrCancel(Db db, Rec task, XenApiException e)
    {
        if (db.TryGet("task", task.Ref) is null) return;
        if (e.Code == "TASK_CANCELLED")
        {
            task.Fields["error_info"] = new List<object?> { "TASK_CANCELLED", task.Ref };
            Finish(db, task, "cancelled");
        }
        else Fail(db, task, e);
    }

    private static bool IsPending(Db db, Rec task) => db.TryGet("task", task.Ref) is not null && task.Str("status") == "pending";

    /// <summary>Whether a task has a long body running now.</summary>
    public bool IsRunning(string taskRef) => _running.ContainsKey(taskRef);

    public void SetProgress(Db db, Rec task, double progress)
    {
        task.Fields["progress"] = progress;
        db.Touch(task);
    }

    public void Complete(Db db, Rec task, object? result)
    {
        task.Fields["result"] = XmlRpc.ValueText(result);
        Finish(db, task, "success");
    }

    public void Fail(Db db, Rec task, XenApiException e)
    {
        task.Fields["error_info"] = e.Description();
        Finish(db, task, "failure");
    }

    public void Finish(Db db, Rec task, string status)
    {
        task.Fields["status"] = status;
        task.Fields["progress"] = 1.0;
        task.Fields["finished"] = _farm.Clock.UtcNow;
        task.Fields["allowed_operations"] = new List<object?>();
        db.Touch(task);
    }

    /// <summary>Drops finished tasks beyond the newest <paramref name="keep"/> (xapi keeps ~200).</summary>
    public static void Collect(Db db, int keep = 200)
    {
        var done = db.All("task").Where(t => t.Str("status") is not ("pending" or "cancelling")).OrderBy(t => t.Modified).ToList();
        foreach (var t in done.Take(Math.Max(0, done.Count - keep))) db.Delete(t);
    }
}
