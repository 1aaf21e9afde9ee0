using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Names for the references inside XenAPI error parameters (VMs, hosts, SRs, networks), so a message
/// reads "The VM web01 needs the storage repository Local storage" instead of two OpaqueRefs.
/// Reads each class once.
/// </summary>
internal sealed class RefNames
{
    private static readonly Regex Ref = new Regex("OpaqueRef:[0-9A-Za-z-]+", RegexOptions.CultureInvariant);
    private readonly Dictionary<string, string> _names = new Dictionary<string, string>(StringComparer.Ordinal);

    public static RefNames Read(XenCmdlet cmdlet, Connection connection, CancellationToken ct)
    {
        var names = new RefNames();
        var session = connection.Session;
        names.AddAll(cmdlet.AwaitCall(session.GetAllRecordsWhereAsync<Api.Vm>("field \"is_a_template\"=\"false\"", ct)), v => v.NameLabel);
        names.AddAll(cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Host>(ct)), h => h.NameLabel);
        names.AddAll(cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Sr>(ct)), s => s.NameLabel);
        names.AddAll(cmdlet.AwaitCall(session.GetAllRecordsAsync<Api.Network>(ct)), n => n.NameLabel);
        return names;
    }

    public void AddAll<T>(IEnumerable<T> records, Func<T, string> name) where T : XenObject
    {
        foreach (var record in records)
        {
            _names[record.OpaqueRef] = name(record);
        }
    }

    public string Name(string opaqueRef) => _names.TryGetValue(opaqueRef, out var name) && name.Length > 0 ? name : opaqueRef;

    /// <summary>Replaces every known reference in a text by its name.</summary>
    public string Rename(string text) => Ref.Replace(text, m => Name(m.Value));

    /// <summary>An error record whose displayed message names objects instead of references.</summary>
    public ErrorRecord Record(Exception exception, object? target)
    {
        var record = ErrorRecords.From(exception, target);
        var renamed = Rename(exception.Message);
        if (!string.Equals(renamed, exception.Message, StringComparison.Ordinal))
        {
            record.ErrorDetails = new ErrorDetails(renamed);
        }
        return record;
    }

    public IReadOnlyList<string> Rename(IEnumerable<string> parameters) => parameters.Select(p => _names.ContainsKey(p) ? Name(p) : p).ToList();
}
