using System;
using System.Collections.Generic;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Gets each pool's high-availability state: on or off, heartbeat SR, timeout, configured and
/// computed host failures to tolerate, overcommitment, protected / best-effort / unprotected VM
/// counts, per-host liveness, and drift (findings where the pool differs from what HA needs).
/// </summary>
[Cmdlet(VerbsCommon.Get, "XenHa")]
[OutputType(typeof(HaStatus))]
public sealed class GetXenHaCommand : XenCmdlet
{
    /// <summary>The connections to read; all open connections by default. Pools and hosts piped in bring theirs.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    private readonly List<Connection> _connections = new List<Connection>();

    protected override void ProcessRecord() => AddDistinct(_connections, ResolveConnections(Connection));

    protected override void EndProcessing()
    {
        foreach (var connection in _connections)
        {
            try
            {
                WriteObject(HaSnapshot.Read(this, connection).ToStatus(this));
            }
            catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException)
            {
                WriteXenError(e, connection);
            }
        }
    }
}
