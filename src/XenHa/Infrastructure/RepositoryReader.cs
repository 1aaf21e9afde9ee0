using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Reads storage repositories and networks: one get_all_records per class (SR, PBD, host, pool,
/// network, PIF), never one call per object.
/// </summary>
internal static class RepositoryReader
{
    private const double GiB = 1024.0 * 1024 * 1024;

    public static async Task<IReadOnlyList<Repository>> ReadRepositoriesAsync(Connection connection, CancellationToken ct)
    {
        var session = connection.Session;
        var srs = await session.GetAllRecordsAsync<Api.Sr>(ct).ConfigureAwait(false);
        connection.Names.Remember(NameKind.Repository, srs.Select(s => s.NameLabel));
        var pbds = await session.GetAllRecordsAsync<Api.Pbd>(ct).ConfigureAwait(false);
        var hosts = await session.GetAllRecordsAsync<Api.Host>(ct).ConfigureAwait(false);
        var pools = await session.GetAllRecordsAsync<Api.Pool>(ct).ConfigureAwait(false);
        var pool = pools.FirstOrDefault();
        var hostNames = hosts.ToDictionary(h => h.OpaqueRef, h => h.NameLabel, StringComparer.Ordinal);
        var coordinator = pool?.Master.OpaqueRef ?? "";
        var bySr = pbds.GroupBy(p => p.SR.OpaqueRef, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        if (pool != null)
        {
            connection.PoolName = pool.NameLabel;
        }
        return srs.Select(sr =>
        {
            bySr.TryGetValue(sr.OpaqueRef, out var mine);
            mine ??= new List<Api.Pbd>();
            var plugged = mine.Where(p => p.CurrentlyAttached).ToList();
            var expected = sr.Shared ? hosts.Count : Math.Max(1, mine.Count);
            var configPbd = mine.FirstOrDefault(p => p.Host.OpaqueRef == coordinator) ?? mine.FirstOrDefault();
            return new Repository
            {
                Name = sr.NameLabel,
                Description = sr.NameDescription,
                Type = sr.Type,
                Shared = sr.Shared,
                ContentType = sr.ContentType,
                SizeGB = Math.Round(sr.PhysicalSize / GiB, 2),
                UsedGB = Math.Round(sr.PhysicalUtilisation / GiB, 2),
                FreeGB = Math.Round(Math.Max(0, sr.PhysicalSize - sr.PhysicalUtilisation) / GiB, 2),
                AttachedCount = plugged.Count,
                ExpectedCount = expected,
                HostsAttached = plugged.Count + "/" + expected,
                Hosts = plugged.Select(p => hostNames.TryGetValue(p.Host.OpaqueRef, out var n) ? n : p.Host.OpaqueRef)
                    .OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToArray(),
                HostRefs = plugged.Select(p => p.Host.OpaqueRef).ToArray(),
                IsDefault = pool != null && pool.DefaultSR.OpaqueRef == sr.OpaqueRef,
                DiskCount = sr.VDIs.Count,
                DeviceConfig = WithoutSecrets(configPbd?.DeviceConfig),
                PoolName = connection.PoolName,
                Uuid = sr.Uuid,
                OpaqueRef = sr.OpaqueRef,
                Connection = connection,
                Record = sr,
            };
        }).ToList();
    }

    /// <summary>One repository by reference (reads the whole list: the same cost as one get_all_records set).</summary>
    public static async Task<Repository?> ReadRepositoryAsync(Connection connection, string srRef, CancellationToken ct)
    {
        var all = await ReadRepositoriesAsync(connection, ct).ConfigureAwait(false);
        return all.FirstOrDefault(r => r.OpaqueRef == srRef);
    }

    /// <summary>
    /// Which VM has a disk (or an inserted ISO) on which repository, as (VM ref, SR ref) pairs: one
    /// VDI and one VBD get_all_records, whatever the number of VMs.
    /// </summary>
    public static async Task<IReadOnlyList<(string VmRef, string SrRef)>> ReadDiskPlacementsAsync(Connection connection, CancellationToken ct)
    {
        var session = connection.Session;
        var srOfVdi = (await session.GetAllRecordsAsync<Api.Vdi>(ct).ConfigureAwait(false))
            .ToDictionary(v => v.OpaqueRef, v => v.SR.OpaqueRef, StringComparer.Ordinal);
        var vbds = await session.GetAllRecordsAsync<Api.Vbd>(ct).ConfigureAwait(false);
        return vbds.Where(b => srOfVdi.ContainsKey(b.VDI.OpaqueRef))
            .Select(b => (b.VM.OpaqueRef, srOfVdi[b.VDI.OpaqueRef])).ToList();
    }

    public static async Task<IReadOnlyList<NetworkInfo>> ReadNetworksAsync(Connection connection, CancellationToken ct)
    {
        var session = connection.Session;
        var networks = await session.GetAllRecordsAsync<Api.Network>(ct).ConfigureAwait(false);
        connection.Names.Remember(NameKind.Network, networks.Select(n => n.NameLabel));
        var pifs = await session.GetAllRecordsAsync<Api.Pif>(ct).ConfigureAwait(false);
        var hostNames = (await session.GetAllRecordsAsync<Api.Host>(ct).ConfigureAwait(false))
            .ToDictionary(h => h.OpaqueRef, h => h.NameLabel, StringComparer.Ordinal);
        var byNetwork = pifs.GroupBy(p => p.Network.OpaqueRef, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        return networks.Select(n =>
        {
            byNetwork.TryGetValue(n.OpaqueRef, out var mine);
            mine ??= new List<Api.Pif>();
            var hostList = mine.Select(p => hostNames.TryGetValue(p.Host.OpaqueRef, out var h) ? h : p.Host.OpaqueRef)
                .Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(h => h, StringComparer.OrdinalIgnoreCase).ToArray();
            return new NetworkInfo
            {
                Name = n.NameLabel,
                Description = n.NameDescription,
                Bridge = n.Bridge,
                MTU = n.MTU,
                HostCount = hostList.Length,
                Hosts = hostList,
                HostRefs = mine.Select(p => p.Host.OpaqueRef).Distinct(StringComparer.Ordinal).ToArray(),
                Devices = mine.Select(p => p.Device).Where(d => d.Length > 0)
                    .Distinct(StringComparer.Ordinal).OrderBy(d => d, StringComparer.Ordinal).ToArray(),
                IsManagement = mine.Any(p => p.Management),
                Managed = n.Managed,
                VifCount = n.VIFs.Count,
                PoolName = connection.PoolName,
                Uuid = n.Uuid,
                OpaqueRef = n.OpaqueRef,
                Connection = connection,
                Record = n,
            };
        }).ToList();
    }

    /// <summary>Device config without anything password-like (xapi keeps those as *_secret, but be sure).</summary>
    private static IReadOnlyDictionary<string, string> WithoutSecrets(Dictionary<string, string>? config)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in config ?? new Dictionary<string, string>())
        {
            result[pair.Key] = pair.Key.EndsWith("password", StringComparison.OrdinalIgnoreCase) ? "********" : pair.Value;
        }
        return result;
    }
}
