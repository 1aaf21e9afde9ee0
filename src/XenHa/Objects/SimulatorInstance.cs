using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;

namespace XenHa;

/// <summary>A running xensim process started by Start-XenSimulator.</summary>
public sealed class SimulatorInstance
{
    internal SimulatorInstance(Process process, string url, IReadOnlyList<string> hostUrls, string thumbprint,
        PSCredential credential, int hostCount, string preset)
    {
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

    public int ProcessId { get; }

    public DateTime StartTime { get; }

    public bool HasExited => Process.HasExited;

    internal Process Process { get; }

    internal List<string> ErrorLines { get; } = new List<string>();

    public override string ToString() => Url;
}
