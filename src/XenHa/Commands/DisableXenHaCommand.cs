using System;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Turns high availability off (Async.pool.disable_ha, with progress). Protected VMs keep their
/// restart priorities, but nothing restarts them after a host failure until HA is on again.
/// Running it on a pool where HA is already off changes nothing.
/// </summary>
[Cmdlet(VerbsLifecycle.Disable, "XenHa", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(HaStatus))]
public sealed class DisableXenHaCommand : XenCmdlet
{
    /// <summary>The connection to use; the default connection if omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    /// <summary>Return the pool's HA state afterwards (as Get-XenHa).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var connection = ResolveConnection(Connection);
        try
        {
            var snapshot = HaSnapshot.Read(this, connection);
            var poolName = snapshot.Pool.NameLabel.Length > 0 ? snapshot.Pool.NameLabel : connection.ToString();
            if (!snapshot.Pool.HaEnabled)
            {
                WriteVerbose($"HA is already off on pool '{poolName}'; nothing to do.");
            }
            else
            {
                var protectedCount = 0;
                foreach (var _ in snapshot.Protected)
                {
                    protectedCount++;
                }
                if (!ShouldProcess($"pool '{poolName}'", $"Disable HA ({protectedCount} protected VM(s) will no longer be restarted after a host failure)"))
                {
                    return;
                }
                var task = Await(connection.Session.CallAsync<XenRef<XenTask>>("Async.pool.disable_ha", Cancellation));
                new TaskWaiter(this, connection) { Activity = $"Disabling HA on pool '{poolName}'", CancelOnStop = false }
                    .Wait(task, "stopping the heartbeat on every host");
            }
            if (PassThru)
            {
                WriteObject(HaSnapshot.Read(this, connection).ToStatus(this));
            }
        }
        catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException || e is TimeoutException)
        {
            ThrowXenError(e, connection);
        }
    }
}
