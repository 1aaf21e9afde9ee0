using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Attributes;
using XenHa.Simulator.Ha;

namespace XenHa.Benchmarks;

/// <summary>The HA planner (pure): max host failures to tolerate and the full restart plan.</summary>
[MemoryDiagnoser]
public class PlannerBenchmarks
{
    private const long GiB = 1L << 30;

    internal static int Hosts = 64;
    internal static int ProtectedVms = 4000;

    private PlannerModel _model = null!;
    private PlannerModel _afterLoss = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = Model(Hosts, ProtectedVms, failed: 0);
        _afterLoss = Model(Hosts, ProtectedVms, failed: 1);
    }

    /// <summary>
    /// <paramref name="hosts"/> hosts of 512 GiB; the protected VMs (1, 2 or 4 GiB, round robin) spread over them.
    /// With <paramref name="failed"/> = 1 the first host is dead and its VMs are offline (what the HA monitor plans for).
    /// </summary>
    public static PlannerModel Model(int hosts, int vms, int failed)
    {
        string HostRef(int h) => "OpaqueRef:host" + h.ToString(CultureInfo.InvariantCulture);
        var sizes = new[] { 1 * GiB, 2 * GiB, 4 * GiB };
        var vmList = Enumerable.Range(0, vms).Select(i => new PlannerVm("OpaqueRef:vm" + i.ToString(CultureInfo.InvariantCulture), "vm-" + i.ToString("00000", CultureInfo.InvariantCulture))
        {
            RestartMemory = sizes[i % 3],
            EvacuationMemory = sizes[i % 3],
            ResidentOn = i % hosts < failed ? null : HostRef(i % hosts),
            Protected = true,
        }).ToList();
        var used = new Dictionary<string, long>();
        foreach (var vm in vmList.Where(v => v.ResidentOn is not null))
            used[vm.ResidentOn!] = used.GetValueOrDefault(vm.ResidentOn!) + vm.RestartMemory;
        var hostList = Enumerable.Range(0, hosts).Select(h => new PlannerHost(HostRef(h), "host-" + h.ToString("000", CultureInfo.InvariantCulture))
        {
            Live = h >= failed,
            InLiveSet = h >= failed,
            FreeMemory = 512 * GiB - used.GetValueOrDefault(HostRef(h)),
            FreeMemoryMaxCompression = 512 * GiB - used.GetValueOrDefault(HostRef(h)),
        }).ToList();
        return new PlannerModel(hostList, vmList);
    }

    [Benchmark(Description = "max failures to tolerate")]
    public int MaxFailures() => new FailoverPlanner(_model).MaxHostFailuresToTolerate();

    [Benchmark(Description = "restart plan after a host loss")]
    public int RestartPlan() => new FailoverPlanner(_afterLoss).ComputeRestartPlan(1).Plan.Count;
}
