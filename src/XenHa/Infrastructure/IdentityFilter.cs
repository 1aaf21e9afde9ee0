using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace XenHa.Infrastructure;

/// <summary>
/// The identity convention of Get-* cmdlets: -Name filters with wildcards, -Uuid selects exactly.
/// Wildcards that match nothing are silent; a literal name or a UUID that matches nothing is
/// reported as a non-terminating ObjectNotFound error.
/// </summary>
internal sealed class IdentityFilter
{
    private readonly List<(string Name, WildcardPattern Pattern, bool IsLiteral)> _names =
        new List<(string, WildcardPattern, bool)>();
    private readonly HashSet<string> _uuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _matched = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public void AddNames(IEnumerable<string>? names)
    {
        foreach (var name in names ?? Enumerable.Empty<string>())
        {
            _names.Add((name, new WildcardPattern(name, WildcardOptions.IgnoreCase),
                !WildcardPattern.ContainsWildcardCharacters(name)));
        }
    }

    public void AddUuids(IEnumerable<string>? uuids)
    {
        foreach (var uuid in uuids ?? Enumerable.Empty<string>())
        {
            _uuids.Add(uuid);
        }
    }

    /// <summary>True if the object passes (an empty filter passes everything); remembers what matched.</summary>
    public bool Matches(string name, string uuid)
    {
        if (_uuids.Count > 0)
        {
            if (!_uuids.Contains(uuid))
            {
                return false;
            }
            _matched.Add(uuid);
            return true;
        }
        if (_names.Count == 0)
        {
            return true;
        }
        var any = false;
        foreach (var (literal, pattern, isLiteral) in _names)
        {
            if (pattern.IsMatch(name))
            {
                any = true;
                if (isLiteral)
                {
                    _matched.Add(literal);
                }
            }
        }
        return any;
    }

    /// <summary>One ObjectNotFound error per literal name or UUID that matched nothing.</summary>
    public IEnumerable<ErrorRecord> NotFoundErrors(string what, string errorId)
    {
        foreach (var name in _names.Where(n => n.IsLiteral && !_matched.Contains(n.Name)).Select(n => n.Name)
                     .Distinct(StringComparer.OrdinalIgnoreCase))
        {
            yield return ErrorRecords.NotFound(what, name, errorId);
        }
        foreach (var uuid in _uuids.Where(u => !_matched.Contains(u)))
        {
            yield return ErrorRecords.NotFoundByUuid(what, uuid, errorId);
        }
    }
}
