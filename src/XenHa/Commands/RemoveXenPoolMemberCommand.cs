using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Ejects hosts from their pool (pool.eject). The ejected host is reset to a fresh standalone host:
/// its local VMs and local storage are lost. The coordinator cannot be ejected.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "XenPoolMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = NameSet)]
[OutputType(typeof(void))]
public sealed class RemoveXenPoolMemberCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string HostSet = "Host";

    /// <summary>Names of the hosts to eject.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [Alias("HostName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Hosts to eject (from Get-XenHost).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = HostSet)]
    [ValidateNotNull]
    public new Host[] Host { get; set; } = Array.Empty<Host>();

    /// <summary>The pool; the default connection when omitted.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    /// <summary>Seconds to wait for each eject.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSeconds { get; set; } = 600;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == HostSet)
        {
            foreach (var host in Host)
            {
                Eject(host.Connection, host.OpaqueRef, host.Name);
            }
            return;
        }
        var connection = ResolveConnection(Connection);
        IReadOnlyList<Api.Host> hosts;
        try
        {
            hosts = Await(connection.Session.GetAllRecordsAsync<Api.Host>(Cancellation));
        }
        catch (XenApiException e)
        {
            WriteXenError(e, connection);
            return;
        }
        foreach (var name in Name)
        {
            var host = hosts.FirstOrDefault(h => string.Equals(h.NameLabel, name, StringComparison.OrdinalIgnoreCase))
                ?? hosts.FirstOrDefault(h => string.Equals(h.Address, name, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(h.Uuid, name, StringComparison.OrdinalIgnoreCase));
            if (host == null)
            {
                WriteError(ErrorRecords.NotFound("host", name, "XenHaHostNotFound"));
                continue;
            }
            Eject(connection, host.OpaqueRef, host.NameLabel);
        }
    }

    private void Eject(Connection connection, string hostRef, string name)
    {
        try
        {
            var pool = Await(connection.Session.GetAllRecordsAsync<Api.Pool>(Cancellation)).Single();
            if (pool.Master.OpaqueRef == hostRef)
            {
                WriteError(new ErrorRecord(
                    new InvalidOperationException(
                        $"{name} is the coordinator of pool '{pool.NameLabel}' and cannot be ejected. Make another host the coordinator first (pool.designate_new_master), then eject {name}."),
                    "XenHaCannotEjectCoordinator", ErrorCategory.InvalidOperation, name));
                return;
            }
            if (!ShouldProcess(name, $"Eject from pool '{pool.NameLabel}' (the host is reset to a fresh standalone host; its local VMs and local storage are lost)"))
            {
                return;
            }
            var task = Await(connection.Session.CallAsync<XenRef<XenTask>>("Async.pool.eject", Cancellation, new XenRef<Api.Host>(hostRef)));
            new TaskWaiter(this, connection)
            {
                Activity = $"Ejecting {name} from pool '{pool.NameLabel}'",
                Timeout = TimeSpan.FromSeconds(TimeoutSeconds),
                CancelOnStop = false,
            }.Wait(task, "pool.eject");
            WriteVerbose($"{name} left pool '{pool.NameLabel}'; it restarts as a standalone host.");
        }
        catch (Exception e) when (e is XenApiException || e is TimeoutException)
        {
            WriteError(ErrorRecords.From(e, name));
        }
    }
}
