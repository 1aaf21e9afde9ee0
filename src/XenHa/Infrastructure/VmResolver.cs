using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Reads and resolves what the VM cmdlets work on: single VMs after a change, templates, and objects
/// named by the user (name or UUID).
/// </summary>
internal static class VmResolver
{
    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>One VM as an output object, read fresh (for -PassThru after a change).</summary>
    public static async Task<Vm> ReadVmAsync(Connection connection, string vmRef, CancellationToken ct)
    {
        var session = connection.Session;
        var record = await session.GetRecordAsync(new XenRef<Api.Vm>(vmRef), ct).ConfigureAwait(false);
        var hostNames = (await session.GetAllRecordsAsync<Api.Host>(ct).ConfigureAwait(false))
            .ToDictionary(h => h.OpaqueRef, h => h.NameLabel);
        Api.VmGuestMetrics? guest = null;
        if (!record.GuestMetrics.IsNull)
        {
            try
            {
                guest = await session.GetRecordAsync(record.GuestMetrics, ct).ConfigureAwait(false);
            }
            catch (XenApiException e) when (e.Code == "HANDLE_INVALID")
            {
                // The guest agent's record went away between the two reads: no tools information.
            }
        }
        return PoolReader.ToVm(connection, record, hostNames, guest);
    }

    /// <summary>The templates of a pool (snapshots left out), one call.</summary>
    public static async Task<IReadOnlyList<Template>> ReadTemplatesAsync(Connection connection, CancellationToken ct)
    {
        var records = await connection.Session.GetAllRecordsWhereAsync<Api.Vm>(
            "field \"is_a_template\"=\"true\" and field \"is_a_snapshot\"=\"false\"", ct).ConfigureAwait(false);
        connection.Names.Remember(NameKind.Template, records.Select(r => r.NameLabel));
        return records.Select(r => ToTemplate(connection, r)).OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    public static Template ToTemplate(Connection connection, Api.Vm record)
    {
        var recipe = ProvisionRecipe.Of(record.OtherConfig);
        return new Template
        {
            Name = record.NameLabel,
            OsFamily = OsFamilyOf(record),
            MemoryGB = Math.Round(record.MemoryStaticMax / GiB, 2),
            MinMemoryGB = Math.Round(record.MemoryStaticMin / GiB, 2),
            MaxMemoryGB = Math.Round(Recommendation(record, "memory-static-max") / GiB, 2),
            CpuCount = record.VCPUsAtStartup,
            MaxCpuCount = Recommendation(record, "vcpus-max"),
            DiskGB = Math.Round(recipe.TotalBytes / GiB, 2),
            Disks = recipe.Disks,
            IsDefault = record.IsDefaultTemplate
                || (record.OtherConfig.TryGetValue("default_template", out var flag) && string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase)),
            Description = record.NameDescription,
            PoolName = connection.PoolName,
            Uuid = record.Uuid,
            OpaqueRef = record.OpaqueRef,
            Connection = connection,
            Record = record,
        };
    }

    /// <summary>Windows when the template turns on Viridian (XenCenter's test), Linux when marked as a Linux template.</summary>
    public static OsFamily OsFamilyOf(Api.Vm record)
    {
        if (record.Platform.TryGetValue("viridian", out var viridian) && string.Equals(viridian, "true", StringComparison.OrdinalIgnoreCase))
        {
            return OsFamily.Windows;
        }
        if (record.OtherConfig.TryGetValue("linux_template", out var linux) && string.Equals(linux, "true", StringComparison.OrdinalIgnoreCase))
        {
            return OsFamily.Linux;
        }
        return record.NameLabel.IndexOf("Windows", StringComparison.OrdinalIgnoreCase) >= 0 ? OsFamily.Windows : OsFamily.Other;
    }

    /// <summary>
    /// A limit from the record's recommendations XML
    /// (&lt;restriction field="memory-static-max" max="..."/&gt;); 0 when absent.
    /// </summary>
    public static long Recommendation(Api.Vm record, string field)
    {
        if (string.IsNullOrWhiteSpace(record.Recommendations))
        {
            return 0;
        }
        try
        {
            var document = new XmlDocument { XmlResolver = null };
            using (var reader = XmlReader.Create(new StringReader(record.Recommendations),
                       new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
            {
                document.Load(reader);
            }
            foreach (XmlElement restriction in document.GetElementsByTagName("restriction"))
            {
                if (restriction.GetAttribute("field") == field
                    && long.TryParse(restriction.GetAttribute("max"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var max))
                {
                    return max;
                }
            }
        }
        catch (XmlException)
        {
            // Unreadable recommendations impose no limit.
        }
        return 0;
    }

    /// <summary>
    /// The objects a user-given value names: the one with that UUID, else those with exactly that
    /// name (case-sensitive first, then ignoring case).
    /// </summary>
    public static IReadOnlyList<T> Match<T>(IEnumerable<T> items, string value, Func<T, string> name, Func<T, string> uuid)
    {
        var list = items.ToList();
        var byUuid = list.Where(i => string.Equals(uuid(i), value, StringComparison.OrdinalIgnoreCase)).ToList();
        if (byUuid.Count > 0)
        {
            return byUuid;
        }
        var exact = list.Where(i => string.Equals(name(i), value, StringComparison.Ordinal)).ToList();
        return exact.Count > 0 ? exact : list.Where(i => string.Equals(name(i), value, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>The network of the coordinator's management interface (XenCenter's default for new VMs).</summary>
    public static XenRef<Network> ManagementNetwork(IEnumerable<Pif> pifs, XenRef<Api.Host> coordinator)
    {
        var management = pifs.Where(p => p.Management).ToList();
        var pif = management.FirstOrDefault(p => p.Host == coordinator) ?? management.FirstOrDefault();
        return pif?.Network ?? XenRef<Network>.Null;
    }

    /// <summary>Which parameter of a XenAPI error is a reference to which class (to name it in messages).</summary>
    private static readonly Dictionary<string, (int Index, string Class)[]> RefParameters = new Dictionary<string, (int, string)[]>(StringComparer.Ordinal)
    {
        ["VM_REQUIRES_SR"] = new[] { (1, "SR") },
        ["VM_REQUIRES_NETWORK"] = new[] { (1, "network") },
        ["VM_REQUIRES_VDI"] = new[] { (1, "VDI") },
        ["HOST_DISABLED"] = new[] { (0, "host") },
        ["HOST_OFFLINE"] = new[] { (0, "host") },
        ["HOST_CANNOT_ATTACH_NETWORK"] = new[] { (0, "host"), (1, "network") },
        ["VM_INCOMPATIBLE_WITH_THIS_HOST"] = new[] { (1, "host") },
        ["VM_NO_SUSPEND_SR"] = Array.Empty<(int, string)>(),
    };

    /// <summary>
    /// The message of a XenAPI error with object references replaced by names ('xennode03', 'Local
    /// storage'), best effort: a reference that cannot be read stays as it is.
    /// </summary>
    public static string NamedMessage(Connection connection, Exception exception, string vmRef, string vmName)
    {
        var message = exception.Message.Replace(vmRef, "'" + vmName + "'");
        if (!(exception is XenApiException api) || !RefParameters.TryGetValue(api.Code, out var parameters))
        {
            return message;
        }
        foreach (var (index, cls) in parameters)
        {
            if (index >= api.Parameters.Count || !api.Parameters[index].StartsWith("OpaqueRef:", StringComparison.Ordinal))
            {
                continue;
            }
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var name = connection.Session.CallAsync<string>(cls + ".get_name_label", limit.Token, api.Parameters[index]).GetAwaiter().GetResult();
                message = message.Replace(api.Parameters[index], "'" + name + "'");
            }
            catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException || e is OperationCanceledException)
            {
                // Keep the reference.
            }
        }
        return message;
    }

    /// <summary>Bytes from a GiB value given by the user, rounded to whole MiB.</summary>
    public static long BytesOf(double gib) => (long)Math.Round(gib * 1024) * 1024 * 1024;
}
