using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Changes a pool's name, description and default storage repository. Setting the default SR also
/// sets the suspend-image and crash-dump SRs, as XenCenter does. Values that already match are not
/// set again.
/// </summary>
[Cmdlet(VerbsCommon.Set, "XenPool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ConnectionSet)]
[OutputType(typeof(Pool))]
public sealed class SetXenPoolCommand : XenCmdlet
{
    private const string ConnectionSet = "Connection";
    private const string PoolSet = "Pool";

    /// <summary>The pool to change (from Get-XenPool).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PoolSet)]
    [ValidateNotNull]
    public Pool Pool { get; set; } = null!;

    /// <summary>The pool's connection; the default connection when omitted.</summary>
    [Parameter(ParameterSetName = ConnectionSet)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    /// <summary>The new name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>The new description.</summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>The default storage repository: a name, a UUID or an object from Get-XenRepository.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RepositoryNameCompleter))]
    public string? DefaultRepository { get; set; }

    /// <summary>Return the pool after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var connection = ParameterSetName == PoolSet ? Pool.Connection : ResolveConnection(Connection);
        var session = connection.Session;
        try
        {
            var pool = Await(session.GetAllRecordsAsync<Api.Pool>(Cancellation)).Single();
            var poolRef = new XenRef<Api.Pool>(pool.OpaqueRef);
            var label = pool.NameLabel.Length > 0 ? pool.NameLabel : connection.ToString();
            Api.Sr? sr = null;
            if (DefaultRepository != null)
            {
                sr = ResolveRepository(session, DefaultRepository);
                if (sr == null)
                {
                    return;
                }
            }
            if (Name != null && pool.NameLabel != Name && ShouldProcess(label, $"Rename the pool to '{Name}'"))
            {
                Await(session.CallAsync<object?>("pool.set_name_label", Cancellation, poolRef, Name));
                connection.PoolName = Name;
            }
            if (Description != null && pool.NameDescription != Description && ShouldProcess(label, $"Set the description to '{Description}'"))
            {
                Await(session.CallAsync<object?>("pool.set_name_description", Cancellation, poolRef, Description));
            }
            if (sr != null)
            {
                var srRef = new XenRef<Api.Sr>(sr.OpaqueRef);
                var needed = pool.DefaultSR != srRef || pool.SuspendImageSR != srRef || pool.CrashDumpSR != srRef;
                if (needed && ShouldProcess(label, $"Make '{sr.NameLabel}' the default storage repository (also for suspend images and crash dumps)"))
                {
                    if (!sr.Shared)
                    {
                        WriteWarning($"'{sr.NameLabel}' is not shared: VMs on it cannot move between hosts or be protected by HA.");
                    }
                    if (pool.DefaultSR != srRef)
                    {
                        Await(session.CallAsync<object?>("pool.set_default_SR", Cancellation, poolRef, srRef));
                    }
                    if (pool.SuspendImageSR != srRef)
                    {
                        Await(session.CallAsync<object?>("pool.set_suspend_image_SR", Cancellation, poolRef, srRef));
                    }
                    if (pool.CrashDumpSR != srRef)
                    {
                        Await(session.CallAsync<object?>("pool.set_crash_dump_SR", Cancellation, poolRef, srRef));
                    }
                }
            }
            if (PassThru)
            {
                WriteObject(Await(PoolReader.ReadPoolAsync(connection, Cancellation)));
            }
        }
        catch (XenApiException e)
        {
            WriteXenError(e, connection);
        }
    }

    /// <summary>The SR by UUID, else by exact name; writes an error and returns null when none or several match.</summary>
    private Api.Sr? ResolveRepository(XenSession session, string value)
    {
        var srs = Await(session.GetAllRecordsAsync<Api.Sr>(Cancellation));
        var byUuid = srs.FirstOrDefault(s => string.Equals(s.Uuid, value, StringComparison.OrdinalIgnoreCase));
        if (byUuid != null)
        {
            return byUuid;
        }
        var byName = srs.Where(s => string.Equals(s.NameLabel, value, StringComparison.Ordinal)).ToList();
        if (byName.Count == 0)
        {
            byName = srs.Where(s => string.Equals(s.NameLabel, value, StringComparison.OrdinalIgnoreCase)).ToList();
        }
        if (byName.Count == 1)
        {
            return byName[0];
        }
        WriteError(byName.Count == 0
            ? ErrorRecords.NotFound("storage repository", value, "XenHaRepositoryNotFound")
            : new ErrorRecord(new InvalidOperationException(
                    $"{byName.Count} storage repositories are named '{value}'; give the UUID instead ({string.Join(", ", byName.Select(s => s.Uuid))}). Nothing was changed."),
                "XenHaRepositoryAmbiguous", ErrorCategory.InvalidArgument, value));
        return null;
    }
}
