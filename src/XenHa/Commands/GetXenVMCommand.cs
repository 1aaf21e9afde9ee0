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
    private const string PoolSet = "Pool";

    /// <summary>VM names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(Position = 0, ParameterSetName = HostSet)]
    [Parameter(Position = 0, ParameterSetName = PoolSet)]
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

    /// <summary>The VMs of these pools (from Get-XenPool).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PoolSet)]
    [ValidateNotNull]
    public Pool[] Pool { get; set; } = Array.Empty<Pool>();

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

    private readonly IdentityFilter _identity = new IdentityFilter();
    private readonly HashSet<string> _hostRefs = new HashSet<string>(StringComparer.Ordinal);
    private readonly List<Connection> _connections = new List<Connection>();

    protected override void ProcessRecord()
    {
        _identity.AddNames(Name);
        _identity.AddUuids(Uuid);
        var connections = ParameterSetName == HostSet ? Host.Select(h => h.Connection).ToArray()
            : ParameterSetName == PoolSet ? Pool.Select(p => p.Connection).ToArray()
            : ResolveConnections(Connection);
        foreach (var host in Host)
        {
            _hostRefs.Add(host.OpaqueRef);
        }
        AddDistinct(_connections, connections);
    }

    protected override void EndProcessing()
    {
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
                if (!_identity.Matches(vm.Name, vm.Uuid))
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
        foreach (var error in _identity.NotFoundErrors("VM", "XenHaVmNotFound"))
        {
            WriteError(error);
        }
    }
}
