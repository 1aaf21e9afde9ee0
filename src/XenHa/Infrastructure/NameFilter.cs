using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace XenHa.Infrastructure;

/// <summary>
/// The wildcard convention of Get-* cmdlets: wildcards filter silently, a literal name that matches
/// nothing is reported as a non-terminating ObjectNotFound error.
/// </summary>
internal sealed class NameFilter
{
    private readonly List<(string Name, WildcardPattern Pattern, bool IsLiteral)> _patterns =
        new List<(string, WildcardPattern, bool)>();
    private readonly HashSet<string> _matchedLiterals = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public void Add(IEnumerable<string>? names)
    {
        if (names == null)
        {
            return;
        }
        foreach (var name in names)
        {
            _patterns.Add((name, new WildcardPattern(name, WildcardOptions.IgnoreCase),
                !WildcardPattern.ContainsWildcardCharacters(name)));
        }
    }

    public bool IsEmpty => _patterns.Count == 0;

    /// <summary>True if the name passes the filter (an empty filter passes everything).</summary>
    public bool Matches(string name)
    {
        if (_patterns.Count == 0)
        {
            return true;
        }
        var any = false;
        foreach (var (literal, pattern, isLiteral) in _patterns)
        {
            if (pattern.IsMatch(name))
            {
                any = true;
                if (isLiteral)
                {
                    _matchedLiterals.Add(literal);
                }
            }
        }
        return any;
    }

    /// <summary>Literal names that matched nothing.</summary>
    public IEnumerable<string> UnmatchedLiterals() =>
        _patterns.Where(p => p.IsLiteral && !_matchedLiterals.Contains(p.Name)).Select(p => p.Name)
            .Distinct(StringComparer.OrdinalIgnoreCase);
}
