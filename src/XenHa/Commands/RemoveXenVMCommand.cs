using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Deletes halted or suspended VMs (VM.destroy). The VM's disks are kept unless -DeleteDisks is
/// given; then the VM's own disk VDIs are destroyed after the VM, never ISOs, CD images, disks
/// marked sharable or disks another VM also uses. A running VM is refused by xapi
/// (VM_BAD_POWER_STATE) and nothing is deleted.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "XenVM", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
[OutputType(typeof(void))]
public sealed class RemoveXenVMCommand : VmTargetCmdlet
{
    /// <summary>Also destroy the VM's own virtual disks (VDIs). Without it the disks stay on their repositories.</summary>
    [Parameter]
    public SwitchParameter DeleteDisks { get; set; }

    protected override void ProcessVm(Vm vm)
    {
        var session = vm.Connection.Session;
        var disks = new List<Vdi>();
        if (DeleteDisks)
        {
            disks = OwnDisks(vm);
        }
        var action = DeleteDisks
            ? disks.Count == 0 ? "Delete the VM (it has no disks of its own)" : $"Delete the VM and {disks.Count} disk(s): {string.Join(", ", disks.Select(DiskName))}"
            : "Delete the VM (its disks are kept)";
        if (!ShouldProcess($"VM '{vm.Name}'", action))
        {
            return;
        }
        // VM.destroy first: xapi refuses a running VM, and then no disk has been touched.
        Await(session.CallAsync<object?>("VM.destroy", Cancellation, vm.OpaqueRef));
        foreach (var disk in disks)
        {
            try
            {
                Await(session.CallAsync<object?>("VDI.destroy", Cancellation, disk.OpaqueRef));
            }
            catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException)
            {
                var record = ErrorRecords.From(e, disk);
                record.ErrorDetails = new ErrorDetails(
                    $"VM '{vm.Name}' was deleted, but its disk {DiskName(disk)} (VDI {disk.Uuid}) was not: {e.Message}");
                WriteError(record);
            }
        }
    }

    /// <summary>The VM's disk VDIs that belong to it alone: not CDs/ISOs, not sharable, not used by another VM.</summary>
    private List<Vdi> OwnDisks(Vm vm)
    {
        var session = vm.Connection.Session;
        var vbds = Await(session.GetAllRecordsWhereAsync<Vbd>($"field \"VM\"=\"{vm.OpaqueRef}\"", Cancellation));
        var result = new List<Vdi>();
        foreach (var vbd in vbds.Where(b => !b.VDI.IsNull && !string.Equals(b.Type, "CD", StringComparison.OrdinalIgnoreCase)))
        {
            var vdi = Await(session.GetRecordAsync(vbd.VDI, Cancellation));
            if (vdi.Sharable || vdi.IsToolsIso || vdi.Type == "iso" || vdi.VBDs.Any(other => other.OpaqueRef != vbd.OpaqueRef && !vbds.Any(b => b.OpaqueRef == other.OpaqueRef)))
            {
                continue;
            }
            var sr = Await(session.GetRecordAsync(vdi.SR, Cancellation));
            if (string.Equals(sr.ContentType, "iso", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            result.Add(vdi);
        }
        return result;
    }

    private static string DiskName(Vdi vdi) =>
        (string.IsNullOrEmpty(vdi.NameLabel) ? vdi.Uuid : "'" + vdi.NameLabel + "'")
        + string.Format(System.Globalization.CultureInfo.InvariantCulture, " ({0:0.##} GB)", vdi.VirtualSize / (1024.0 * 1024 * 1024));
}
