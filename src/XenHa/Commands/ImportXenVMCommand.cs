using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Imports VMs from XVA files over the host's /import handler into a storage repository, streaming
/// each file with progress, and returns the new VMs. The file may come from another pool: networks
/// are matched by name (or bridge) as xapi does. Without -Restore the VM gets new UUIDs and MAC
/// addresses; with -Restore it keeps its identity. A corrupt or truncated file is refused and
/// nothing is created.
/// </summary>
[Cmdlet(VerbsData.Import, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Vm))]
public sealed class ImportXenVMCommand : XenCmdlet
{
    /// <summary>XVA files (e.g. the objects Export-XenVM returns, or files from Get-ChildItem).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The storage repository for the VM's disks (name, UUID or an object from Get-XenRepository).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [XenIdentity]
    [ValidateNotNullOrEmpty]
    public string Repository { get; set; } = "";

    /// <summary>A new name for the imported VM (the exported name if omitted).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Start the VM once it is imported.</summary>
    [Parameter]
    public SwitchParameter Start { get; set; }

    /// <summary>Keep the VM's identity (UUIDs and MAC addresses), as when restoring a backup or moving a VM for good.</summary>
    [Parameter]
    public SwitchParameter Restore { get; set; }

    /// <summary>The pool to import into; the default connection if omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    private Sr? _sr;

    protected override void ProcessRecord()
    {
        var connection = ResolveConnection(Connection);
        var sr = _sr ??= ResolveRepository(connection);
        foreach (var path in Path)
        {
            var file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (!File.Exists(file))
            {
                WriteError(new ErrorRecord(new FileNotFoundException($"The file '{file}' does not exist.", file),
                    "XenHaImportFileNotFound", ErrorCategory.ObjectNotFound, path));
                continue;
            }
            if (!ShouldProcess(file, $"Import into repository '{sr.NameLabel}'" + (Restore ? " keeping the VM's identity" : "")))
            {
                continue;
            }
            try
            {
                WriteObject(Import(connection, sr, file));
            }
            catch (Exception e) when (e is XenApiException || e is TimeoutException || e is IOException)
            {
                var record = ErrorRecords.From(e, file);
                record.ErrorDetails = new ErrorDetails($"Importing '{file}' failed: {e.Message}");
                WriteError(record);
            }
        }
    }

    private Vm Import(Connection connection, Sr sr, string file)
    {
        var progress = new TransferProgress(this);
        var refs = progress.Run($"Importing {System.IO.Path.GetFileName(file)} into '{sr.NameLabel}'", async ct =>
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1024 * 1024, useAsync: true);
            var transfer = new XenHttpTransfer(connection.Session);
            return await transfer.ImportVmAsync(stream, new XenRef<Sr>(sr.OpaqueRef), Restore, false, progress.Report, ct).ConfigureAwait(false);
        });
        if (refs.Count == 0)
        {
            throw new XenProtocolException("The import finished without a VM in the task result.");
        }
        var vm = refs[0];
        if (Name != null)
        {
            Await(connection.Session.CallAsync<object?>("VM.set_name_label", Cancellation, vm, Name));
        }
        if (Start)
        {
            var task = Await(connection.Session.CallAsync<XenRef<XenTask>>("Async.VM.start", Cancellation, vm, false, false));
            new TaskWaiter(this, connection) { Activity = "Starting the imported VM" }.Wait(task, Name ?? file);
        }
        return Await(VmResolver.ReadVmAsync(connection, vm.OpaqueRef, Cancellation));
    }

    private Sr ResolveRepository(Connection connection)
    {
        var srs = Await(connection.Session.GetAllRecordsAsync<Sr>(Cancellation));
        var matches = VmResolver.Match(srs, Repository, s => s.NameLabel, s => s.Uuid);
        if (matches.Count != 1)
        {
            ThrowTerminatingError(matches.Count == 0
                ? ErrorRecords.NotFound("repository", Repository, "XenHaRepositoryNotFound")
                : new ErrorRecord(new ArgumentException($"{matches.Count} repositories are named '{Repository}'; give its UUID instead."),
                    "XenHaRepositoryAmbiguous", ErrorCategory.InvalidArgument, Repository));
        }
        return matches[0];
    }
}
