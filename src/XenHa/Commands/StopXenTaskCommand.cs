using System;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;
using Api = XenHa.Client;

namespace XenHa.Commands;

/// <summary>
/// Cancels XenAPI tasks (task.cancel). Only tasks whose operation allows it can be cancelled; for
/// the others the server's OPERATION_NOT_ALLOWED is reported and the task keeps running.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "XenTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(TaskInfo))]
public sealed class StopXenTaskCommand : XenCmdlet
{
    /// <summary>The tasks to cancel (from Get-XenTask or Move-XenVM -NoWait).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public TaskInfo[] Task { get; set; } = Array.Empty<TaskInfo>();

    /// <summary>Return each task, refreshed, after asking for the cancellation.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var task in Task)
        {
            if (!ShouldProcess(task.ToString(), "Cancel the task"))
            {
                continue;
            }
            var reference = new XenRef<XenTask>(task.OpaqueRef);
            try
            {
                Await(task.Connection.Session.CallAsync<object?>("task.cancel", Cancellation, reference));
            }
            catch (XenApiException e)
            {
                var record = ErrorRecords.From(e, task);
                if (e.Code == "OPERATION_NOT_ALLOWED")
                {
                    record.ErrorDetails = new ErrorDetails(
                        $"The task {task} cannot be cancelled (its operation does not allow it, or it has finished); it was left as it is. (OPERATION_NOT_ALLOWED)");
                }
                WriteError(record);
                continue;
            }
            if (PassThru)
            {
                try
                {
                    var hosts = Await(task.Connection.Session.GetAllRecordsAsync<Api.Host>(Cancellation)).ToDictionary(h => h.OpaqueRef, h => h.NameLabel);
                    WriteObject(TaskInfo.From(Await(task.Connection.Session.GetRecordAsync(reference, Cancellation)), task.Connection, hosts, task.Target, task.TargetRef));
                }
                catch (XenApiException e)
                {
                    WriteXenError(e, task);
                }
            }
        }
    }
}
