using System;
using System.Collections.Generic;

namespace XenHa.Simulator.Farm;

/// <summary>A XenAPI user with an RBAC role (pool-admin, pool-operator, vm-power-admin, vm-admin, vm-operator, read-only).</summary>
public sealed record SimUser(string Name, string Password, string Role);

/// <summary>A farm described by counts plus a preset (style idiom 17).</summary>
public sealed class FarmOptions
{
    /// <summary>Number of hosts (xennode01..xennodeNN).</summary>
    public int Hosts { get; set; } = 3;

    /// <summary>none | pooled | pooled-with-vms.</summary>
    public string Preset { get; set; } = "none";

    /// <summary>API version to emulate: 1.7, 2.15 or 2.21.</summary>
    public string ApiVersion { get; set; } = "2.21";

    public long MemoryGb { get; set; } = 256;
    public int Cpus { get; set; } = 16;
    public string User { get; set; } = "root";
    public string Password { get; set; } = "xenroot";

    /// <summary>XenAPI users besides the local superuser, each with an RBAC role (--user-role).</summary>
    public List<SimUser> Users { get; } = new();

    /// <summary>Guest VMs per host in the pooled-with-vms preset.</summary>
    public int VmsPerHost { get; set; } = 2;

    /// <summary>Total guest VMs in the pooled-with-vms preset, spread evenly over the hosts (null: <see cref="VmsPerHost"/> each).</summary>
    public int? Vms { get; set; }

    /// <summary>How many guest VMs host k (1-based) gets in the pooled-with-vms preset.</summary>
    public int GuestVmsOn(int k) => Vms is { } total ? total / Hosts + (k <= total % Hosts ? 1 : 0) : VmsPerHost;

    /// <summary>NFS exports SERVER:/PATH[,SIZE-GB] (replace the default NAS exports when any is given).</summary>
    public List<string> Nfs { get; } = new();

    /// <summary>iSCSI targets ADDRESS[:PORT],IQN,SIZE-GB[+SIZE-GB...][,CHAPUSER:CHAPPASSWORD].</summary>
    public List<string> Iscsi { get; } = new();

    /// <summary>SMB shares //SERVER/SHARE[,USER:PASSWORD].</summary>
    public List<string> Cifs { get; } = new();

    /// <summary>No default storage back-ends (only the ones given explicitly).</summary>
    public bool NoDefaultStorage { get; set; }

    /// <summary>Unlicensed free edition: pools are limited to 3 hosts (LICENCE_RESTRICTION ["Pool_size"] on join).</summary>
    public bool FreeEdition { get; set; }

    /// <summary>Without HA, a silent host is marked not live after this many simulated seconds (xapi: 600).</summary>
    public double LivenessTimeoutSeconds { get; set; } = 600;

    /// <summary>MiB of deterministic data at the start of each simulated disk (what an XVA export carries).</summary>
    public int DiskContentMb { get; set; } = 4;

    public static readonly string[] Presets = { "none", "pooled", "pooled-with-vms" };

    public static readonly string[] ApiVersions = { "1.7", "2.15", "2.21" };

    public void Validate()
    {
        if (Hosts < 1 || Hosts > 250) throw new ArgumentException("--hosts must be 1..250");
        if (Array.IndexOf(Presets, Preset) < 0) throw new ArgumentException("unknown preset " + Preset);
        if (Array.IndexOf(ApiVersions, ApiVersion) < 0) throw new ArgumentException("unsupported API version " + ApiVersion);
        if (MemoryGb < 8) throw new ArgumentException("--memory-gb must be >= 8");
        if (!(LivenessTimeoutSeconds > 0)) throw new ArgumentException("--liveness-timeout must be > 0");
        if (DiskContentMb is < 0 or > 65536) throw new ArgumentException("--disk-content-mb must be 0..65536");
        if (Cpus < 1) throw new ArgumentException("--cpus must be >= 1");
        var names = new HashSet<string>(StringComparer.Ordinal) { User };
        foreach (var user in Users)
        {
            if (Handlers.Rbac.Normalize(user.Role) is null)
                throw new ArgumentException($"unknown role {user.Role} for user {user.Name} (roles: {string.Join(", ", Handlers.Rbac.Roles)})");
            if (!names.Add(user.Name)) throw new ArgumentException("user " + user.Name + " is given twice");
            if (string.IsNullOrEmpty(user.Password)) throw new ArgumentException("user " + user.Name + " has no password");
        }

        if (Vms is { } vms && (vms < 0 || vms > 100000)) throw new ArgumentException("--vms must be 0..100000");
        if (Vms is not null && Preset != "pooled-with-vms") throw new ArgumentException("--vms needs --preset pooled-with-vms");
        _ = Storage.StorageBackends.FromOptions(this);
    }
}
