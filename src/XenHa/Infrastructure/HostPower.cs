using System;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Restart-XenHost / Stop-XenHost in the safe order: check that every VM can leave, disable,
/// evacuate (live-migrate the VMs away), hand the coordinator role over if needed, then host.reboot
/// or host.shutdown, and wait (bounded, with progress) until the host is back or down.
/// </summary>
internal sealed class HostPower
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private readonly XenCmdlet _cmdlet;

    public HostPower(XenCmdlet cmdlet, bool reboot)
    {
        _cmdlet = cmdlet;
        Reboot = reboot;
    }

    public bool Reboot { get; }

    public string? NewCoordinator { get; set; }

    public TimeSpan EvacuateTimeout { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan PowerTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Runs the sequence for one host; returns the connection to use afterwards (null when declined).</summary>
    public Connection? Run(Connection connection, Api.Host host, Func<string, string, bool> shouldProcess)
    {
        var verb = Reboot ? "restart" : "shut down";
        var maintenance = new HostMaintenance(_cmdlet, connection);
        var isCoordinator = connection.Session.CoordinatorRef.OpaqueRef == host.OpaqueRef;
        Api.Host? successor = null;
        if (isCoordinator)
        {
            successor = maintenance.ChooseCoordinator(host, NewCoordinator, out var why);
            if (successor == null)
            {
                _cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"{host.NameLabel} is the pool coordinator and no member can take the role over: {why} Nothing was changed."),
                    "XenHaNoNewCoordinator", ErrorCategory.InvalidOperation, host.NameLabel));
            }
        }
        maintenance.AssertCanEvacuate(host);
        var vms = maintenance.ResidentVms(host);
        var plan = maintenance.Plan(host, vms);
        var action = $"Disable, live-migrate {vms.Count} VM(s) away"
                     + (plan.Count > 0 ? " (" + string.Join(", ", plan.Select(p => p.Vm.NameLabel + " -> " + p.Target)) + ")" : "")
                     + (successor != null ? $", hand the coordinator role to {successor.NameLabel}" : "")
                     + $", then {verb} the host";
        if (!shouldProcess(host.NameLabel, action))
        {
            return null;
        }

        maintenance.DisableAndEvacuate(host, vms, mark: false, EvacuateTimeout);
        if (successor != null)
        {
            maintenance.HandOver(successor, EvacuateTimeout);
            connection = maintenance.Connection;
        }

        var hostRef = new XenRef<Api.Host>(host.OpaqueRef);
        var method = Reboot ? "Async.host.reboot" : "Async.host.shutdown";
        _cmdlet.WriteVerbose($"Calling {method} on {host.NameLabel}.");
        var started = DateTime.UtcNow;
        var task = _cmdlet.AwaitCall(connection.Session.CallAsync<XenRef<XenTask>>(method, _cmdlet.StopToken, hostRef));
        new TaskWaiter(_cmdlet, connection) { Activity = $"{(Reboot ? "Restarting" : "Shutting down")} {host.NameLabel}", ActivityId = 30, CancelOnStop = false, Timeout = PowerTimeout }
            .Wait(task, "Asking the host to " + verb);
        WaitForState(connection, host, started);
        return connection;
    }

    /// <summary>
    /// Reboot: until the host has been seen down, or its boot_time (other_config, set by xapi at start)
    /// has changed, and is live and enabled again; a quick reboot can happen between two polls.
    /// Shutdown: until it is not live.
    /// </summary>
    private void WaitForState(Connection connection, Api.Host host, DateTime started)
    {
        var deadline = started + PowerTimeout;
        var progress = new ProgressRecord(31, $"{(Reboot ? "Restarting" : "Shutting down")} {host.NameLabel}", "Waiting for the host");
        var sawDown = false;
        var shown = false;
        host.OtherConfig.TryGetValue("boot_time", out var bootBefore);
        try
        {
            while (true)
            {
                var (live, enabled, bootTime) = ReadState(connection, host);
                sawDown |= !live || (bootBefore != null && bootTime != null && bootTime != bootBefore);
                if (!Reboot && !live)
                {
                    _cmdlet.WriteVerbose($"{host.NameLabel} is down.");
                    return;
                }
                if (Reboot && sawDown && live && enabled)
                {
                    _cmdlet.WriteVerbose($"{host.NameLabel} is back, live and enabled.");
                    return;
                }
                var elapsed = DateTime.UtcNow - started;
                if (DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException(Reboot
                        ? $"{host.NameLabel} was not back (live and enabled) within {PowerTimeout.TotalSeconds:0} s of the reboot; check it with Get-XenHost."
                        : $"{host.NameLabel} still looked live {PowerTimeout.TotalSeconds:0} s after the shutdown; check it with Get-XenHost.");
                }
                progress.StatusDescription = Reboot
                    ? (sawDown ? "Waiting for the host to come back" : "Waiting for the host to go down") + $" ({elapsed.TotalSeconds:0} s)"
                    : $"Waiting for the host to power off ({elapsed.TotalSeconds:0} s)";
                progress.PercentComplete = (int)Math.Min(99, 100 * elapsed.TotalSeconds / PowerTimeout.TotalSeconds);
                _cmdlet.WriteProgress(progress);
                shown = true;
                if (_cmdlet.StopToken.WaitHandle.WaitOne(Poll))
                {
                    throw new PipelineStoppedException();
                }
            }
        }
        finally
        {
            if (shown && !_cmdlet.StopToken.IsCancellationRequested)
            {
                progress.RecordType = ProgressRecordType.Completed;
                _cmdlet.WriteProgress(progress);
            }
        }
    }

    private (bool Live, bool Enabled, string? BootTime) ReadState(Connection connection, Api.Host host)
    {
        var record = _cmdlet.AwaitCall(connection.Session.GetRecordAsync(new XenRef<Api.Host>(host.OpaqueRef), _cmdlet.StopToken));
        var metrics = _cmdlet.AwaitCall(connection.Session.GetRecordAsync(record.Metrics, _cmdlet.StopToken));
        record.OtherConfig.TryGetValue("boot_time", out var bootTime);
        return (metrics.Live, record.Enabled, bootTime);
    }
}
