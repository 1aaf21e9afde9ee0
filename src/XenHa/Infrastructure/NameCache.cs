using System;
using System.Collections.Generic;
using System.Linq;

namespace XenHa.Infrastructure;

/// <summary>The kinds of object whose names tab completion offers.</summary>
internal enum NameKind
{
    Vm,
    Host,
    Repository,
    Network,
    Template,
}

/// <summary>
/// The names a connection saw on its last read of each kind, for tab completion: the Get-* readers
/// fill it as they read, so completing after a Get-* costs no round trip. An entry older than
/// <see cref="Lifetime"/> is stale; the completer then reads once and uses the stale names only if
/// that read fails.
/// </summary>
internal sealed class NameCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly object _gate = new object();
    private readonly Dictionary<NameKind, (DateTime At, string[] Names)> _entries = new Dictionary<NameKind, (DateTime, string[])>();

    public void Remember(NameKind kind, IEnumerable<string> names)
    {
        var distinct = names.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToArray();
        lock (_gate)
        {
            _entries[kind] = (DateTime.UtcNow, distinct);
        }
    }

    /// <summary>The names of a kind, if any were seen; <paramref name="isFresh"/> tells whether they are younger than the lifetime.</summary>
    public bool TryGet(NameKind kind, out string[] names, out bool isFresh)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(kind, out var entry))
            {
                names = entry.Names;
                isFresh = DateTime.UtcNow - entry.At < Lifetime;
                return true;
            }
        }
        names = Array.Empty<string>();
        isFresh = false;
        return false;
    }
}
