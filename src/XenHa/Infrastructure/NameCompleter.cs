using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Tab completion of object names from the connection's name cache (-Connection if given, else the
/// default connection). Only a missing or stale cache costs one bounded read; completion never
/// throws: without a connection, or when the read fails, it offers nothing (or the stale names).
/// </summary>
public abstract class NameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(5);
    private readonly NameKind _kind;

    private protected NameCompleter(NameKind kind) => _kind = kind;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var (typed, quote) = Unquote(wordToComplete ?? "");
            var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
            return ConnectionsOf(fakeBoundParameters)
                .SelectMany(NamesOf)
                .Distinct(StringComparer.Ordinal)
                .Where(pattern.IsMatch)
                .OrderBy(n => n, StringComparer.OrdinalIgnoreCase)
                .Select(n => new CompletionResult(Quote(n, quote), n, CompletionResultType.ParameterValue, n))
                .ToList();
        }
        catch (Exception)
        {
            // A completer that throws shows the user nothing useful; offer nothing instead.
            return Array.Empty<CompletionResult>();
        }
    }

    private string[] NamesOf(Connection connection)
    {
        if (connection.Names.TryGet(_kind, out var names, out var isFresh) && isFresh)
        {
            return names;
        }
        try
        {
            using var limit = new CancellationTokenSource(ReadLimit);
            var read = Task.Run(() => ReadAsync(connection, limit.Token), limit.Token);
            if (read.Wait(ReadLimit) && connection.Names.TryGet(_kind, out var fresh, out _))
            {
                return fresh;
            }
        }
        catch (Exception e) when (e is AggregateException || e is OperationCanceledException)
        {
            // Fall back to what was seen before, however old.
        }
        return names;
    }

    /// <summary>One read of the kind; the readers put the names into the cache.</summary>
    private Task ReadAsync(Connection connection, CancellationToken ct)
    {
        switch (_kind)
        {
            case NameKind.Vm:
                return RememberAsync(connection, NameKind.Vm, ct, async () =>
                    (await connection.Session.GetAllRecordsWhereAsync<Api.Vm>(
                        "field \"is_a_template\"=\"false\" and field \"is_control_domain\"=\"false\"", ct).ConfigureAwait(false))
                    .Select(v => v.NameLabel));
            case NameKind.Host:
                return RememberAsync(connection, NameKind.Host, ct, async () =>
                    (await connection.Session.GetAllRecordsAsync<Api.Host>(ct).ConfigureAwait(false)).Select(h => h.NameLabel));
            case NameKind.Repository:
                return RememberAsync(connection, NameKind.Repository, ct, async () =>
                    (await connection.Session.GetAllRecordsAsync<Api.Sr>(ct).ConfigureAwait(false)).Select(s => s.NameLabel));
            case NameKind.Network:
                return RememberAsync(connection, NameKind.Network, ct, async () =>
                    (await connection.Session.GetAllRecordsAsync<Api.Network>(ct).ConfigureAwait(false)).Select(n => n.NameLabel));
            default:
                return VmResolver.ReadTemplatesAsync(connection, ct);
        }
    }

    private static async Task RememberAsync(Connection connection, NameKind kind, CancellationToken ct, Func<Task<IEnumerable<string>>> read)
    {
        ct.ThrowIfCancellationRequested();
        connection.Names.Remember(kind, await read().ConfigureAwait(false));
    }

    /// <summary>The connections named by -Connection, else the default one.</summary>
    private static IEnumerable<Connection> ConnectionsOf(IDictionary fakeBoundParameters)
    {
        var given = fakeBoundParameters?.Contains("Connection") == true ? fakeBoundParameters["Connection"] : null;
        var connections = Flatten(given).OfType<Connection>().ToList();
        if (connections.Count == 0 && ConnectionStore.Default is Connection fallback)
        {
            connections.Add(fallback);
        }
        return connections;
    }

    private static IEnumerable<object?> Flatten(object? value)
    {
        var inner = value is PSObject wrapped ? wrapped.BaseObject : value;
        if (inner is IEnumerable items && !(inner is string))
        {
            foreach (var item in items)
            {
                yield return item is PSObject p ? p.BaseObject : item;
            }
        }
        else
        {
            yield return inner;
        }
    }

    /// <summary>The text typed so far without its opening (and any closing) quote, and that quote.</summary>
    internal static (string Text, char Quote) Unquote(string word)
    {
        if (word.Length > 0 && (word[0] == '\'' || word[0] == '"'))
        {
            var quote = word[0];
            var text = word.Substring(1);
            if (text.Length > 0 && text[text.Length - 1] == quote)
            {
                text = text.Substring(0, text.Length - 1);
            }
            return (quote == '\'' ? text.Replace("''", "'") : text, quote);
        }
        return (word, '\0');
    }

    /// <summary>The name as it must be typed: quoted when it has spaces or characters PowerShell would parse.</summary>
    internal static string Quote(string name, char quote)
    {
        if (quote == '"')
        {
            return "\"" + name.Replace("`", "``").Replace("\"", "`\"").Replace("$", "`$") + "\"";
        }
        var needsQuotes = quote == '\'' || name.Any(c => char.IsWhiteSpace(c) || "'\"`$;,(){}[]@#&|<>".IndexOf(c) >= 0);
        return needsQuotes ? "'" + name.Replace("'", "''") + "'" : name;
    }
}

/// <summary>Completes VM names (templates and control domains left out).</summary>
public sealed class VmNameCompleter : NameCompleter
{
    public VmNameCompleter() : base(NameKind.Vm) { }
}

/// <summary>Completes host names.</summary>
public sealed class HostNameCompleter : NameCompleter
{
    public HostNameCompleter() : base(NameKind.Host) { }
}

/// <summary>Completes storage repository names.</summary>
public sealed class RepositoryNameCompleter : NameCompleter
{
    public RepositoryNameCompleter() : base(NameKind.Repository) { }
}

/// <summary>Completes network names.</summary>
public sealed class NetworkNameCompleter : NameCompleter
{
    public NetworkNameCompleter() : base(NameKind.Network) { }
}

/// <summary>Completes template names.</summary>
public sealed class TemplateNameCompleter : NameCompleter
{
    public TemplateNameCompleter() : base(NameKind.Template) { }
}
