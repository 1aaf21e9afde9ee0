using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Gets the pool's networks with their bridge, MTU and the hosts that have an interface on them.</summary>
[Cmdlet(VerbsCommon.Get, "XenNetwork", DefaultParameterSetName = NameSet)]
[OutputType(typeof(NetworkInfo))]
public sealed class GetXenNetworkCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string UuidSet = "Uuid";
    private const string VmSet = "VM";
    private const string HostSet = "Host";

    /// <summary>Network names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Alias("name_label")]
    [SupportsWildcards]
    [NotAConnection]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Network UUIDs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uuid { get; set; } = Array.Empty<string>();

    /// <summary>The networks these VMs have an interface on (from Get-XenVM).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = VmSet)]
    [ValidateNotNull]
    public Vm[] VM { get; set; } = Array.Empty<Vm>();

    /// <summary>The networks these hosts have a physical interface on (from Get-XenHost).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = HostSet)]
    [ValidateNotNull]
    public new Host[] Host { get; set; } = Array.Empty<Host>();

    /// <summary>The connections to read; all open connections by default.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    private readonly IdentityFilter _identity = new IdentityFilter();
    private readonly List<Connection> _connections = new List<Connection>();
    private readonly HashSet<string> _vmRefs = new HashSet<string>(StringComparer.Ordinal);
    private readonly HashSet<string> _hostRefs = new HashSet<string>(StringComparer.Ordinal);

    protected override void ProcessRecord()
    {
        _identity.AddNames(Name);
        _identity.AddUuids(Uuid);
        _vmRefs.UnionWith(VM.Select(v => v.OpaqueRef));
        _hostRefs.UnionWith(Host.Select(h => h.OpaqueRef));
        IEnumerable<Connection> connections = ParameterSetName switch
        {
            VmSet => VM.Select(v => v.Connection),
            HostSet => Host.Select(h => h.Connection),
            _ => ResolveConnections(Connection),
        };
        AddDistinct(_connections, connections);
    }

    protected override void EndProcessing()
    {
        foreach (var connection in _connections)
        {
            IReadOnlyList<NetworkInfo> networks;
            HashSet<string>? usedByVms = null;
            try
            {
                networks = Await(RepositoryReader.ReadNetworksAsync(connection, Cancellation));
                if (ParameterSetName == VmSet)
                {
                    usedByVms = new HashSet<string>(
                        Await(connection.Session.GetAllRecordsAsync<Vif>(Cancellation))
                            .Where(v => _vmRefs.Contains(v.VM.OpaqueRef)).Select(v => v.Network.OpaqueRef),
                        StringComparer.Ordinal);
                }
            }
            catch (XenApiException e)
            {
                WriteXenError(e, connection);
                continue;
            }
            foreach (var network in networks)
            {
                if (usedByVms != null && !usedByVms.Contains(network.OpaqueRef))
                {
                    continue;
                }
                if (ParameterSetName == HostSet && !network.HostRefs.Any(_hostRefs.Contains))
                {
                    continue;
                }
                if (_identity.Matches(network.Name, network.Uuid))
                {
                    WriteObject(network);
                }
            }
        }
        foreach (var error in _identity.NotFoundErrors("network", "XenHaNetworkNotFound"))
        {
            WriteError(error);
        }
    }
}
