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
    private const string RepositorySet = "RepositoryObject";
    private const string NetworkSet = "Network";

    /// <summary>VM names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(Position = 0, ParameterSetName = HostSet)]
    [Parameter(Position = 0, ParameterSetName = PoolSet)]
    [Parameter(Position = 0, ParameterSetName = RepositorySet)]
    [Parameter(Position = 0, ParameterSetName = NetworkSet)]
    [Alias("name_label")]
    [SupportsWildcards]
    [NotAConnection]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VmNameCompleter))]
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

    /// <summary>
    /// The VMs with a disk on these repositories (from Get-XenRepository). A parameter of its own so
    /// that a piped repository binds here by type instead of its Name binding to -Name.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RepositorySet)]
    [ValidateNotNull]
    public Repository[] RepositoryObject { get; set; } = Array.Empty<Repository>();

    /// <summary>The VMs with a network interface on these networks (from Get-XenNetwork).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NetworkSet)]
    [ValidateNotNull]
    public NetworkInfo[] Network { get; set; } = Array.Empty<NetworkInfo>();

    /// <summary>Only VMs in these power states.</summary>
    [Parameter]
    public VmPowerState[]? PowerState { get; set; }

    /// <summary>Only VMs with a disk on these storage repositories (names with wildcards, UUIDs or repository objects).</summary>
    [Parameter]
    [XenIdentity]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RepositoryNameCompleter))]
    public string[]? Repository { get; set; }

    /// <summary>Only VMs whose guest tools are in these states (Optimized, NotInstalled...).</summary>
    [Parameter]
    public ToolsStatus[]? Tools { get; set; }

    /// <summary>Include templates.</summary>
    [Parameter]
    public SwitchParameter IncludeTemplate { get; set; }

    /// <summary>Include the hosts' control domains (dom0).</summary>
    [Parameter]
    public SwitchParameter IncludeControlDomain { get; set; }

    /// <summary>The connections to read; all open connections by default.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    private readonly IdentityFilter _identity = new IdentityFilter();
    private readonly HashSet<string> _hostRefs = new HashSet<string>(StringComparer.Ordinal);
    private readonly HashSet<string> _repositoryRefs = new HashSet<string>(StringComparer.Ordinal);
    private readonly HashSet<string> _networkRefs = new HashSet<string>(StringComparer.Ordinal);
    private readonly List<Connection> _connections = new List<Connection>();

    protected override void ProcessRecord()
    {
        _identity.AddNames(Name);
        _identity.AddUuids(Uuid);
        IEnumerable<Connection> connections = ParameterSetName switch
        {
            HostSet => Host.Select(h => h.Connection),
            PoolSet => Pool.Select(p => p.Connection),
            RepositorySet => RepositoryObject.Select(r => r.Connection),
            NetworkSet => Network.Select(n => n.Connection),
            _ => ResolveConnections(Connection),
        };
        _hostRefs.UnionWith(Host.Select(h => h.OpaqueRef));
        _repositoryRefs.UnionWith(RepositoryObject.Select(r => r.OpaqueRef));
        _networkRefs.UnionWith(Network.Select(n => n.OpaqueRef));
        AddDistinct(_connections, connections);
    }

    protected override void EndProcessing()
    {
        foreach (var connection in _connections)
        {
            try
            {
                var placed = PlacementFilter(connection);
                // VMs are written while the rest of the answer is still being decoded.
                PoolReader.StreamVms(this, connection, IncludeTemplate, IncludeControlDomain, vm =>
                {
                    if (Wanted(vm) && placed(vm))
                    {
                        WriteObject(vm);
                    }
                });
            }
            catch (XenApiException e)
            {
                WriteXenError(e, connection);
            }
        }
        foreach (var error in _identity.NotFoundErrors("VM", "XenHaVmNotFound"))
        {
            WriteError(error);
        }
        foreach (var missing in (Repository ?? Array.Empty<string>())
                     .Where(r => !WildcardPattern.ContainsWildcardCharacters(r) && !_repositoriesSeen.Contains(r))
                     .Distinct(StringComparer.OrdinalIgnoreCase))
        {
            WriteError(ErrorRecords.NotFound("repository", missing, "XenHaRepositoryNotFound"));
        }
    }

    /// <summary>The filters that need no other read: name or UUID, host, power state, tools.</summary>
    private bool Wanted(Vm vm) =>
        _identity.Matches(vm.Name, vm.Uuid)
        && (_hostRefs.Count == 0 || _hostRefs.Contains(vm.Record.ResidentOn.OpaqueRef))
        && (PowerState == null || PowerState.Contains(vm.PowerState))
        && (Tools == null || Tools.Contains(vm.ToolsStatus));

    /// <summary>The repository and network filters, read before the VMs (one read of disk placements or VIFs).</summary>
    private Func<Vm, bool> PlacementFilter(Connection connection)
    {
        HashSet<string>? onRepository = null;
        HashSet<string>? onPipedRepository = null;
        HashSet<string>? onNetwork = null;
        if (Repository != null || _repositoryRefs.Count > 0)
        {
            var placements = Await(RepositoryReader.ReadDiskPlacementsAsync(connection, Cancellation));
            onRepository = Repository == null ? null : VmsOn(placements, Await(RepositoriesNamedAsync(connection)));
            onPipedRepository = _repositoryRefs.Count == 0 ? null : VmsOn(placements, _repositoryRefs);
        }
        if (ParameterSetName == NetworkSet)
        {
            onNetwork = new HashSet<string>(
                Await(connection.Session.GetAllRecordsAsync<Vif>(Cancellation))
                    .Where(v => _networkRefs.Contains(v.Network.OpaqueRef)).Select(v => v.VM.OpaqueRef),
                StringComparer.Ordinal);
        }
        return vm => (onRepository == null || onRepository.Contains(vm.OpaqueRef))
            && (onPipedRepository == null || onPipedRepository.Contains(vm.OpaqueRef))
            && (onNetwork == null || onNetwork.Contains(vm.OpaqueRef));
    }

    private readonly HashSet<string> _repositoriesSeen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The refs of the SRs that the -Repository names (wildcards) or UUIDs match; remembers which values matched.</summary>
    private async System.Threading.Tasks.Task<HashSet<string>> RepositoriesNamedAsync(Connection connection)
    {
        var srs = await connection.Session.GetAllRecordsAsync<Sr>(Cancellation).ConfigureAwait(false);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sr in srs)
        {
            foreach (var value in Repository!)
            {
                var matched = string.Equals(value, sr.Uuid, StringComparison.OrdinalIgnoreCase)
                    || new WildcardPattern(value, WildcardOptions.IgnoreCase).IsMatch(sr.NameLabel);
                if (matched)
                {
                    _repositoriesSeen.Add(value);
                    wanted.Add(sr.OpaqueRef);
                }
            }
        }
        return wanted;
    }

    /// <summary>The refs of the VMs with a disk on one of these SRs.</summary>
    private static HashSet<string> VmsOn(IReadOnlyList<(string VmRef, string SrRef)> placements, HashSet<string> srRefs) =>
        new HashSet<string>(placements.Where(p => srRefs.Contains(p.SrRef)).Select(p => p.VmRef), StringComparer.Ordinal);
}
