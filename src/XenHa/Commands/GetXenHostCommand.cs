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
    private const string PoolSet = "Pool";
    private const string RepositorySet = "Repository";

    /// <summary>Host names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Alias("name_label")]
    [SupportsWildcards]
    [NotAConnection]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Host UUIDs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uuid { get; set; } = Array.Empty<string>();

    /// <summary>The hosts these VMs run on (from Get-XenVM); halted VMs have none.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = VmSet)]
    [ValidateNotNull]
    public Vm[] VM { get; set; } = Array.Empty<Vm>();

    /// <summary>The members of these pools (from Get-XenPool).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PoolSet)]
    [ValidateNotNull]
    public Pool[] Pool { get; set; } = Array.Empty<Pool>();

    /// <summary>The hosts these repositories are plugged on (from Get-XenRepository).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RepositorySet)]
    [ValidateNotNull]
    public Repository[] Repository { get; set; } = Array.Empty<Repository>();

    /// <summary>The connections to read; all open connections by default.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    private readonly IdentityFilter _identity = new IdentityFilter();
    private readonly HashSet<string> _vmHostRefs = new HashSet<string>(StringComparer.Ordinal);
    private readonly HashSet<string> _repositoryHostRefs = new HashSet<string>(StringComparer.Ordinal);
    private readonly List<Connection> _connections = new List<Connection>();

    protected override void ProcessRecord()
    {
        _identity.AddNames(Name);
        _identity.AddUuids(Uuid);
        foreach (var vm in VM)
        {
            _vmHostRefs.Add(vm.Record.ResidentOn.OpaqueRef);
        }
        _repositoryHostRefs.UnionWith(Repository.SelectMany(r => r.HostRefs));
        IEnumerable<Connection> connections = ParameterSetName switch
        {
            VmSet => VM.Select(v => v.Connection),
            PoolSet => Pool.Select(p => p.Connection),
            RepositorySet => Repository.Select(r => r.Connection),
            _ => ResolveConnections(Connection),
        };
        AddDistinct(_connections, connections);
    }

    protected override void EndProcessing()
    {
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
                var wanted = ParameterSetName == VmSet ? _vmHostRefs.Contains(host.OpaqueRef)
                    : ParameterSetName == RepositorySet ? _repositoryHostRefs.Contains(host.OpaqueRef)
                    : _identity.Matches(host.Name, host.Uuid);
                if (wanted)
                {
                    WriteObject(host);
                }
            }
        }
        foreach (var error in _identity.NotFoundErrors("host", "XenHaHostNotFound"))
        {
            WriteError(error);
        }
    }
}
