using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa;

/// <summary>A running xensim process started by Start-XenSimulator.</summary>
public sealed class SimulatorInstance
{
    internal SimulatorInstance(Process process, string url, IReadOnlyList<string> hostUrls, string thumbprint,
        PSCredential credential, int hostCount, string preset, string controlUrl = "", string controlToken = "")
    {
        ControlUrl = controlUrl;
        if (controlUrl.Length > 0 && controlToken.Length > 0 && Uri.TryCreate(controlUrl, UriKind.Absolute, out var controlUri))
        {
            Control = new SimulatorControl(controlUri, controlToken);
        }
        Process = process;
        Url = url;
        HostUrls = hostUrls;
        Thumbprint = thumbprint;
        Credential = credential;
        HostCount = hostCount;
        Preset = preset;
        ProcessId = process.Id;
        StartTime = DateTime.Now;
    }

    /// <summary>The URL of the first host (the coordinator in pooled presets).</summary>
    public string Url { get; }

    /// <summary>One URL per simulated host, in host order (xennode01 first).</summary>
    public IReadOnlyList<string> HostUrls { get; }

    public int HostCount { get; }

    public string Preset { get; }

    /// <summary>SHA-256 thumbprint of the self-signed certificate, "" without -Tls.</summary>
    public string Thumbprint { get; }

    /// <summary>The root credential the simulated hosts accept.</summary>
    public PSCredential Credential { get; }

    /// <summary>
    /// The simulator's control plane (power, partitions, storage loss, call faults), used by the
    /// *-XenSimulatorHost and *-XenSimulatorFault cmdlets; "" when this xensim has none. Its token stays private.
    /// </summary>
    public string ControlUrl { get; }

    public int ProcessId { get; }

    public DateTime StartTime { get; }

    public bool HasExited => Process.HasExited;

    internal Process Process { get; }

    /// <summary>The control-plane client (holds the bearer token); null without a control plane.</summary>
    internal SimulatorControl? Control { get; }

    internal List<string> ErrorLines { get; } = new List<string>();

    public override string ToString() => Url;
}
