using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.InteropServices;

namespace XenHa.Infrastructure;

/// <summary>The simulators this PowerShell session started; they are stopped when the module is removed.</summary>
internal static class SimulatorProcesses
{
    private static readonly object Gate = new object();
    private static readonly List<SimulatorInstance> Running = new List<SimulatorInstance>();

    public static void Add(SimulatorInstance instance)
    {
        lock (Gate) { Running.Add(instance); }
    }

    public static IReadOnlyList<SimulatorInstance> All
    {
        get { lock (Gate) { return Running.ToArray(); } }
    }

    /// <summary>Asks the process to exit (SIGTERM on Unix), then kills it after the grace period.</summary>
    public static void Stop(SimulatorInstance instance, TimeSpan grace)
    {
        lock (Gate) { Running.Remove(instance); }
        var process = instance.Process;
        if (process.HasExited)
        {
            return;
        }
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            kill(process.Id, SigTerm);
        }
        if (!process.WaitForExit((int)grace.TotalMilliseconds))
        {
            process.Kill();
            process.WaitForExit(5000);
        }
    }

    public static void StopAll()
    {
        foreach (var instance in All)
        {
            try
            {
                Stop(instance, TimeSpan.FromSeconds(2));
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
#pragma warning disable IDE1006 // the C name
    private static extern int kill(int pid, int sig);
#pragma warning restore IDE1006
}

/// <summary>Stops simulators left running when the module is removed (Remove-Module or session end).</summary>
public sealed class ModuleCleanup : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo) => SimulatorProcesses.StopAll();
}
