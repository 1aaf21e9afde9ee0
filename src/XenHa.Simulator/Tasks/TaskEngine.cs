using System;
using System.Collections.Generic;
using System.Linq;
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

    public TaskEngine(SimFarm farm) => _farm = farm;

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
        var task = Create(call.Db, "Async." + spec.Name, "", host, cancellable: false);
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
        lock (_farm.Lock)
        {
            if (!IsPending(call.Db, task)) return;
            try
            {
                Complete(call.Db, task, spec.Body(call));
            }
            catch (XenApiException e)
            {
                Fail(call.Db, task, e);
            }
            catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or ArgumentException or InvalidOperationException or FormatException)
            {
                Fail(call.Db, task, new XenApiException("INTERNAL_ERROR", e.Message));
            }
        }
    }

    private static bool IsPending(Db db, Rec task) => db.TryGet("task", task.Ref) is not null && task.Str("status") == "pending";

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
        var done = db.All("task").Where(t => t.Str("status") != "pending").OrderBy(t => t.Modified).ToList();
        foreach (var t in done.Take(Math.Max(0, done.Count - keep))) db.Delete(t);
    }
}
