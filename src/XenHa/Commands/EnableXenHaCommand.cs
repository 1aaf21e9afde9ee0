using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Turns on high availability the way XenCenter's HA wizard does: every precondition is checked
/// first and every problem reported (hosts live, heartbeat SR, agility of protected VMs, a restart
/// plan for the requested number of failures), then pool.set_ha_host_failures_to_tolerate and
/// Async.pool.enable_ha with progress. Re-running with the same settings changes nothing; with HA on,
/// only the number of failures to tolerate can be changed in place.
/// </summary>
[Cmdlet(VerbsLifecycle.Enable, "XenHa", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(HaStatus))]
public sealed class EnableXenHaCommand : XenCmdlet
{
    /// <summary>The SR for the heartbeat statefile (name, UUID or an object from Get-XenRepository); shared, plugged on every host, not an ISO library.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RepositoryNameCompleter))]
    public string HeartbeatRepository { get; set; } = "";

    /// <summary>How many host failures the pool must survive with every protected VM restarted.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(0, 64)]
    public int HostFailuresToTolerate { get; set; }

    /// <summary>Seconds without heartbeat after which a host is considered failed (xapi's default 60, minimum 10).</summary>
    [Parameter]
    [ValidateRange(10, 3600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>The connection to use; the default connection if omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    protected override void ProcessRecord()
    {
        var connection = ResolveConnection(Connection);
        try
        {
            Enable(connection);
        }
        catch (XenHaErrorException e)
        {
            ThrowTerminatingError(e.Record);
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException || e is TimeoutException)
        {
            ThrowXenError(e, connection);
        }
    }

    private void Enable(Connection connection)
    {
        var snapshot = HaSnapshot.Read(this, connection);
        var pool = snapshot.Pool;
        var poolName = pool.NameLabel.Length > 0 ? pool.NameLabel : connection.ToString();
        var sr = ResolveRepository(connection);

        if (pool.HaEnabled)
        {
            EnabledAlready(snapshot, sr, poolName);
            return;
        }

        var problems = Check(snapshot, sr);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                WriteError(problem);
            }
            throw new XenHaErrorException("XenHaHaPreconditionsFailed", ErrorCategory.InvalidOperation,
                $"HA was not enabled on pool '{poolName}'; nothing was changed. Fix these {problems.Count} problem(s) first: "
                + string.Join(" ", problems.Select(p => p.ErrorDetails?.Message ?? p.Exception.Message)), pool.NameLabel);
        }

        var action = string.Format(CultureInfo.InvariantCulture,
            "Enable HA with the heartbeat on '{0}', tolerating {1} host failure(s), timeout {2} s", sr.NameLabel, HostFailuresToTolerate, TimeoutSeconds);
        if (!ShouldProcess($"pool '{poolName}'", action))
        {
            return;
        }

        var session = connection.Session;
        var previous = pool.HaHostFailuresToTolerate;
        Await(session.CallAsync<object?>("pool.set_ha_host_failures_to_tolerate", Cancellation, new XenRef<Api.Pool>(pool.OpaqueRef), (long)HostFailuresToTolerate));
        try
        {
            var configuration = new Dictionary<string, string> { ["timeout"] = TimeoutSeconds.ToString(CultureInfo.InvariantCulture) };
            var task = Await(session.CallAsync<XenRef<XenTask>>("Async.pool.enable_ha", Cancellation,
                new List<XenRef<Api.Sr>> { new XenRef<Api.Sr>(sr.OpaqueRef) }, configuration));
            new TaskWaiter(this, connection) { Activity = $"Enabling HA on pool '{poolName}'", CancelOnStop = false }
                .Wait(task, $"heartbeat on '{sr.NameLabel}'");
        }
        catch (Exception e) when (e is XenApiException || e is TimeoutException)
        {
            // xapi disables HA again itself when enabling fails; put the old number back too.
            RestoreTolerance(connection, pool.OpaqueRef, previous);
            throw;
        }
        WriteObject(HaSnapshot.Read(this, connection).ToStatus(this));
    }

    /// <summary>HA already on: the same settings are a no-op; a new number of failures is set in place; anything else needs Disable-XenHa first.</summary>
    private void EnabledAlready(HaSnapshot snapshot, Api.Sr sr, string poolName)
    {
        var pool = snapshot.Pool;
        var currentSr = snapshot.HeartbeatRepositoryName(this);
        var timeout = snapshot.TimeoutSeconds();
        var differences = new List<string>();
        if (!string.Equals(currentSr, sr.NameLabel, StringComparison.Ordinal))
        {
            differences.Add($"its heartbeat is on '{currentSr}', not '{sr.NameLabel}'");
        }
        if (timeout != TimeoutSeconds)
        {
            differences.Add($"its timeout is {timeout} s, not {TimeoutSeconds} s");
        }
        if (differences.Count > 0)
        {
            throw new XenHaErrorException("HA_IS_ENABLED", ErrorCategory.ResourceExists,
                $"HA is already enabled on pool '{poolName}', but {string.Join(" and ", differences)}. "
                + "To change the heartbeat SR or the timeout, run Disable-XenHa first; nothing was changed.", pool.NameLabel);
        }
        if (pool.HaHostFailuresToTolerate != HostFailuresToTolerate)
        {
            var action = $"Change the host failures to tolerate from {pool.HaHostFailuresToTolerate} to {HostFailuresToTolerate}";
            if (!ShouldProcess($"pool '{poolName}'", action))
            {
                return;
            }
            // xapi refuses (HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN) when no plan exists for the new number.
            Await(snapshot.Connection.Session.CallAsync<object?>("pool.set_ha_host_failures_to_tolerate", Cancellation,
                new XenRef<Api.Pool>(pool.OpaqueRef), (long)HostFailuresToTolerate));
        }
        else
        {
            WriteVerbose($"HA is already enabled on pool '{poolName}' with these settings; nothing to do.");
        }
        WriteObject(HaSnapshot.Read(this, snapshot.Connection).ToStatus(this));
    }

    /// <summary>Every precondition of pool.enable_ha that can be checked without changing anything, all problems at once.</summary>
    private List<ErrorRecord> Check(HaSnapshot snapshot, Api.Sr sr)
    {
        var problems = new List<ErrorRecord>();
        foreach (var host in snapshot.Hosts.Where(h => !snapshot.IsLive(h.OpaqueRef)))
        {
            problems.Add(Problem("HOST_OFFLINE", ErrorCategory.ResourceUnavailable,
                $"The host '{host.NameLabel}' is not live; every host must be up to enable HA.", host.NameLabel));
        }
        try
        {
            Await(snapshot.Connection.Session.CallAsync<object?>("SR.assert_can_host_ha_statefile", Cancellation, new XenRef<Api.Sr>(sr.OpaqueRef)));
            if (!sr.Shared && snapshot.Hosts.Count > 1)
            {
                problems.Add(Problem("HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED", ErrorCategory.InvalidArgument,
                    $"The repository '{sr.NameLabel}' is not shared; the heartbeat needs an SR every host reaches.", sr.NameLabel));
            }
        }
        catch (XenApiException e)
        {
            var why = e.Code == "SR_HAS_NO_PBDS"
                ? $"The repository '{sr.NameLabel}' cannot hold the HA heartbeat: it must be shared and plugged on every host ({e.Code})."
                : $"The repository '{sr.NameLabel}' cannot hold the HA heartbeat (type '{sr.Type}'): {snapshot.Explain(e)}.";
            problems.Add(Problem(e.Code, ErrorCategory.InvalidArgument, why, sr.NameLabel));
        }
        var protectedVms = snapshot.Protected.ToList();
        var agile = new List<Api.Vm>();
        foreach (var vm in protectedVms)
        {
            var problem = snapshot.AgilityProblem(this, vm.OpaqueRef);
            if (problem == null)
            {
                agile.Add(vm);
                continue;
            }
            problems.Add(Problem(problem.Code, ErrorCategory.InvalidOperation,
                $"The protected VM '{vm.NameLabel}' is not agile: {snapshot.Explain(problem)}. Make it agile or run Unprotect-XenVM.", vm.NameLabel));
        }
        if (agile.Count == protectedVms.Count)
        {
            var max = snapshot.ComputeHypotheticalMax(this, protectedVms);
            if (max < HostFailuresToTolerate)
            {
                problems.Add(Problem("XenHaNoFailoverPlan", ErrorCategory.InvalidArgument,
                    $"With the {protectedVms.Count} protected VM(s), a restart plan exists for at most {max} host failure(s), not {HostFailuresToTolerate}. "
                    + "Ask for fewer failures, protect fewer VMs, or add capacity (Test-XenHaPlan shows where VMs would go).", snapshot.Pool.NameLabel));
            }
        }
        return problems;
    }

    private static ErrorRecord Problem(string id, ErrorCategory category, string message, object target) =>
        new ErrorRecord(new InvalidOperationException(message), id, category, target);

    private Api.Sr ResolveRepository(Connection connection)
    {
        var srs = Await(connection.Session.GetAllRecordsAsync<Api.Sr>(Cancellation));
        var matches = VmResolver.Match(srs, HeartbeatRepository, s => s.NameLabel, s => s.Uuid);
        if (matches.Count == 0)
        {
            throw new XenHaErrorException("XenHaRepositoryNotFound", ErrorCategory.ObjectNotFound,
                $"No storage repository named '{HeartbeatRepository}' was found; nothing was changed.", HeartbeatRepository);
        }
        if (matches.Count > 1)
        {
            throw new XenHaErrorException("XenHaRepositoryAmbiguous", ErrorCategory.InvalidArgument,
                $"{matches.Count} storage repositories are named '{HeartbeatRepository}'; give the UUID or pipe the object from Get-XenRepository.", HeartbeatRepository);
        }
        return matches[0];
    }

    private void RestoreTolerance(Connection connection, string poolRef, long previous)
    {
        try
        {
            Await(connection.Session.CallAsync<object?>("pool.set_ha_host_failures_to_tolerate", Cancellation, new XenRef<Api.Pool>(poolRef), previous));
        }
        catch (XenApiException e)
        {
            WriteWarning($"Could not restore the host failures to tolerate to {previous}: {e.Message}");
        }
    }
}
