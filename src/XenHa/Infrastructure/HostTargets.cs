using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>The hosts a state-changing host cmdlet works on: -Name on one connection, or Host objects from the pipeline.</summary>
internal static class HostTargets
{
    /// <summary>Current host records for the given names or objects; unknown literal names are non-terminating errors.</summary>
    public static IReadOnlyList<(Connection Connection, Api.Host Host)> Resolve(XenCmdlet cmdlet, string[]? names, Host[] objects, Connection? connectionForNames)
    {
        var result = new List<(Connection, Api.Host)>();
        if (names != null)
        {
            var connection = connectionForNames!;
            var hosts = Read(cmdlet, connection);
            if (hosts == null)
            {
                return result;
            }
            var notFound = new List<ErrorRecord>();
            result.AddRange(HostResolver.ByName(hosts, names, notFound).Select(h => (connection, h)));
            foreach (var error in notFound)
            {
                cmdlet.WriteError(error);
            }
            return result;
        }
        foreach (var group in objects.GroupBy(h => h.Connection))
        {
            var hosts = Read(cmdlet, group.Key);
            if (hosts == null)
            {
                continue;
            }
            foreach (var host in group)
            {
                var record = hosts.FirstOrDefault(h => h.OpaqueRef == host.OpaqueRef);
                if (record == null)
                {
                    cmdlet.WriteError(ErrorRecords.NotFoundByUuid("host", host.Uuid, "XenHaHostNotFound"));
                    continue;
                }
                result.Add((group.Key, record));
            }
        }
        return result;
    }

    private static IReadOnlyList<Api.Host>? Read(XenCmdlet cmdlet, Connection connection)
    {
        try
        {
            return HostResolver.Read(cmdlet, connection);
        }
        catch (XenApiException e)
        {
            cmdlet.WriteError(ErrorRecords.From(e, connection));
            return null;
        }
    }
}
