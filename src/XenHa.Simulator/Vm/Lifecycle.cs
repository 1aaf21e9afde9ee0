using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Handlers;

/// <summary>
/// Simulated durations (all on the farm clock, so --speed scales them):
/// start 3 s (+ start_delay before the call returns), clean shutdown 2 s (+ shutdown_delay),
/// hard shutdown 0.5 s, clean reboot 2 s + 3 s, hard reboot 0.5 s + 3 s, suspend/resume and live migration
/// 1 s per GiB of memory_dynamic_max (min 2 s), clone 1 s, copy 1 s per 10 GiB of disk (min 2 s),
/// provision 1 s, guest agent report 5 s after boot, host shutdown starts 10 s after host.shutdown/reboot,
/// host boot 30 s.
/// </summary>
internal static class Durations
{
    public static readonly TimeSpan Boot = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan CleanShutdown = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan HardShutdown = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan Agent = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Clone = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Provision = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan HostShutdownDelay = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan HostBoot = TimeSpan.FromSeconds(30);

    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>1 s per GiB of memory, at least 2 s (suspend, resume, migration).</summary>
    public static TimeSpan Memory(Rec vm) => TimeSpan.FromSeconds(Math.Max(2.0, vm.Int("memory_dynamic_max") / GiB));

    public static TimeSpan Copy(long bytes) => TimeSpan.FromSeconds(Math.Max(2.0, bytes / GiB / 10));
}

/// <summary>
/// Guest tools, a simulator-only convention: a VM gets a VM_guest_metrics record (PV drivers, an IP per VIF,
/// feature flags) 5 s after each boot iff its other_config has "xensim_tools" = "true". The Linux
/// built-in templates carry that key (clones inherit it); the Windows ones and "Other install media" do not,
/// so their guests boot without tools (guest_metrics = OpaqueRef:NULL). "Installing tools" =
/// VM.add_to_other_config(vm, "xensim_tools", "true"): a running VM reports within 5 s, otherwise at next boot;
/// removing the key makes the next boot tool-less.
/// </summary>
internal static class GuestAgent
{
    public const string ToolsKey = "xensim_tools";

    private static readonly ConcurrentDictionary<string, string> Ips = new(StringComparer.Ordinal);
    private static int _next;

    public static bool HasTools(Rec vm) => vm.Map("other_config").TryGetValue(ToolsKey, out var v) && Wire.AsString(v) == "true";

    /// <summary>Reports the guest after the agent delay if the same boot is still running. Call under the lock.</summary>
    public static void Schedule(SimFarm farm, Db db, Rec vm)
    {
        var metrics = db.TryGet("VM_metrics", vm.Str("metrics"));
        var boot = metrics?.Fields["start_time"];
        _ = System.Threading.Tasks.Task.Run(async () =>
        {
            await farm.Clock.Delay(Durations.Agent).ConfigureAwait(false);
            lock (farm.Lock)
            {
                if (db.TryGet("VM", vm.Ref) is null || vm.Str("power_state") is not ("Running" or "Paused")) return;
                if (metrics is not null && !Equals(metrics.Fields["start_time"], boot)) return;
                if (HasTools(vm)) Report(farm, db, vm);
            }
        });
    }

    /// <summary>Creates or refreshes the guest metrics of a running VM with tools. Call under the lock.</summary>
    public static void Report(SimFarm farm, Db db, Rec vm)
    {
        var windows = vm.Map("platform").TryGetValue("viridian", out var v) && Wire.AsString(v) == "true";
        var networks = new Dictionary<string, object?>();
        foreach (var vif in db.All("VIF").Where(x => x.Str("VM") == vm.Ref).OrderBy(x => x.Str("device"), StringComparer.Ordinal))
        {
            var ip = Ips.GetOrAdd(vif.Ref, _ => { var n = Interlocked.Increment(ref _next); return $"10.0.{n / 250}.{n % 250 + 10}"; });
            networks[vif.Str("device") + "/ip"] = ip;
            networks[vif.Str("device") + "/ipv4/0"] = ip;
        }

        var fields = new Dictionary<string, object?>
        {
            ["os_version"] = windows
                ? new Dictionary<string, object?> { ["name"] = "Microsoft Windows Server 2022 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2", ["distro"] = "windows", ["uname"] = "10.0.20348", ["major"] = "10", ["minor"] = "0", ["spmajor"] = "0", ["spminor"] = "0" }
                : new Dictionary<string, object?> { ["name"] = "Debian GNU/Linux 12 (bookworm)", ["distro"] = "debian", ["uname"] = "6.1.0-18-amd64", ["major"] = "12", ["minor"] = "0" },
            ["PV_drivers_version"] = windows
                ? new Dictionary<string, object?> { ["major"] = "9", ["minor"] = "3", ["micro"] = "3", ["build"] = "40" }
                : new Dictionary<string, object?> { ["major"] = "8", ["minor"] = "4", ["micro"] = "0", ["build"] = "1" },
            ["PV_drivers_up_to_date"] = true,
            ["PV_drivers_detected"] = true,
            ["networks"] = networks,
            ["other"] = new Dictionary<string, object?>
            {
                ["feature-shutdown"] = "1", ["feature-poweroff"] = "1", ["feature-reboot"] = "1", ["feature-suspend"] = "1",
                ["feature-vcpu-hotplug"] = "1", ["feature-balloon"] = "1", ["feature-static-ip-setting"] = "1", ["has-vendor-device"] = "0",
            },
            ["live"] = true,
            ["can_use_hotplug_vbd"] = "yes",
            ["can_use_hotplug_vif"] = "yes",
            ["last_updated"] = farm.Clock.UtcNow,
        };
        if (db.TryGet("VM_guest_metrics", vm.Str("guest_metrics")) is { } gm)
        {
            foreach (var kv in fields) gm.Fields[kv.Key] = kv.Value;
            db.Touch(gm);
        }
        else
        {
            gm = db.Create("VM_guest_metrics", fields);
            db.Set(vm, "guest_metrics", gm.Ref);
        }

        VmOps.Recompute(db, vm);
    }

    /// <summary>Drops the guest metrics (halt/suspend: xapi's force_state_reset).</summary>
    public static void Remove(Db db, Rec vm)
    {
        if (db.TryGet("VM_guest_metrics", vm.Str("guest_metrics")) is { } gm) db.Delete(gm);
        if (vm.Str("guest_metrics") != Wire.NullRef) db.Set(vm, "guest_metrics", Wire.NullRef);
    }
}

/// <summary>State transitions shared by the lifecycle calls. All methods run under the farm lock.</summary>
internal static class PowerState
{
    private static readonly ConcurrentDictionary<string, long> DomIds = new(StringComparer.Ordinal);

    public static bool Legacy(SimFarm farm) => farm.Options.ApiVersion.StartsWith("1.", StringComparison.Ordinal);

    /// <summary>A VM comes up on a host: power state, residency, domid, devices, metrics, ha_always_run, guest agent.</summary>
    public static void Boot(SimFarm farm, Db db, Rec vm, Rec host, bool paused)
    {
        var now = farm.Clock.UtcNow;
        db.Set(vm, "power_state", paused ? "Paused" : "Running");
        db.Set(vm, "resident_on", host.Ref);
        db.Set(vm, "scheduled_to_be_resident_on", Wire.NullRef);
        db.Set(vm, "domid", NewDomId(host));
        if (vm.Str("ha_restart_priority") == "restart") db.Set(vm, "ha_always_run", true);
        var type = vm.Str("domain_type") is "unspecified" or "" ? (vm.Str("HVM_boot_policy") == "" ? "pv" : "hvm") : vm.Str("domain_type");
        if (db.TryGet("VM_metrics", vm.Str("metrics")) is { } m)
        {
            m.Fields["memory_actual"] = vm.Int("memory_dynamic_max");
            m.Fields["VCPUs_number"] = vm.Int("VCPUs_at_startup");
            m.Fields["state"] = new List<object?> { paused ? "paused" : "running" };
            m.Fields["start_time"] = now;
            m.Fields["last_updated"] = now;
            m.Fields["hvm"] = type == "hvm";
            m.Fields["current_domain_type"] = type;
            db.Touch(m);
        }

        foreach (var vbd in db.All("VBD").Where(x => x.Str("VM") == vm.Ref).ToList())
        {
            var index = int.TryParse(vbd.Str("userdevice"), out var i) ? i : 0;
            db.Set(vbd, "device", "xvd" + (char)('a' + Math.Clamp(index, 0, 25)));
            db.Set(vbd, "currently_attached", !vbd.Bool("empty") || vbd.Str("type") == "CD");
        }

        foreach (var vif in db.All("VIF").Where(x => x.Str("VM") == vm.Ref).ToList()) db.Set(vif, "currently_attached", true);
        VmOps.Recompute(db, vm);
        Placement.UpdateFreeMemory(db, host);
        GuestAgent.Schedule(farm, db, vm);
    }

    public static long NewDomId(Rec host) => DomIds.AddOrUpdate(host.Ref, 1, (_, v) => v + 1);

    /// <summary>The domain is gone: Halted or Suspended, devices detached, metrics zeroed, guest metrics removed.</summary>
    public static void Down(Db db, Rec vm, string state)
    {
        var host = db.TryGet("host", vm.Str("resident_on"));
        db.Set(vm, "power_state", state);
        db.Set(vm, "resident_on", Wire.NullRef);
        db.Set(vm, "scheduled_to_be_resident_on", Wire.NullRef);
        db.Set(vm, "domid", -1L);
        foreach (var vbd in db.All("VBD").Where(x => x.Str("VM") == vm.Ref).ToList()) db.Set(vbd, "currently_attached", false);
        foreach (var vif in db.All("VIF").Where(x => x.Str("VM") == vm.Ref).ToList()) db.Set(vif, "currently_attached", false);
        if (db.TryGet("VM_metrics", vm.Str("metrics")) is { } m)
        {
            m.Fields["memory_actual"] = 0L;
            m.Fields["VCPUs_number"] = 0L;
            m.Fields["state"] = new List<object?>();
            m.Fields["current_domain_type"] = "unspecified";
            db.Touch(m);
        }

        GuestAgent.Remove(db, vm);
        VmOps.Recompute(db, vm);
        if (host is not null) Placement.UpdateFreeMemory(db, host);
    }

    /// <summary>Hard stop of a Suspended VM: the suspend image goes, the VM becomes Halted.</summary>
    public static void DropSuspendImage(Db db, Rec vm)
    {
        if (db.TryGet("VDI", vm.Str("suspend_VDI")) is { } vdi) db.Delete(vdi);
        db.Set(vm, "suspend_VDI", Wire.NullRef);
    }
}
