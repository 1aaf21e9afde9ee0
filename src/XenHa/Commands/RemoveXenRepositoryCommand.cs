using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Removes storage repositories from the pool: unplugs every PBD, then SR.destroy (deletes the SR
/// and its disks on the storage) or, with -Forget, SR.forget (keeps the data so the SR can be
/// reattached later). Refuses, before unplugging anything, an SR whose disks running VMs use.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "XenRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = NameSet)]
[OutputType(typeof(void))]
public sealed class RemoveXenRepositoryCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string UuidSet = "Uuid";
    private const string ObjectSet = "InputObject";

    /// <summary>Repository names; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RepositoryNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Repository UUIDs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uuid { get; set; } = Array.Empty<string>();

    /// <summary>Repositories from Get-XenRepository.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [ValidateNotNull]
    public Repository[] InputObject { get; set; } = Array.Empty<Repository>();

    /// <summary>Forget the repository instead of destroying it: the data stays on the storage and can be reattached.</summary>
    [Parameter]
    public SwitchParameter Forget { get; set; }

    /// <summary>The pool to remove it from; the default connection when omitted.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(ParameterSetName = UuidSet)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ObjectSet)
        {
            foreach (var repository in InputObject)
            {
                Remove(repository);
            }
            return;
        }
        var connection = ResolveConnection(Connection);
        IReadOnlyList<Repository> all;
        try
        {
            all = Await(RepositoryReader.ReadRepositoriesAsync(connection, Cancellation));
        }
        catch (XenApiException e)
        {
            WriteXenError(e, connection);
            return;
        }
        var identity = new IdentityFilter();
        identity.AddNames(ParameterSetName == NameSet ? Name : null);
        identity.AddUuids(ParameterSetName == UuidSet ? Uuid : null);
        foreach (var repository in all.Where(r => identity.Matches(r.Name, r.Uuid)).ToList())
        {
            Remove(repository);
        }
        foreach (var error in identity.NotFoundErrors("storage repository", "XenHaRepositoryNotFound"))
        {
            WriteError(error);
        }
    }

    private void Remove(Repository repository)
    {
        var connection = repository.Connection;
        var session = connection.Session;
        var sr = new XenRef<Api.Sr>(repository.OpaqueRef);
        try
        {
            var users = VmsUsing(connection, repository);
            if (users.Count > 0)
            {
                WriteError(new ErrorRecord(
                    new InvalidOperationException(
                        $"The storage repository '{repository.Name}' has disks in use by VMs that are not halted: {string.Join(", ", users)}. Shut them down or move their disks first. Nothing was changed."),
                    "XenHaRepositoryInUse", ErrorCategory.ResourceBusy, repository));
                return;
            }
            var action = Forget
                ? "Forget storage repository (unplug it from every host; the data stays on the storage)"
                : "Destroy storage repository (unplug it from every host and DELETE every disk on it)";
            if (!ShouldProcess($"{repository.Name} ({repository.Type}, {repository.Uuid})", action))
            {
                return;
            }
            var provisioner = new RepositoryProvisioner(this, connection);
            var unplugged = provisioner.Detach(sr, repository.Name);
            try
            {
                var method = Forget ? "Async.SR.forget" : "Async.SR.destroy";
                var task = Await(session.CallAsync<XenRef<XenTask>>(method, Cancellation, sr));
                new TaskWaiter(this, connection) { Activity = $"{(Forget ? "Forgetting" : "Destroying")} storage repository '{repository.Name}'" }
                    .Wait(task, method.Substring("Async.".Length));
            }
            catch (XenApiException)
            {
                provisioner.Replug(unplugged);
                throw;
            }
            ClearPoolReferences(connection, sr);
            WriteVerbose($"{(Forget ? "Forgot" : "Destroyed")} '{repository.Name}' ({repository.Uuid}).");
        }
        catch (XenApiException e)
        {
            WriteXenError(e, repository);
        }
    }

    /// <summary>Guest VMs that are not halted and have a VBD on a disk of this SR.</summary>
    private List<string> VmsUsing(Connection connection, Repository repository)
    {
        var session = connection.Session;
        var vdis = Await(session.GetAllRecordsWhereAsync<Api.Vdi>($"field \"SR\"=\"{repository.OpaqueRef}\"", Cancellation));
        if (vdis.Count == 0)
        {
            return new List<string>();
        }
        var vdiRefs = new HashSet<string>(vdis.Select(v => v.OpaqueRef), StringComparer.Ordinal);
        var active = Await(session.GetAllRecordsWhereAsync<Api.Vm>(
                "not (field \"power_state\"=\"Halted\") and field \"is_control_domain\"=\"false\"", Cancellation))
            .ToDictionary(v => v.OpaqueRef, v => v.NameLabel, StringComparer.Ordinal);
        if (active.Count == 0)
        {
            return new List<string>();
        }
        var vbds = Await(session.GetAllRecordsAsync<Api.Vbd>(Cancellation));
        return vbds.Where(b => !b.VDI.IsNull && vdiRefs.Contains(b.VDI.OpaqueRef) && active.ContainsKey(b.VM.OpaqueRef))
            .Select(b => active[b.VM.OpaqueRef])
            .Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Clears the pool's default, suspend-image and crash-dump SR where they named the removed SR.</summary>
    private void ClearPoolReferences(Connection connection, XenRef<Api.Sr> sr)
    {
        var session = connection.Session;
        var pool = Await(session.GetAllRecordsAsync<Api.Pool>(Cancellation)).FirstOrDefault();
        if (pool == null)
        {
            return;
        }
        var poolRef = new XenRef<Api.Pool>(pool.OpaqueRef);
        if (pool.DefaultSR == sr)
        {
            Await(session.CallAsync<object?>("pool.set_default_SR", Cancellation, poolRef, XenRef<Api.Sr>.Null));
            WriteVerbose("The pool has no default storage repository any more.");
        }
        if (pool.SuspendImageSR == sr)
        {
            Await(session.CallAsync<object?>("pool.set_suspend_image_SR", Cancellation, poolRef, XenRef<Api.Sr>.Null));
        }
        if (pool.CrashDumpSR == sr)
        {
            Await(session.CallAsync<object?>("pool.set_crash_dump_SR", Cancellation, poolRef, XenRef<Api.Sr>.Null));
        }
    }
}
