using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Gets VMs with their power state, host, memory and guest tools state. Templates and control
/// domains are left out unless asked for.
/// </summary>
[Cmdlet(VerbsCommon.Get, "XenVM", DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class GetXenVMCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string UuidSet = "Uuid";
    private const string HostSet = "Host";

    /// <summary>VM names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(Position = 0, ParameterSetName = HostSet)]
    [Alias("name_label")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>VM UUIDs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uuid { get; set; } = Array.Empty<string>();

    /// <summary>Only VMs running on these hosts (from Get-XenHost).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = HostSet)]
    [ValidateNotNull]
    public new Host[] Host { get; set; } = Array.Empty<Host>();

    /// <summary>Only VMs in these power states.</summary>
    [Parameter]
    public VmPowerState[]? PowerState { get; set; }

    /// <summary>Include templates.</summary>
    [Parameter]
    public SwitchParameter IncludeTemplate { get; set; }

    /// <summary>Include the hosts' control domains (dom0).</summary>
    [Parameter]
    public SwitchParameter IncludeControlDomain { get; set; }

    /// <summary>The connections to read; all open connections by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    private readonly NameFilter _names = new NameFilter();
    private readonly HashSet<string> _uuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _hostRefs = new HashSet<string>(StringComparer.Ordinal);
    private readonly List<Connection> _connections = new List<Connection>();

    protected override void ProcessRecord()
    {
        _names.Add(Name);
        foreach (var uuid in Uuid)
        {
            _uuids.Add(uuid);
        }
        var connections = ParameterSetName == HostSet
            ? Host.Select(h => h.Connection).ToArray()
            : ResolveConnections(Connection);
        foreach (var host in Host)
        {
            _hostRefs.Add(host.OpaqueRef);
        }
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
            IReadOnlyList<Vm> vms;
            try
            {
                vms = Await(PoolReader.ReadVmsAsync(connection, IncludeTemplate, IncludeControlDomain, Cancellation));
            }
            catch (XenApiException e)
            {
                WriteXenError(e, connection);
                continue;
            }
            foreach (var vm in vms)
            {
                if (_uuids.Count > 0)
                {
                    if (!_uuids.Contains(vm.Uuid))
                    {
                        continue;
                    }
                    foundUuids.Add(vm.Uuid);
                }
                else if (!_names.Matches(vm.Name))
                {
                    continue;
                }
                if (_hostRefs.Count > 0 && !_hostRefs.Contains(vm.Record.ResidentOn.OpaqueRef))
                {
                    continue;
                }
                if (PowerState != null && !PowerState.Contains(vm.PowerState))
                {
                    continue;
                }
                WriteObject(vm);
            }
        }
        foreach (var name in _names.UnmatchedLiterals())
        {
            WriteError(ErrorRecords.NotFound("VM", name, "XenHaVmNotFound"));
        }
        foreach (var uuid in _uuids.Where(u => !foundUuids.Contains(u)))
        {
            WriteError(ErrorRecords.NotFoundByUuid("VM", uuid, "XenHaVmNotFound"));
        }
    }
}
