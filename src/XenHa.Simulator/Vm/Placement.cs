using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>Host memory accounting, assert_can_boot_here and host choice (reference §6.5, xapi_vm_helpers.ml).</summary>
internal static class Placement
{
    private const long MiB = 1024L * 1024;

    /// <summary>What a VM occupies on a host: dynamic_max plus its overhead (xapi's start memory without ballooning).</summary>
    public static long Footprint(Rec vm) => vm.Int("memory_dynamic_max") + vm.Int("memory_overhead");

    /// <summary>xapi's per-VM overhead estimate: ~1/128 of static_max, 1 MiB per vCPU, 1 MiB fixed (rounded up to MiB).</summary>
    public static long Overhead(Rec vm)
    {
        if (vm.Bool("is_control_domain")) return 0;
        var bytes = vm.Int("memory_static_max") / 128 + vm.Int("VCPUs_max") * MiB + MiB;
        return (bytes + MiB - 1) / MiB * MiB;
    }

    /// <summary>VMs counted against a host: resident (Running/Paused) or scheduled to arrive (start, resume, migration target).</summary>
    public static IEnumerable<Rec> Consumers(Db db, Rec host) =>
        db.All("VM").Where(vm =>
            vm.Str("resident_on") == host.Ref && vm.Str("power_state") is "Running" or "Paused"
            || vm.Str("scheduled_to_be_resident_on") == host.Ref && vm.Str("resident_on") != host.Ref);

    public static long FreeMemory(Db db, Rec host)
    {
        var metrics = db.Get("host_metrics", host.Str("metrics"));
        var used = host.Int("memory_overhead") + Consumers(db, host).Sum(Footprint);
        return Math.Max(0, metrics.Int("memory_total") - used);
    }

    public static void UpdateFreeMemory(Db db, Rec host)
    {
        var metrics = db.Get("host_metrics", host.Str("metrics"));
        var free = FreeMemory(db, host);
        if (metrics.Int("memory_free") != free) db.Set(metrics, "memory_free", free);
    }

    public static bool IsLive(Db db, Rec host) => db.TryGet("host_metrics", host.Str("metrics"))?.Bool("live") ?? false;

    /// <summary>
    /// assert_can_boot_here in xapi's order: host live → enabled (unless the VM is already resident there) →
    /// every VBD's SR (and the suspend image's) plugged on the host → every VIF's network on the host → memory.
    /// <paramref name="vdiMap"/> overrides the SR of VDIs that a storage migration moves.
    /// </summary>
    public static XenApiException? CanBootHere(Db db, Rec vm, Rec host, bool memory, IReadOnlyDictionary<string, string>? vdiMap = null)
    {
        if (!IsLive(db, host)) return new XenApiException("HOST_NOT_LIVE");
        if (!host.Bool("enabled") && vm.Str("resident_on") != host.Ref) return new XenApiException("HOST_DISABLED", host.Ref);

        var srs = new List<string>();
        foreach (var vbd in db.All("VBD").Where(v => v.Str("VM") == vm.Ref && !v.Bool("empty")))
            if (db.TryGet("VDI", vbd.Str("VDI")) is { } vdi)
                srs.Add(vdiMap is not null && vdiMap.TryGetValue(vdi.Ref, out var target) ? target : vdi.Str("SR"));
        if (db.TryGet("VDI", vm.Str("suspend_VDI")) is { } sv) srs.Add(sv.Str("SR"));
        foreach (var sr in srs.Distinct())
            if (!SrVisible(db, sr, host)) return new XenApiException("VM_REQUIRES_SR", vm.Ref, sr);

        foreach (var vif in db.All("VIF").Where(v => v.Str("VM") == vm.Ref))
        {
            var net = vif.Str("network");
            var pifs = db.All("PIF").Where(p => p.Str("network") == net).ToList();
            if (pifs.Count > 0 && !pifs.Any(p => p.Str("host") == host.Ref && p.Bool("currently_attached")))
                return new XenApiException("VM_REQUIRES_NETWORK", vm.Ref, net);
        }

        if (memory && vm.Str("resident_on") != host.Ref)
        {
            var needed = Footprint(vm);
            var available = FreeMemory(db, host);
            if (vm.Str("scheduled_to_be_resident_on") == host.Ref) available += needed;
            if (available < needed)
                return new XenApiException("HOST_NOT_ENOUGH_FREE_MEMORY", needed.ToString(CultureInfo.InvariantCulture), available.ToString(CultureInfo.InvariantCulture));
        }

        return null;
    }

    public static void AssertCanBootHere(Db db, Rec vm, Rec host, bool memory = true)
    {
        if (CanBootHere(db, vm, host, memory) is { } e) throw e;
    }

    /// <summary>An SR is usable from a host when a PBD for it is plugged there.</summary>
    public static bool SrVisible(Db db, string sr, Rec host) =>
        db.All("PBD").Any(p => p.Str("SR") == sr && p.Str("host") == host.Ref && p.Bool("currently_attached"));

    /// <summary>Hosts ordered as candidates: most free memory first, the coordinator last while pool.coordinator_bias.</summary>
    private static IEnumerable<Rec> Ranked(Db db)
    {
        var pool = SimFarm.Pool(db);
        var bias = pool.Fields.TryGetValue("coordinator_bias", out var b) && b is bool bb ? bb : true;
        var master = pool.Str("master");
        return db.All("host")
            .OrderBy(h => bias && h.Ref == master ? 1 : 0)
            .ThenByDescending(h => FreeMemory(db, h))
            .ThenBy(h => h.Str("name_label"), StringComparer.Ordinal);
    }

    /// <summary>VM.get_possible_hosts: hosts passing every check including memory.</summary>
    public static List<Rec> PossibleHosts(Db db, Rec vm) => Ranked(db).Where(h => CanBootHere(db, vm, h, true) is null).ToList();

    /// <summary>
    /// choose_host_for_vm: the affinity host if it can boot the VM; else a host with memory (coordinator avoided);
    /// else one passing every check but memory (the start then fails with HOST_NOT_ENOUGH_FREE_MEMORY);
    /// NO_HOSTS_AVAILABLE [] when none.
    /// </summary>
    public static Rec Choose(Db db, Rec vm)
    {
        if (db.TryGet("host", vm.Str("affinity")) is { } affinity && CanBootHere(db, vm, affinity, true) is null) return affinity;
        var ranked = Ranked(db).ToList();
        return ranked.FirstOrDefault(h => CanBootHere(db, vm, h, true) is null)
            ?? ranked.FirstOrDefault(h => CanBootHere(db, vm, h, false) is null)
            ?? throw new XenApiException("NO_HOSTS_AVAILABLE");
    }
}
