using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Turns standalone hosts into one pool, as XenCenter's "New Pool" does: checks every host first
/// (reachable, credentials valid, not in another pool, no running VMs, no shared storage, HA off,
/// same API version) and changes nothing if any check fails; then names the pool on the
/// coordinator and joins the members one by one (pool.join called on each joining host), waiting
/// until each is enabled and live. Re-running it on a pool that already matches changes nothing.
/// </summary>
[Cmdlet(VerbsCommon.New, "XenPool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Pool))]
public sealed class NewXenPoolCommand : XenCmdlet
{
    /// <summary>The pool's name.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The host that becomes the pool coordinator (master).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Alias("Master")]
    [ValidateNotNullOrEmpty]
    public string Coordinator { get; set; } = "";

    /// <summary>The hosts that join the coordinator's pool.</summary>
    [Parameter(Position = 2)]
    [ValidateNotNull]
    public string[] Member { get; set; } = Array.Empty<string>();

    /// <summary>The root credential of the hosts (the same on every host, as pool.join requires the coordinator's).</summary>
    [Parameter(Mandatory = true)]
    [Credential]
    [ValidateNotNull]
    public PSCredential Credential { get; set; } = null!;

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

    /// <summary>A description for the pool.</summary>
    [Parameter]
    public string? Description { get; set; }

    protected override void EndProcessing()
    {
        using var joiner = new PoolJoiner(this, Credential, Port, SkipCertificateCheck, TimeoutSeconds);

        // 1. Every check first; nothing changes until all hosts pass.
        PoolState? coordinator = null;
        var coordinatorSession = joiner.Login(Coordinator);
        if (coordinatorSession != null)
        {
            coordinator = joiner.Read(coordinatorSession, Coordinator);
            CheckCoordinator(joiner, coordinator);
        }
        var pending = new List<PoolState>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (coordinator?.Coordinator != null)
        {
            seen.Add(coordinator.Coordinator.Uuid);
        }
        foreach (var server in Member.Where(m => !string.IsNullOrWhiteSpace(m)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var session = joiner.Login(server);
            if (session == null)
            {
                continue;
            }
            var member = joiner.Read(session, server);
            var name = member.Self?.NameLabel ?? server;
            if (coordinator != null && member.Pool.Uuid == coordinator.Pool.Uuid)
            {
                WriteVerbose(member.Self?.Uuid == coordinator.Coordinator?.Uuid
                    ? $"{server} is the coordinator itself; skipped."
                    : $"{name} is already a member of pool '{coordinator.Pool.NameLabel}'; skipped.");
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
                WriteVerbose($"{server} names {name} again; skipped.");
                continue;
            }
            if (coordinator != null)
            {
                joiner.CheckJoiner(member, coordinator);
            }
            pending.Add(member);
        }
        if (joiner.Problems.Count > 0 || coordinator == null)
        {
            joiner.StopWithProblems($"building pool '{Name}'", Name);
            return;
        }

        // 2. Act: name the pool, then join the members one by one.
        var pool = coordinator.Pool;
        var coordinatorName = coordinator.Coordinator?.NameLabel ?? Coordinator;
        var poolRef = new XenRef<Api.Pool>(pool.OpaqueRef);
        var changed = false;
        if (pending.Count == 0 && pool.NameLabel == Name && (Description == null || pool.NameDescription == Description))
        {
            WriteVerbose($"{coordinatorName} is already the coordinator of pool '{Name}' with every member; nothing to do.");
        }
        else
        {
            if (pool.NameLabel != Name)
            {
                if (!ShouldProcess(coordinatorName, $"Name the pool '{Name}' with this host as its coordinator"))
                {
                    WriteWhatIfJoins(pending, coordinatorName);
                    return;
                }
                Await(coordinatorSession!.CallAsync<object?>("pool.set_name_label", Cancellation, poolRef, Name));
                changed = true;
            }
            if (Description != null && pool.NameDescription != Description
                && ShouldProcess(Name, $"Set the pool description to '{Description}'"))
            {
                Await(coordinatorSession!.CallAsync<object?>("pool.set_name_description", Cancellation, poolRef, Description));
                changed = true;
            }
            var connection = new Connection(0, coordinatorSession!, Name, coordinatorName);
            var address = PoolJoiner.AddressOf(coordinator);
            var joined = joiner.JoinAll(pending, connection, address, Name, coordinatorName).Count;
            changed |= joined > 0;
            if (joined > 0)
            {
                joiner.ClearUnsharedDefaultSr(connection);
            }
            if (!changed)
            {
                return;
            }
        }

        // 3. Connect to the pool (a fresh login knows every member) and return it.
        WriteObject(ConnectAndRead(coordinator));
    }

    private void CheckCoordinator(PoolJoiner joiner, PoolState coordinator)
    {
        if (coordinator.Redirected)
        {
            joiner.Problems.Add(PoolJoiner.Problem("XenHaCoordinatorIsPoolMember", ErrorCategory.InvalidOperation,
                $"{Coordinator} is a member of pool '{coordinator.Pool.NameLabel}' whose coordinator is {coordinator.Coordinator?.NameLabel}; choose a standalone host or that pool's coordinator.",
                Coordinator));
            return;
        }
        if (coordinator.Hosts.Count > 1 && coordinator.Pool.NameLabel != Name)
        {
            joiner.Problems.Add(PoolJoiner.Problem("XenHaCoordinatorInAnotherPool", ErrorCategory.ResourceExists,
                $"{Coordinator} is already the coordinator of pool '{coordinator.Pool.NameLabel}' with {coordinator.Hosts.Count} hosts; use Add-XenPoolMember to grow it or Set-XenPool -Name to rename it.",
                Coordinator));
        }
        if (coordinator.Pool.HaEnabled)
        {
            joiner.Problems.Add(PoolJoiner.Problem("HA_IS_ENABLED", ErrorCategory.InvalidOperation,
                $"High availability is enabled on the pool of {Coordinator}; hosts cannot join while it is on (Disable-XenHa first).", Coordinator));
        }
    }

    private void WriteWhatIfJoins(List<PoolState> pending, string coordinatorName)
    {
        foreach (var member in pending)
        {
            ShouldProcess(member.Self?.NameLabel ?? member.Server, $"Join pool '{Name}' (coordinator {coordinatorName})");
        }
    }

    private Pool ConnectAndRead(PoolState coordinator)
    {
        var address = coordinator.Session.Uri.ToString();
        var session = Await(XenSession.LoginAsync(address, Credential.UserName, Credential.GetNetworkCredential().Password,
            CertificateSettings.NewOptions(SkipCertificateCheck, TimeSpan.FromSeconds(60)), Cancellation));
        var connection = new Connection(ConnectionStore.NextId(), session, "", "");
        var pool = Await(PoolReader.ReadPoolAsync(connection, Cancellation));
        var replaced = ConnectionStore.Add(connection);
        if (replaced != null)
        {
            WriteVerbose($"Replacing the earlier connection {replaced.Id} to {replaced.Uri}.");
            replaced.Session.Dispose();
        }
        return pool;
    }
}
