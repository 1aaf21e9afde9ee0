using System.Collections.Generic;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>task.* beyond the generic getters (reference §1.6, §3.16).</summary>
internal static class TaskHandlers
{
    public static void Register(MethodTable t)
    {
        t.Add("task.create", 2, call =>
        {
            var task = call.Farm.Tasks.Create(call.Db, call.Str(0), call.Str(1), SimFarm.Coordinator(call.Db), cancellable: true);
            return task.Ref;
        });
        t.Add("task.destroy", 1, call =>
        {
            call.Db.Delete(call.Obj("task", 0));
            return null;
        });
        t.Add("task.cancel", 1, call =>
        {
            var task = call.Obj("task", 0);
            if (!task.List("allowed_operations").Contains("cancel"))
                throw new XenApiException("OPERATION_NOT_ALLOWED", "task " + task.Ref + " does not allow cancel");
            call.Farm.Tasks.Cancel(call.Db, task);
            return null;
        });
        t.Add("task.set_status", 2, call =>
        {
            var task = call.Obj("task", 0);
            var status = call.Str(1);
            if (status is not ("pending" or "success" or "failure" or "cancelling" or "cancelled"))
                throw new XenApiException("INVALID_VALUE", "status", status);
            call.Db.Set(task, "status", status);
            return null;
        });
        t.Add("task.set_progress", 2, call =>
        {
            call.Db.Set(call.Obj("task", 0), "progress", call.Float(1));
            return null;
        });
        t.Add("task.set_result", 2, call =>
        {
            call.Db.Set(call.Obj("task", 0), "result", call.Str(1));
            return null;
        });
        t.Add("task.set_error_info", 2, call =>
        {
            var list = new List<object?>();
            foreach (var x in call.List(1)) list.Add(Wire.AsString(x));
            call.Db.Set(call.Obj("task", 0), "error_info", list);
            return null;
        });
    }
}
