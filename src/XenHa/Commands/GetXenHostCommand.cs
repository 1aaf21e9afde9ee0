using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Gets pool members with their state, memory and VM count.</summary>
[Cmdlet(VerbsCommon.Get, "XenHost", DefaultParameterSetName = NameSet)]
[OutputType(typeof(Host))]
public sealed class GetXenHostCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string UuidSet = "Uuid";
    private const string VmSet = "VM";

    /// <summary>Host names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Alias("name_label")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Host UUIDs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uuid { get; set; } = Array.Empty<string>();

    /// <summary>The hosts these VMs run on (from Get-XenVM); halted VMs have none.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = VmSet)]
    [ValidateNotNull]
    public Vm[] VM { get; set; } = Array.Empty<Vm>();

    /// <summary>The connections to read; all open connections by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    private readonly NameFilter _names = new NameFilter();
    private readonly HashSet<string> _uuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _vmHostRefs = new HashSet<string>(StringComparer.Ordinal);
    private readonly List<Connection> _connections = new List<Connection>();

    protected override void ProcessRecord()
    {
        _names.Add(Name);
        foreach (var uuid in Uuid)
        {
            _uuids.Add(uuid);
        }
        foreach (var vm in VM)
        {
            _vmHostRefs.Add(vm.Record.ResidentOn.OpaqueRef);
        }
        var connections = ParameterSetName == VmSet
            ? VM.Select(v => v.Connection).ToArray()
            : ResolveConnections(Connection);
        foreach (var connection in connections)
        {
            if (!_connections.Contains(connection))
            {
                _connections.Add(connection);
            }
        }
    }

    protected override void EndProcessing()
    {
        var foundUuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var connection in _connections)
        {
            IReadOnlyList<Host> hosts;
            try
            {
                hosts = Await(PoolReader.ReadHostsAsync(connection, Cancellation));
            }
            catch (XenApiException e)
            {
                WriteXenError(e, connection);
                continue;
            }
            foreach (var host in hosts)
            {
                if (ParameterSetName == VmSet)
                {
                    if (!_vmHostRefs.Contains(host.OpaqueRef))
                    {
                        continue;
                    }
                }
                else if (_uuids.Count > 0)
                {
                    if (!_uuids.Contains(host.Uuid))
                    {
                        continue;
                    }
                    foundUuids.Add(host.Uuid);
                }
                else if (!_names.Matches(host.Name))
                {
                    continue;
                }
                WriteObject(host);
            }
        }
        foreach (var name in _names.UnmatchedLiterals())
        {
            WriteError(ErrorRecords.NotFound("host", name, "XenHaHostNotFound"));
        }
        foreach (var uuid in _uuids)
        {
            if (!foundUuids.Contains(uuid))
            {
                WriteError(ErrorRecords.NotFoundByUuid("host", uuid, "XenHaHostNotFound"));
            }
        }
    }
}
