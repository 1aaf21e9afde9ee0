using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Gets storage repositories with their type, size, free space and how many hosts they are attached on.</summary>
[Cmdlet(VerbsCommon.Get, "XenRepository", DefaultParameterSetName = NameSet)]
[OutputType(typeof(Repository))]
public sealed class GetXenRepositoryCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string UuidSet = "Uuid";
    private const string PoolSet = "Pool";
    private const string VmSet = "VM";
    private const string HostSet = "Host";

    /// <summary>Repository names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Alias("name_label")]
    [SupportsWildcards]
    [NotAConnection]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RepositoryNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Repository UUIDs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uuid { get; set; } = Array.Empty<string>();

    /// <summary>The repositories of these pools (from Get-XenPool).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PoolSet)]
    [ValidateNotNull]
    public Pool[] Pool { get; set; } = Array.Empty<Pool>();

    /// <summary>The repositories that these VMs have disks (or an inserted ISO) on (from Get-XenVM).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = VmSet)]
    [ValidateNotNull]
    public Vm[] VM { get; set; } = Array.Empty<Vm>();

    /// <summary>The repositories plugged on these hosts (from Get-XenHost).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = HostSet)]
    [ValidateNotNull]
    public new Host[] Host { get; set; } = Array.Empty<Host>();

    /// <summary>Only repositories of these SM types: nfs, lvmoiscsi, iso, lvm, ext...</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Type { get; set; }

    /// <summary>Only shared repositories (-Shared:$false: only local ones).</summary>
    [Parameter]
    public SwitchParameter Shared { get; set; }

    /// <summary>The connections to read; all open connections by default.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
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
            PoolSet => Pool.Select(p => p.Connection),
            VmSet => VM.Select(v => v.Connection),
            HostSet => Host.Select(h => h.Connection),
            _ => ResolveConnections(Connection),
        };
        AddDistinct(_connections, connections);
    }

    protected override void EndProcessing()
    {
        var filterShared = MyInvocation.BoundParameters.ContainsKey(nameof(Shared));
        foreach (var connection in _connections)
        {
            IReadOnlyList<Repository> repositories;
            HashSet<string>? usedByVms = null;
            try
            {
                repositories = Await(RepositoryReader.ReadRepositoriesAsync(connection, Cancellation));
                if (ParameterSetName == VmSet)
                {
                    usedByVms = new HashSet<string>(
                        Await(RepositoryReader.ReadDiskPlacementsAsync(connection, Cancellation))
                            .Where(p => _vmRefs.Contains(p.VmRef)).Select(p => p.SrRef),
                        StringComparer.Ordinal);
                }
            }
            catch (XenApiException e)
            {
                WriteXenError(e, connection);
                continue;
            }
            foreach (var repository in repositories)
            {
                if (Type != null && !Type.Contains(repository.Type, StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (filterShared && repository.Shared != Shared.IsPresent)
                {
                    continue;
                }
                if (usedByVms != null && !usedByVms.Contains(repository.OpaqueRef))
                {
                    continue;
                }
                if (ParameterSetName == HostSet && !repository.HostRefs.Any(_hostRefs.Contains))
                {
                    continue;
                }
                if (_identity.Matches(repository.Name, repository.Uuid))
                {
                    WriteObject(repository);
                }
            }
        }
        foreach (var error in _identity.NotFoundErrors("storage repository", "XenHaRepositoryNotFound"))
        {
            WriteError(error);
        }
    }
}
