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
            HashSet<string>? onRepository;
            try
            {
                vms = Await(PoolReader.ReadVmsAsync(connection, IncludeTemplate, IncludeControlDomain, Cancellation));
                onRepository = Repository == null ? null : Await(VmsOnRepositoriesAsync(connection));
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
                if (onRepository != null && !onRepository.Contains(vm.OpaqueRef))
                {
                    continue;
                }
                if (Tools != null && !Tools.Contains(vm.ToolsStatus))
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
        foreach (var missing in (Repository ?? Array.Empty<string>())
                     .Where(r => !WildcardPattern.ContainsWildcardCharacters(r) && !_repositoriesSeen.Contains(r))
                     .Distinct(StringComparer.OrdinalIgnoreCase))
        {
            WriteError(ErrorRecords.NotFound("repository", missing, "XenHaRepositoryNotFound"));
        }
    }

    private readonly HashSet<string> _repositoriesSeen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The refs of the VMs with a disk on one of the -Repository SRs: one SR, VDI and VBD
    /// get_all_records each, whatever the number of VMs.
    /// </summary>
    private async System.Threading.Tasks.Task<HashSet<string>> VmsOnRepositoriesAsync(Connection connection)
    {
        var session = connection.Session;
        var srs = await session.GetAllRecordsAsync<Sr>(Cancellation).ConfigureAwait(false);
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
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return result;
        }
        var vdis = new HashSet<string>(
            (await session.GetAllRecordsAsync<Vdi>(Cancellation).ConfigureAwait(false)).Where(v => wanted.Contains(v.SR.OpaqueRef)).Select(v => v.OpaqueRef),
            StringComparer.Ordinal);
        foreach (var vbd in await session.GetAllRecordsAsync<Vbd>(Cancellation).ConfigureAwait(false))
        {
            if (vdis.Contains(vbd.VDI.OpaqueRef))
            {
                result.Add(vbd.VM.OpaqueRef);
            }
        }
        return result;
    }
}
