using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Turns the host identities a state-changing host cmdlet was given (names, UUIDs, or Host objects)
/// into host records, reading each connection's hosts once. A name must match exactly one host.
/// </summary>
internal static class HostResolver
{
    /// <summary>Finds a host by exact name or UUID in one pool's host list; null when there is none.</summary>
    public static Api.Host? Find(IReadOnlyList<Api.Host> hosts, string nameOrUuid) =>
        hosts.FirstOrDefault(h => string.Equals(h.Uuid, nameOrUuid, StringComparison.OrdinalIgnoreCase))
        ?? hosts.FirstOrDefault(h => string.Equals(h.NameLabel, nameOrUuid, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads the hosts of a connection (one host.get_all_records).</summary>
    public static IReadOnlyList<Api.Host> Read(XenCmdlet cmdlet, Connection connection) =>
        cmdlet.AwaitCall(connection.Session.GetAllRecordsAsync<Api.Host>(cmdlet.StopToken));

    /// <summary>
    /// Resolves -Name values (exact names or UUIDs; wildcards allowed) on one connection: the matching hosts,
    /// plus one ObjectNotFound error per literal name that matched nothing.
    /// </summary>
    public static IReadOnlyList<Api.Host> ByName(IReadOnlyList<Api.Host> hosts, IEnumerable<string> names, List<ErrorRecord> notFound)
    {
        var result = new List<Api.Host>();
        foreach (var name in names)
        {
            var matches = WildcardPattern.ContainsWildcardCharacters(name)
                ? hosts.Where(h => new WildcardPattern(name, WildcardOptions.IgnoreCase).IsMatch(h.NameLabel)).ToList()
                : Find(hosts, name) is { } one ? new List<Api.Host> { one } : new List<Api.Host>();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                notFound.Add(ErrorRecords.NotFound("host", name, "XenHaHostNotFound"));
            }
            foreach (var host in matches.Where(m => result.All(r => r.OpaqueRef != m.OpaqueRef)))
            {
                result.Add(host);
            }
        }
        return result;
    }

    /// <summary>host.get_record with a short wait; used after changes to show the host's new state.</summary>
    public static Host Refresh(XenCmdlet cmdlet, Connection connection, string hostRef, CancellationToken ct) =>
        cmdlet.AwaitCall(PoolReader.ReadHostsAsync(connection, ct)).First(h => h.OpaqueRef == hostRef);
}
