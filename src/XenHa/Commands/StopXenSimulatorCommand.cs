using System;
using System.Linq;
using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Stops simulators started by Start-XenSimulator.</summary>
[Cmdlet(VerbsLifecycle.Stop, "XenSimulator", SupportsShouldProcess = true, DefaultParameterSetName = InstanceSet)]
[OutputType(typeof(void))]
public sealed class StopXenSimulatorCommand : XenCmdlet
{
    private const string InstanceSet = "Instance";
    private const string AllSet = "All";

    /// <summary>The simulators to stop (the objects Start-XenSimulator returned).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InstanceSet)]
    [ValidateNotNull]
    public SimulatorInstance[] InputObject { get; set; } = Array.Empty<SimulatorInstance>();

    /// <summary>Stop every simulator this session started.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>Seconds to let the simulator exit cleanly before it is killed.</summary>
    [Parameter]
    [ValidateRange(0, 600)]
    public int TimeoutSeconds { get; set; } = 10;

    protected override void ProcessRecord()
    {
        var targets = All ? SimulatorProcesses.All.ToArray() : InputObject;
        foreach (var instance in targets)
        {
            if (!ShouldProcess($"xensim (PID {instance.ProcessId}, {instance.Url})", "Stop"))
            {
                continue;
            }
            try
            {
                SimulatorProcesses.Stop(instance, TimeSpan.FromSeconds(TimeoutSeconds));
            }
            catch (InvalidOperationException e)
            {
                WriteError(new ErrorRecord(e, "XenHaSimulatorStopFailed", ErrorCategory.CloseError, instance));
            }
        }
    }
}
