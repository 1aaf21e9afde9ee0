using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>host.* custom messages (maintenance, evacuate come later).</summary>
internal static class HostHandlers
{
    public static void Register(MethodTable t)
    {
        t.Add("host.get_management_interface", 1, call =>
        {
            var host = call.Obj("host", 0);
            return call.Db.All("PIF").FirstOrDefault(p => p.Str("host") == host.Ref && p.Bool("management"))?.Ref
                ?? throw new XenApiException("HOST_HAS_NO_MANAGEMENT_IP");
        }, async: true);
        t.Add("host.compute_free_memory", 1, call => FreeMemory(call.Db, call.Obj("host", 0)), async: true);
        t.Add("host.compute_memory_overhead", 1, call => call.Obj("host", 0).Int("memory_overhead"), async: true);
        t.Add("host.get_servertime", 1, call => { _ = call.Obj("host", 0); return call.Now; }, async: true);
        t.Add("host.get_server_localtime", 1, call => { _ = call.Obj("host", 0); return call.Now; }, async: true);
        t.Add("host.list_methods", 0, call => call.Farm.Methods.Names.Select(n => (object?)n).ToList());
    }

    /// <summary>Total memory minus the host overhead and every resident VM's footprint (incl. dom0).</summary>
    public static long FreeMemory(Db db, Rec host)
    {
        var metrics = db.Get("host_metrics", host.Str("metrics"));
        var used = host.Int("memory_overhead");
        foreach (var vm in db.All("VM"))
            if (vm.Str("resident_on") == host.Ref && vm.Str("power_state") is "Running" or "Paused")
                used += vm.Int("memory_dynamic_max") + vm.Int("memory_overhead");
        return metrics.Int("memory_total") - used;
    }

    /// <summary>Writes host_metrics.memory_free from the resident VMs.</summary>
    public static void UpdateFreeMemory(Db db, Rec host)
    {
        var metrics = db.Get("host_metrics", host.Str("metrics"));
        db.Set(metrics, "memory_free", FreeMemory(db, host));
    }
}
