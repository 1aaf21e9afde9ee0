using System;
using System.Collections.Generic;
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
            IReadOnlyList<NetworkInfo> networks;
            try
            {
                networks = Await(RepositoryReader.ReadNetworksAsync(connection, Cancellation));
            }
            catch (XenApiException e)
            {
                WriteXenError(e, connection);
                continue;
            }
            foreach (var network in networks)
            {
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
