using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Faults;

/// <summary>The physical state of one host as the control plane sets it (keyed by management address).</summary>
internal sealed class HostFault
{
    /// <summary>The power was pulled (or the host fenced itself) and it has not booted yet.</summary>
    public bool Off { get; set; }

    /// <summary>Powered on but still booting (endpoint not answering yet).</summary>
    public bool Booting { get; set; }

    /// <summary>With HA armed: booted, but waiting to rejoin the liveset (xapi not started, endpoint not answering).</summary>
    public bool WaitingLiveset { get; set; }

    /// <summary>Network partition group: 0 = with the clients and every unpartitioned host.</summary>
    public int Group { get; set; }

    /// <summary>SR refs whose storage this host lost.</summary>
    public HashSet<string> StorageLost { get; } = new(StringComparer.Ordinal);

    /// <summary>Simulated time since which the coordinator has not heard from this host (null = heard).</summary>
    public DateTime? SilentSince { get; set; }

    /// <summary>Bumped on every power change (stale boot timers check it).</summary>
    public long PowerEpoch { get; set; }

    /// <summary>Runs an operating system (heartbeats, answers once booted).</summary>
    public bool Running => !Off && !Booting;

    /// <summary>xapi answers on the management address.</summary>
    public bool Serving => Running && !WaitingLiveset;
}

/// <summary>A fault rule of the control plane (POST /faults).</summary>
internal sealed class FaultRule
{
    public string Id { get; init; } = "";
    public string Method { get; init; } = "*";
    public string? Target { get; init; }
    public double Probability { get; init; } = 1.0;
    public long Count { get; init; }
    public long DelayMs { get; init; }
    public List<string>? Error { get; init; }
    public bool Drop { get; init; }

    /// <summary>How many times it fired.</summary>
    public long Fired { get; set; }

    private Regex? _regex;

    public bool MatchesMethod(string method)
    {
        _regex ??= new Regex("^" + Regex.Escape(Method).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.CultureInvariant);
        var bare = method.StartsWith("Async.", StringComparison.Ordinal) ? method.Substring(6) : method;
        return _regex.IsMatch(method) || _regex.IsMatch(bare);
    }

    public Dictionary<string, object?> ToJson() => new()
    {
        ["id"] = Id,
        ["method"] = Method,
        ["target"] = Target,
        ["probability"] = Probability,
        ["count"] = Count,
        ["delayMs"] = DelayMs,
        ["error"] = Error,
        ["drop"] = Drop,
        ["fired"] = Fired,
    };
}

/// <summary>What a matching fault rule does to a call: wait, then fail or drop the connection (or neither).</summary>
internal sealed record FaultAction(long DelayMs, XenApiException? Error, bool Drop);

/// <summary>Per-farm fault state: host power, partitions, storage loss, call rules. Guarded by the farm lock.</summary>
internal sealed class FaultState
{
    private readonly Dictionary<string, HostFault> _hosts = new(StringComparer.Ordinal);
    private readonly List<FaultRule> _rules = new();
    private readonly Random _random = new();
    private int _nextRule;
    private int _nextGroup;

    public HostFault For(string address)
    {
        if (!_hosts.TryGetValue(address, out var f)) _hosts[address] = f = new HostFault();
        return f;
    }

    public IEnumerable<KeyValuePair<string, HostFault>> All => _hosts;

    /// <summary>Whether clients (on the unpartitioned side) get an answer from this address.</summary>
    public bool Reachable(string address) => !_hosts.TryGetValue(address, out var f) || f.Serving && f.Group == 0;

    /// <summary>Whether two hosts exchange heartbeats (both running, same side of every partition).</summary>
    public bool Talk(string a, string b)
    {
        var fa = For(a);
        var fb = For(b);
        return fa.Running && fb.Running && fa.Group == fb.Group;
    }

    public int NewGroup() => ++_nextGroup;

    public void Heal()
    {
        foreach (var f in _hosts.Values) f.Group = 0;
    }

    public IReadOnlyList<FaultRule> Rules => _rules;

    public FaultRule AddRule(FaultRule template)
    {
        var rule = new FaultRule
        {
            Id = "f" + ++_nextRule,
            Method = string.IsNullOrEmpty(template.Method) ? "*" : template.Method,
            Target = string.IsNullOrEmpty(template.Target) ? null : template.Target,
            Probability = template.Probability,
            Count = template.Count,
            DelayMs = template.DelayMs,
            Error = template.Error is { Count: > 0 } ? template.Error : null,
            Drop = template.Drop,
        };
        _rules.Add(rule);
        return rule;
    }

    public bool RemoveRule(string id) => _rules.RemoveAll(r => r.Id == id) > 0;

    /// <summary>The first rule matching the call (method glob, optional target among the arguments), counting it.</summary>
    public FaultAction? Match(string method, IReadOnlyList<object?> args, Func<string, string, bool> targetMatches)
    {
        foreach (var r in _rules)
        {
            if (r.Count > 0 && r.Fired >= r.Count) continue;
            if (!r.MatchesMethod(method)) continue;
            if (r.Target is not null && !args.Any(a => a is string s && (s == r.Target || targetMatches(s, r.Target)))) continue;
            if (r.Probability < 1.0 && _random.NextDouble() >= r.Probability) continue;
            r.Fired++;
            var error = r.Error is { Count: > 0 } e ? new XenApiException(e[0], e.Skip(1).ToArray()) : null;
            return new FaultAction(Math.Max(0, r.DelayMs), error, r.Drop);
        }

        return null;
    }
}
