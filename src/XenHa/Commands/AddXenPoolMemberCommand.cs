using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Joins more standalone hosts to a connected pool, with the same checks as New-XenPool (all hosts
/// checked before any joins). Hosts already in the pool are skipped.
/// </summary>
[Cmdlet(VerbsCommon.Add, "XenPoolMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ConnectionSet)]
[OutputType(typeof(Host))]
public sealed class AddXenPoolMemberCommand : XenCmdlet
{
    private const string ConnectionSet = "Connection";
    private const string PoolSet = "Pool";

    /// <summary>The hosts to join: names, addresses or URLs.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Address")]
    [ValidateNotNullOrEmpty]
    public string[] Server { get; set; } = Array.Empty<string>();

    /// <summary>The root credential of the hosts and of the pool coordinator.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Credential]
    [ValidateNotNull]
    public PSCredential Credential { get; set; } = null!;

    /// <summary>The pool to join (from Get-XenPool).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PoolSet)]
    [ValidateNotNull]
    public Pool Pool { get; set; } = null!;

    /// <summary>The pool's connection; the default connection when omitted.</summary>
    [Parameter(ParameterSetName = ConnectionSet)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    /// <summary>The port when the servers are plain host names.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>Accept any server certificate.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Seconds each join may take, until the new member is enabled and live.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSeconds { get; set; } = 600;

    /// <summary>Return the member hosts (joined now or already members).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<string> _servers = new List<string>();

    protected override void ProcessRecord() =>
        _servers.AddRange(Server.Where(s => !string.IsNullOrWhiteSpace(s)));

    protected override void EndProcessing()
    {
        var connection = ParameterSetName == PoolSet ? Pool.Connection : ResolveConnection(Connection);
        using var joiner = new PoolJoiner(this, Credential, Port, SkipCertificateCheck, TimeoutSeconds);
        var target = joiner.Read(connection.Session, connection.Session.Uri.ToString());
        if (target.Pool.HaEnabled)
        {
            joiner.Problems.Add(PoolJoiner.Problem("HA_IS_ENABLED", ErrorCategory.InvalidOperation,
                $"High availability is enabled on pool '{target.Pool.NameLabel}'; hosts cannot join while it is on (Disable-XenHa first).", connection));
        }
        var pending = new List<PoolState>();
        var members = new List<string>();
        var seen = new HashSet<string>(target.Hosts.Select(h => h.Uuid), StringComparer.OrdinalIgnoreCase);
        foreach (var server in _servers.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var session = joiner.Login(server);
            if (session == null)
            {
                continue;
            }
            var member = joiner.Read(session, server);
            var name = member.Self?.NameLabel ?? server;
            if (member.Pool.Uuid == target.Pool.Uuid)
            {
                WriteVerbose($"{name} is already a member of pool '{target.Pool.NameLabel}'; skipped.");
                members.Add(member.Self?.Uuid ?? "");
                continue;
            }
            if (member.Redirected || !member.IsStandalone)
            {
                var poolName = member.Pool.NameLabel.Length > 0 ? member.Pool.NameLabel : member.Pool.Uuid;
                joiner.Problems.Add(member.Redirected
                    ? PoolJoiner.Problem("XenHaHostInAnotherPool", ErrorCategory.ResourceExists,
                        $"{server} is already a member of another pool, '{poolName}' (coordinator {member.Coordinator?.NameLabel}); eject it from that pool first (Remove-XenPoolMember).", server)
                    : PoolJoiner.Problem("JOINING_HOST_CANNOT_BE_MASTER_OF_OTHER_HOSTS", ErrorCategory.InvalidOperation,
                        $"{name} is the coordinator of another pool, '{poolName}', with {member.Hosts.Count} hosts; it cannot join a pool.", server));
                continue;
            }
            if (member.Self != null && !seen.Add(member.Self.Uuid))
            {
                continue;
            }
            joiner.CheckJoiner(member, target);
            pending.Add(member);
        }
        if (joiner.Problems.Count > 0)
        {
            joiner.StopWithProblems($"adding hosts to pool '{target.Pool.NameLabel}'", connection);
            return;
        }

        var address = PoolJoiner.AddressOf(target);
        var coordinatorName = target.Coordinator?.NameLabel ?? address;
        members.AddRange(joiner.JoinAll(pending, connection, address, target.Pool.NameLabel, coordinatorName)
            .Select(m => m.Self?.Uuid ?? ""));
        if (PassThru && members.Count > 0)
        {
            var wanted = new HashSet<string>(members, StringComparer.OrdinalIgnoreCase);
            foreach (var host in Await(PoolReader.ReadHostsAsync(connection, Cancellation)).Where(h => wanted.Contains(h.Uuid)))
            {
                WriteObject(host);
            }
        }
    }
}
