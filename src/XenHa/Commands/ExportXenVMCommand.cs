using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Exports halted or suspended VMs to XVA files over the host's /export handler: the image streams
/// straight to disk (never held in memory) under a temporary name that becomes the final name only
/// when the export succeeded. Ctrl+C cancels the server task and removes the partial file. With
/// several VMs, -Path is a folder and each VM goes to "&lt;name&gt;.xva".
/// </summary>
[Cmdlet(VerbsData.Export, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = NameSet)]
[OutputType(typeof(VmExport))]
public sealed class ExportXenVMCommand : VmTargetCmdlet
{
    /// <summary>The XVA file to write, or an existing folder to write "&lt;VM name&gt;.xva" files into.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Have the host gzip the image (smaller file, more host CPU).</summary>
    [Parameter]
    public SwitchParameter Compress { get; set; }

    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private readonly HashSet<string> _written = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    protected override void ProcessVm(Vm vm)
    {
        var file = TargetFile(vm);
        if (file == null)
        {
            return;
        }
        if (!ShouldProcess($"VM '{vm.Name}'", $"Export to {file}"))
        {
            return;
        }
        if (File.Exists(file) && !Force)
        {
            WriteError(new ErrorRecord(new IOException($"The file '{file}' exists. Use -Force to overwrite it."),
                "XenHaExportFileExists", ErrorCategory.ResourceExists, file));
            return;
        }

        var partial = file + ".partial";
        var progress = new TransferProgress(this);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long bytes;
        var done = false;
        try
        {
            bytes = progress.Run($"Exporting VM '{vm.Name}' to {System.IO.Path.GetFileName(file)}", async ct =>
            {
                using var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1024 * 1024, useAsync: true);
                var transfer = new XenHttpTransfer(vm.Connection.Session);
                return await transfer.ExportVmAsync(new XenRef<Api.Vm>(vm.OpaqueRef), stream, Compress, progress.Report, ct).ConfigureAwait(false);
            });
            if (File.Exists(file))
            {
                File.Delete(file);
            }
            File.Move(partial, file);
            done = true;
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "XenHaExportFileError", ErrorCategory.WriteError, file));
            return;
        }
        finally
        {
            if (!done && File.Exists(partial))
            {
                File.Delete(partial);
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        WriteObject(new VmExport
        {
            VmName = vm.Name,
            VmUuid = vm.Uuid,
            Path = file,
            SizeMB = Math.Round(bytes / 1048576.0, 1),
            Seconds = Math.Round(seconds, 2),
            MBPerSecond = seconds > 0 ? Math.Round(bytes / 1048576.0 / seconds, 1) : 0,
            Compressed = Compress,
            PoolName = vm.PoolName,
        });
    }

    /// <summary>The file for this VM: Path itself, or Path\&lt;name&gt;.xva when Path is a folder.</summary>
    private string? TargetFile(Vm vm)
    {
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        string file;
        if (Directory.Exists(path))
        {
            var name = new string(vm.Name.Select(c => System.IO.Path.GetInvalidFileNameChars().Contains(c) ? '_' : c).ToArray());
            file = System.IO.Path.Combine(path, (name.Length == 0 ? vm.Uuid : name) + ".xva");
        }
        else
        {
            file = path;
            var folder = System.IO.Path.GetDirectoryName(file);
            if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            {
                WriteError(new ErrorRecord(new DirectoryNotFoundException($"The folder '{folder}' does not exist."),
                    "XenHaExportFolderNotFound", ErrorCategory.ObjectNotFound, folder));
                return null;
            }
        }
        if (!_written.Add(file))
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"Several VMs would be exported to '{file}'. Give -Path an existing folder to export several VMs."),
                "XenHaExportPathNotFolder", ErrorCategory.InvalidArgument, vm));
            return null;
        }
        return file;
    }
}
