using System.Collections.Generic;
using Api = XenHa.Client;

namespace XenHa;

/// <summary>The operating system family a template installs.</summary>
public enum OsFamily
{
    Other,
    Linux,
    Windows,
}

/// <summary>A VM template as shown by Get-XenTemplate: what New-XenVM creates from it.</summary>
public sealed class Template
{
    public string Name { get; internal set; } = "";
    public OsFamily OsFamily { get; internal set; }
    /// <summary>Memory a new VM gets (memory_static_max), in GiB.</summary>
    public double MemoryGB { get; internal set; }
    /// <summary>The least memory a VM from this template may have (memory_static_min), in GiB.</summary>
    public double MinMemoryGB { get; internal set; }
    /// <summary>The most memory the template recommends (recommendations memory-static-max), in GiB; 0 when it sets none.</summary>
    public double MaxMemoryGB { get; internal set; }
    /// <summary>Virtual CPUs a new VM gets (VCPUs_at_startup).</summary>
    public long CpuCount { get; internal set; }
    /// <summary>The most virtual CPUs the template recommends (recommendations vcpus-max); 0 when it sets none.</summary>
    public long MaxCpuCount { get; internal set; }
    /// <summary>Total size of the disks the template's provisioning recipe creates, in GiB.</summary>
    public double DiskGB { get; internal set; }
    /// <summary>The disks of the provisioning recipe (other_config:disks).</summary>
    public IReadOnlyList<TemplateDisk> Disks { get; internal set; } = new List<TemplateDisk>();
    /// <summary>A built-in template shipped with the server (cannot be deleted).</summary>
    public bool IsDefault { get; internal set; }
    public string Description { get; internal set; } = "";
    public string PoolName { get; internal set; } = "";
    public string Uuid { get; internal set; } = "";
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;
    /// <summary>The raw XenAPI record.</summary>
    public Api.Vm Record { get; internal set; } = null!;

    public override string ToString() => Name;
}

/// <summary>One disk of a template's provisioning recipe.</summary>
public sealed class TemplateDisk
{
    /// <summary>The VBD user device ("0" is the first disk).</summary>
    public string Device { get; internal set; } = "";
    public double SizeGB { get; internal set; }
    public long SizeBytes { get; internal set; }
    public bool Bootable { get; internal set; }
    /// <summary>system, user, ephemeral, suspend or crashdump.</summary>
    public string Type { get; internal set; } = "";

    public override string ToString() => $"{Device}: {SizeGB} GB {Type}";
}
