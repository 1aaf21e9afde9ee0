using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>Gets the XenAPI tasks (running and recently finished operations) of the connected pools.</summary>
[Cmdlet(VerbsCommon.Get, "XenTask", DefaultParameterSetName = NameSet)]
[OutputType(typeof(TaskInfo))]
public sealed class GetXenTaskCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string UuidSet = "Uuid";

    /// <summary>Task names (the call, e.g. Async.VM.pool_migrate); wildcards allowed.</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet)]
    [Alias("name_label")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Task UUIDs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uuid { get; set; } = Array.Empty<string>();

    /// <summary>Only tasks in these states.</summary>
    [Parameter]
    public XenTaskStatus[]? Status { get; set; }

    /// <summary>The connections to read; all open connections by default.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    private readonly IdentityFilter _identity = new IdentityFilter();
    private readonly List<Connection> _connections = new List<Connection>();

    protected override void ProcessRecord()
    {
        _identity.AddNames(Name);
        _identity.AddUuids(Uuid);
        AddDistinct(_connections, ResolveConnections(Connection));
    }

    protected override void EndProcessing()
    {
        foreach (var connection in _connections)
        {
            IReadOnlyList<XenTask> tasks;
            Dictionary<string, string> hostNames;
            try
            {
                tasks = Await(connection.Session.GetAllRecordsAsync<XenTask>(Cancellation));
                hostNames = Await(connection.Session.GetAllRecordsAsync<Api.Host>(Cancellation)).ToDictionary(h => h.OpaqueRef, h => h.NameLabel);
            }
            catch (XenApiException e)
            {
                WriteXenError(e, connection);
                continue;
            }
            foreach (var task in tasks.OrderBy(t => t.Created))
            {
                if (!_identity.Matches(task.NameLabel, task.Uuid))
                {
                    continue;
                }
                if (Status != null && !Status.Contains(task.Status))
                {
                    continue;
                }
                WriteObject(TaskInfo.From(task, connection, hostNames));
            }
        }
        foreach (var error in _identity.NotFoundErrors("task", "XenHaTaskNotFound"))
        {
            WriteError(error);
        }
    }
}
