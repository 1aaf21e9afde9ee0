using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Reads a pool's objects for the Get-* cmdlets: one get_all_records (or _where) per class, never one
/// call per object, and turns records into output objects that name related objects instead of
/// showing references.
/// </summary>
internal static class PoolReader
{
    private const double GiB = 1024.0 * 1024 * 1024;

    public static async Task<Pool> ReadPoolAsync(Connection connection, CancellationToken ct)
    {
        var session = connection.Session;
        var pools = await session.GetAllRecordsAsync<Api.Pool>(ct).ConfigureAwait(false);
        if (pools.Count != 1)
        {
            throw new XenProtocolException($"Expected exactly one pool object, the server returned {pools.Count}.");
        }
        var record = pools[0];
        var hosts = await session.GetAllRecordsAsync<Api.Host>(ct).ConfigureAwait(false);
        var defaultSr = "";
        if (!record.DefaultSR.IsNull)
        {
            try
            {
                defaultSr = (await session.GetRecordAsync(record.DefaultSR, ct).ConfigureAwait(false)).NameLabel;
            }
            catch (XenApiException e) when (e.Code == "HANDLE_INVALID")
            {
                // A default SR that was forgotten leaves a dangling reference; show it as unset.
            }
        }
        connection.PoolName = record.NameLabel;
        var coordinator = hosts.FirstOrDefault(h => h.OpaqueRef == record.Master.OpaqueRef);
        if (coordinator != null)
        {
            connection.CoordinatorName = coordinator.NameLabel;
        }
        return new Pool
        {
            Name = record.NameLabel,
            Description = record.NameDescription,
            Coordinator = coordinator?.NameLabel ?? "",
            HostCount = hosts.Count,
            HaEnabled = record.HaEnabled,
            HaHostFailuresToTolerate = record.HaHostFailuresToTolerate,
            DefaultRepository = defaultSr,
            Uuid = record.Uuid,
            OpaqueRef = record.OpaqueRef,
            Connection = connection,
            Record = record,
        };
    }

    public static async Task<IReadOnlyList<Host>> ReadHostsAsync(Connection connection, CancellationToken ct)
    {
        var session = connection.Session;
        var hosts = await session.GetAllRecordsAsync<Api.Host>(ct).ConfigureAwait(false);
        var metrics = (await session.GetAllRecordsAsync<Api.HostMetrics>(ct).ConfigureAwait(false))
            .ToDictionary(m => m.OpaqueRef);
        var controlDomains = new HashSet<string>(
            (await session.GetAllRecordsWhereAsync<Api.Vm>("field \"is_control_domain\"=\"true\"", ct).ConfigureAwait(false))
            .Select(v => v.OpaqueRef));
        connection.Names.Remember(NameKind.Host, hosts.Select(h => h.NameLabel));
        return hosts.Select(h =>
        {
            metrics.TryGetValue(h.Metrics.OpaqueRef, out var m);
            h.SoftwareVersion.TryGetValue("product_version", out var productVersion);
            h.OtherConfig.TryGetValue("MAINTENANCE_MODE", out var maintenance);
            return new Host
            {
                Name = h.NameLabel,
                Address = h.Address,
                Enabled = h.Enabled,
                Live = m?.Live ?? false,
                IsCoordinator = h.OpaqueRef == session.CoordinatorRef.OpaqueRef,
                InMaintenance = string.Equals(maintenance, "true", StringComparison.OrdinalIgnoreCase),
                MemoryTotalGB = Math.Round((m?.MemoryTotal ?? 0) / GiB, 2),
                MemoryFreeGB = Math.Round((m?.MemoryFree ?? 0) / GiB, 2),
                CpuCount = h.HostCPUs.Count,
                VMCount = h.ResidentVMs.Count(v => !controlDomains.Contains(v.OpaqueRef)),
                ProductVersion = productVersion ?? "",
                ApiVersion = h.APIVersionMajor + "." + h.APIVersionMinor,
                PoolName = connection.PoolName,
                Uuid = h.Uuid,
                OpaqueRef = h.OpaqueRef,
                Connection = connection,
                Record = h,
            };
        }).ToList();
    }

    public static async Task<IReadOnlyList<Vm>> ReadVmsAsync(
        Connection connection, bool includeTemplates, bool includeControlDomains, CancellationToken ct)
    {
        var records = new List<Api.Vm>();
        var reads = StartVmReads(connection, includeTemplates, includeControlDomains, records.Add, ct);
        await Task.WhenAll(reads.Vms, reads.HostNames, reads.GuestMetrics).ConfigureAwait(false);
        var hostNames = await reads.HostNames.ConfigureAwait(false);
        var guestMetrics = await reads.GuestMetrics.ConfigureAwait(false);
        connection.Names.Remember(NameKind.Vm, records.Where(v => !v.IsATemplate && !v.IsControlDomain).Select(v => v.NameLabel));
        return records.Select(v => ToVm(connection, v, hostNames, guestMetrics)).ToList();
    }

    /// <summary>
    /// The VMs for Get-XenVM, handed to <paramref name="onVm"/> on the cmdlet's thread while the rest of
    /// the answer is still being decoded: with 10,000 VMs the pipeline's work on the first objects
    /// overlaps the decoding of the last ones. A stop request ends the read.
    /// </summary>
    public static void StreamVms(XenCmdlet cmdlet, Connection connection, bool includeTemplates, bool includeControlDomains, Action<Vm> onVm)
    {
        var queue = new BlockingCollection<Api.Vm>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cmdlet.StopToken);
        var reads = StartVmReads(connection, includeTemplates, includeControlDomains, record => Enqueue(queue, record), stop.Token);
        reads.Vms.ContinueWith(_ => queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            var hostNames = cmdlet.AwaitCall(reads.HostNames);
            var guestMetrics = cmdlet.AwaitCall(reads.GuestMetrics);
            var names = new List<string>();
            foreach (var record in WhileRunning(queue.GetConsumingEnumerable(cmdlet.StopToken), cmdlet.StopToken))
            {
                if (!record.IsATemplate && !record.IsControlDomain)
                {
                    names.Add(record.NameLabel);
                }

                onVm(ToVm(connection, record, hostNames, guestMetrics));
            }

            cmdlet.AwaitCall(reads.Vms);
            connection.Names.Remember(NameKind.Vm, names);
        }
        finally
        {
            // An error, a stop or a failed host read ends the VM read too; its outcome is then not wanted.
            stop.Cancel();
            queue.CompleteAdding();
            reads.Vms.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>The queue's items; a stop request becomes PowerShell's pipeline stop.</summary>
    private static IEnumerable<Api.Vm> WhileRunning(IEnumerable<Api.Vm> records, CancellationToken stopToken)
    {
        using var items = records.GetEnumerator();
        while (true)
        {
            try
            {
                if (!items.MoveNext())
                {
                    yield break;
                }
            }
            catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }

            yield return items.Current;
        }
    }

    private static void Enqueue(BlockingCollection<Api.Vm> queue, Api.Vm record)
    {
        try
        {
            queue.Add(record);
        }
        catch (InvalidOperationException)
        {
            // The cmdlet stopped reading (an error or a stop): end the decode.
            throw new OperationCanceledException("The VM listing was stopped.");
        }
    }

    /// <summary>The reads behind every VM listing, sent together: the smaller answers are decoded while the VMs' is still coming.</summary>
    private static VmReads StartVmReads(Connection connection, bool includeTemplates, bool includeControlDomains, Action<Api.Vm> onRecord, CancellationToken ct)
    {
        var session = connection.Session;
        var conditions = new List<string>();
        if (!includeTemplates)
        {
            conditions.Add("field \"is_a_template\"=\"false\"");
        }
        if (!includeControlDomains)
        {
            conditions.Add("field \"is_control_domain\"=\"false\"");
        }
        return new VmReads(
            session.ReadAllRecordsAsync(conditions.Count == 0 ? null : string.Join(" and ", conditions), onRecord, ct),
            HostNamesAsync(session, ct),
            GuestMetricsAsync(session, ct));
    }

    private static async Task<Dictionary<string, string>> HostNamesAsync(XenSession session, CancellationToken ct) =>
        (await session.GetAllRecordsAsync<Api.Host>(ct).ConfigureAwait(false)).ToDictionary(h => h.OpaqueRef, h => h.NameLabel);

    private static async Task<Dictionary<string, Api.VmGuestMetrics>> GuestMetricsAsync(XenSession session, CancellationToken ct) =>
        (await session.GetAllRecordsAsync<Api.VmGuestMetrics>(ct).ConfigureAwait(false)).ToDictionary(g => g.OpaqueRef);

    private sealed class VmReads
    {
        public VmReads(Task<int> vms, Task<Dictionary<string, string>> hostNames, Task<Dictionary<string, Api.VmGuestMetrics>> guestMetrics)
        {
            Vms = vms;
            HostNames = hostNames;
            GuestMetrics = guestMetrics;
        }

        public Task<int> Vms { get; }

        public Task<Dictionary<string, string>> HostNames { get; }

        public Task<Dictionary<string, Api.VmGuestMetrics>> GuestMetrics { get; }
    }

    /// <summary>The output object for one VM record; hostNames maps host refs to names.</summary>
    internal static Vm ToVm(Connection connection, Api.Vm v, Dictionary<string, string> hostNames, Dictionary<string, Api.VmGuestMetrics> guestMetrics)
    {
        guestMetrics.TryGetValue(v.GuestMetrics.OpaqueRef, out var guest);
        return ToVm(connection, v, hostNames, guest);
    }

    /// <summary>The output object for one VM record; hostNames maps host refs to names.</summary>
    internal static Vm ToVm(Connection connection, Api.Vm v, Dictionary<string, string> hostNames, Api.VmGuestMetrics? guest)
    {
        return new Vm
        {
            Name = v.NameLabel,
            PowerState = v.PowerState,
            Host = NameOf(hostNames, v.ResidentOn.OpaqueRef),
            MemoryGB = Math.Round(v.MemoryStaticMax / GiB, 2),
            CpuCount = v.VCPUsAtStartup,
            ToolsStatus = ToolsStatusOf(v, guest),
            ToolsVersion = ToolsVersionOf(guest),
            IPAddress = IPAddressOf(guest),
            Affinity = NameOf(hostNames, v.Affinity.OpaqueRef),
            HaRestartPriority = v.HaRestartPriority,
            IsTemplate = v.IsATemplate,
            IsControlDomain = v.IsControlDomain,
            Description = v.NameDescription,
            PoolName = connection.PoolName,
            Uuid = v.Uuid,
            OpaqueRef = v.OpaqueRef,
            Connection = connection,
            Record = v,
        };
    }

    private static string NameOf(Dictionary<string, string> names, string opaqueRef) =>
        names.TryGetValue(opaqueRef, out var name) ? name : "";

    /// <summary>XenCenter's virtualization status (reference §6.6).</summary>
    internal static ToolsStatus ToolsStatusOf(Api.Vm vm, Api.VmGuestMetrics? guest)
    {
        if (vm.PowerState != VmPowerState.Running)
        {
            return ToolsStatus.Unknown;
        }
        if (guest == null)
        {
            return ToolsStatus.NotInstalled;
        }
        vm.Platform.TryGetValue("viridian", out var viridian);
        var isWindows = string.Equals(viridian, "true", StringComparison.OrdinalIgnoreCase)
            && !guest.OsVersion.ContainsKey("distro");
        if (isWindows)
        {
            guest.Other.TryGetValue("feature-static-ip-setting", out var agent);
            var hasAgent = long.TryParse(agent, out var flag) && flag != 0;
            if (guest.PVDriversDetected && hasAgent)
            {
                return ToolsStatus.Optimized;
            }
            return guest.PVDriversDetected || hasAgent ? ToolsStatus.Partial : ToolsStatus.NotInstalled;
        }
        if (!guest.PVDriversVersion.ContainsKey("major") || !guest.PVDriversVersion.ContainsKey("minor"))
        {
            return ToolsStatus.NotInstalled;
        }
        return guest.PVDriversUpToDate ? ToolsStatus.Optimized : ToolsStatus.OutOfDate;
    }

    private static string ToolsVersionOf(Api.VmGuestMetrics? guest)
    {
        if (guest == null || !guest.PVDriversVersion.TryGetValue("major", out var major)
            || !guest.PVDriversVersion.TryGetValue("minor", out var minor))
        {
            return "";
        }
        var parts = new List<string> { major, minor };
        if (guest.PVDriversVersion.TryGetValue("micro", out var micro))
        {
            parts.Add(micro);
            if (guest.PVDriversVersion.TryGetValue("build", out var build))
            {
                parts.Add(build);
            }
        }
        return string.Join(".", parts);
    }

    private static string IPAddressOf(Api.VmGuestMetrics? guest)
    {
        if (guest == null)
        {
            return "";
        }
        if (guest.Networks.TryGetValue("0/ip", out var ip) || guest.Networks.TryGetValue("0/ipv4/0", out ip))
        {
            return ip;
        }
        return guest.Networks.Where(n => n.Key.EndsWith("/ip", StringComparison.Ordinal))
            .OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => n.Value).FirstOrDefault() ?? "";
    }
}
