using System;
using System.Collections.Generic;
using System.Linq;

namespace XenHa;

/// <summary>A VM that stops a host from being evacuated, with the XenAPI reason (host.get_vms_which_prevent_evacuation).</summary>
public sealed class EvacuationBlocker
{
    /// <summary>The VM's name.</summary>
    public string VM { get; internal set; } = "";
    /// <summary>The host that cannot be evacuated.</summary>
    public string Host { get; internal set; } = "";
    /// <summary>The XenAPI error code, e.g. VM_LACKS_FEATURE, VM_REQUIRES_SR, HOST_NOT_ENOUGH_FREE_MEMORY.</summary>
    public string Code { get; internal set; } = "";
    /// <summary>The error parameters, with references replaced by names where known.</summary>
    public string[] Parameters { get; internal set; } = Array.Empty<string>();
    /// <summary>The reason in words.</summary>
    public string Reason { get; internal set; } = "";
    public string VmUuid { get; internal set; } = "";
    public string VmOpaqueRef { get; internal set; } = "";

    public override string ToString() => VM + ": " + Reason;
}

/// <summary>Thrown when a host cannot be evacuated; <see cref="Blockers"/> lists every VM in the way.</summary>
public sealed class EvacuationBlockedException : InvalidOperationException
{
    internal EvacuationBlockedException(string host, IReadOnlyList<EvacuationBlocker> blockers)
        : base(MessageFor(host, blockers))
    {
        HostName = host;
        Blockers = blockers;
    }

    public string HostName { get; }

    public IReadOnlyList<EvacuationBlocker> Blockers { get; }

    private static string MessageFor(string host, IReadOnlyList<EvacuationBlocker> blockers) =>
        $"{host} cannot be evacuated; nothing was changed. {blockers.Count} VM(s) cannot be live-migrated away: "
        + string.Join("; ", blockers.Select(b => b.ToString()))
        + ". Install the guest tools, move the disks to shared storage, free memory on the other hosts, or shut these VMs down first.";
}
