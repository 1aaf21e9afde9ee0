using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using XenHa.Simulator.Farm;

namespace XenHa.Simulator.Storage;

/// <summary>What a back-end remembers of a VDI (so a reattach finds it again).</summary>
internal sealed record StoredVdi(string Uuid, string NameLabel, string NameDescription, long VirtualSize, long PhysicalUtilisation, string Type);

/// <summary>An SR as it lives on an export or a LUN: its uuid, type and the VDIs last seen.</summary>
internal sealed class StoredSr
{
    public StoredSr(string uuid, string type) { Uuid = uuid; Type = type; }

    public string Uuid { get; }
    public string Type { get; }
    public List<StoredVdi> Vdis { get; set; } = new();
}

/// <summary>One NFS export of a NAS; SRs live in &lt;path&gt;/&lt;sr-uuid&gt;/.</summary>
internal sealed class NfsExport
{
    public required string Path { get; init; }
    public long Capacity { get; init; }
    public Dictionary<string, StoredSr> Srs { get; } = new(StringComparer.Ordinal);
    public List<(string Name, long Size)> IsoFiles { get; } = new();
}

/// <summary>A NAS: an address, optional DNS names, supported NFS versions and exports.</summary>
internal sealed class NfsServer
{
    public required string Address { get; init; }
    public List<string> Names { get; } = new();
    public List<string> Versions { get; } = new() { "3", "4" };
    public List<NfsExport> Exports { get; } = new();

    public NfsExport? Export(string path) => Exports.FirstOrDefault(e => e.Path == Norm(path));

    public static string Norm(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}

internal sealed class IscsiLun
{
    public required int Id { get; init; }
    public required string ScsiId { get; init; }
    public required long Size { get; init; }
    public required string Serial { get; init; }
    public StoredSr? Sr { get; set; }
}

/// <summary>An iSCSI target portal with one IQN and its LUNs.</summary>
internal sealed class IscsiTarget
{
    public required string Address { get; init; }
    public List<string> Names { get; } = new();
    public int Port { get; init; } = 3260;
    public required string Iqn { get; init; }
    public string ChapUser { get; init; } = "";
    public string ChapPassword { get; init; } = "";
    public List<IscsiLun> Luns { get; } = new();
}

/// <summary>An SMB share for ISOs.</summary>
internal sealed class CifsShare
{
    public required string Server { get; init; }
    public required string Share { get; init; }
    public string User { get; init; } = "";
    public string Password { get; init; } = "";
    public List<(string Name, long Size)> IsoFiles { get; } = new();
}

/// <summary>The farm's storage back-ends (shared by every pool of the farm). Access under the farm lock.</summary>
internal sealed class StorageBackends
{
    private const long GiB = 1024L * 1024 * 1024;

    public List<NfsServer> Nfs { get; } = new();
    public List<IscsiTarget> Iscsi { get; } = new();
    public List<CifsShare> Cifs { get; } = new();

    /// <summary>Builds the back-ends from the farm options (defaults when none are given).</summary>
    public static StorageBackends FromOptions(FarmOptions o)
    {
        var b = new StorageBackends();
        if (o.NoDefaultStorage && o.Nfs.Count == 0 && o.Iscsi.Count == 0 && o.Cifs.Count == 0) return b;
        foreach (var spec in o.Nfs.Count > 0 ? o.Nfs : (o.NoDefaultStorage ? new List<string>() : StorageDefaults.Nfs.ToList())) b.AddNfs(spec);
        foreach (var spec in o.Iscsi.Count > 0 ? o.Iscsi : (o.NoDefaultStorage ? new List<string>() : StorageDefaults.Iscsi.ToList())) b.AddIscsi(spec);
        foreach (var spec in o.Cifs.Count > 0 ? o.Cifs : (o.NoDefaultStorage ? new List<string>() : StorageDefaults.Cifs.ToList())) b.AddCifs(spec);
        return b;
    }

    /// <summary>SERVER:/PATH[,SIZE-GB] (server = name or address; the default NAS name nas01 maps to 192.0.2.10).</summary>
    public void AddNfs(string spec)
    {
        var parts = spec.Split(',');
        var colon = parts[0].IndexOf(":/", StringComparison.Ordinal);
        if (colon <= 0) throw new ArgumentException("--nfs expects SERVER:/PATH[,SIZE-GB], got " + spec);
        var server = parts[0].Substring(0, colon);
        var path = NfsServer.Norm(parts[0].Substring(colon + 1));
        var size = parts.Length > 1 ? long.Parse(parts[1], CultureInfo.InvariantCulture) * GiB : 2048 * GiB;
        var (address, name) = Resolve(server);
        var nas = Nfs.FirstOrDefault(n => n.Address == address);
        if (nas is null)
        {
            nas = new NfsServer { Address = address };
            if (name is not null) nas.Names.Add(name);
            Nfs.Add(nas);
        }

        if (nas.Export(path) is not null) throw new ArgumentException("duplicate NFS export " + spec);
        var export = new NfsExport { Path = path, Capacity = size };
        if (path.Contains("iso", StringComparison.OrdinalIgnoreCase))
            foreach (var f in StorageDefaults.IsoFiles) export.IsoFiles.Add(f);
        nas.Exports.Add(export);
    }

    /// <summary>ADDRESS[:PORT],IQN,SIZE-GB[+SIZE-GB...][,CHAPUSER:CHAPPASSWORD].</summary>
    public void AddIscsi(string spec)
    {
        var parts = spec.Split(',');
        if (parts.Length < 3) throw new ArgumentException("--iscsi expects ADDRESS[:PORT],IQN,SIZE-GB[+SIZE-GB...][,CHAPUSER:CHAPPASSWORD], got " + spec);
        var hostPort = parts[0].Split(':');
        var port = hostPort.Length > 1 ? int.Parse(hostPort[1], CultureInfo.InvariantCulture) : 3260;
        var (address, name) = Resolve(hostPort[0]);
        string user = "", pwd = "";
        if (parts.Length > 3)
        {
            var cp = parts[3].Split(':', 2);
            if (cp.Length != 2) throw new ArgumentException("--iscsi CHAP credentials must be USER:PASSWORD");
            (user, pwd) = (cp[0], cp[1]);
        }

        var t = new IscsiTarget { Address = address, Port = port, Iqn = parts[1], ChapUser = user, ChapPassword = pwd };
        if (name is not null) t.Names.Add(name);
        var sizes = parts[2].Split('+');
        for (var i = 0; i < sizes.Length; i++)
        {
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(t.Iqn + "/" + i))).ToLowerInvariant();
            t.Luns.Add(new IscsiLun
            {
                Id = i,
                ScsiId = "36001405" + hash.Substring(0, 24),
                Size = long.Parse(sizes[i], CultureInfo.InvariantCulture) * GiB,
                Serial = hash.Substring(24, 16),
            });
        }

        Iscsi.Add(t);
    }

    /// <summary>//SERVER/SHARE[,USER:PASSWORD].</summary>
    public void AddCifs(string spec)
    {
        var parts = spec.Split(',', 2);
        var loc = parts[0].Replace('\\', '/');
        if (!loc.StartsWith("//", StringComparison.Ordinal) || loc.Substring(2).Split('/', StringSplitOptions.RemoveEmptyEntries).Length < 2)
            throw new ArgumentException("--cifs expects //SERVER/SHARE[,USER:PASSWORD], got " + spec);
        var segs = loc.Substring(2).Split('/', StringSplitOptions.RemoveEmptyEntries);
        string user = "", pwd = "";
        if (parts.Length > 1)
        {
            var cp = parts[1].Split(':', 2);
            if (cp.Length != 2) throw new ArgumentException("--cifs credentials must be USER:PASSWORD");
            (user, pwd) = (cp[0], cp[1]);
        }

        var share = new CifsShare { Server = segs[0], Share = string.Join("/", segs.Skip(1)), User = user, Password = pwd };
        foreach (var f in StorageDefaults.IsoFiles) share.IsoFiles.Add(f);
        Cifs.Add(share);
    }

    /// <summary>Known lab names → documentation addresses; anything else is taken as given.</summary>
    private static (string Address, string? Name) Resolve(string server)
    {
        foreach (var (n, a) in StorageDefaults.Names)
            if (string.Equals(n, server, StringComparison.OrdinalIgnoreCase)) return (a, n);
        return (server, null);
    }

    /// <summary>Whether a string names a known storage host (address or DNS name) — "DNS" of the simulated lab.</summary>
    public bool Resolves(string server) =>
        StorageDefaults.Names.Any(x => string.Equals(x.Name, server, StringComparison.OrdinalIgnoreCase))
        || System.Net.IPAddress.TryParse(server, out _)
        || Nfs.Any(n => n.Address == server || n.Names.Contains(server, StringComparer.OrdinalIgnoreCase))
        || Iscsi.Any(n => n.Address == server || n.Names.Contains(server, StringComparer.OrdinalIgnoreCase))
        || Cifs.Any(c => string.Equals(c.Server, server, StringComparison.OrdinalIgnoreCase));

    public NfsServer? FindNfs(string server)
    {
        var addr = Resolve(server).Address;
        return Nfs.FirstOrDefault(n => n.Address == addr || n.Names.Contains(server, StringComparer.OrdinalIgnoreCase));
    }

    public IscsiTarget? FindIscsi(string target, int port)
    {
        var addr = Resolve(target).Address;
        return Iscsi.FirstOrDefault(t => (t.Address == addr || t.Names.Contains(target, StringComparer.OrdinalIgnoreCase)) && t.Port == port);
    }

    public CifsShare? FindCifs(string server, string share)
    {
        var addr = Resolve(server).Address;
        return Cifs.FirstOrDefault(c => (string.Equals(c.Server, server, StringComparison.OrdinalIgnoreCase) || Resolve(c.Server).Address == addr)
                                        && string.Equals(c.Share.Trim('/'), share.Trim('/'), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Every stored SR with a given uuid (NFS export dirs and LUNs).</summary>
    public StoredSr? FindSr(string uuid)
    {
        foreach (var n in Nfs)
            foreach (var e in n.Exports)
                if (e.Srs.TryGetValue(uuid, out var s)) return s;
        foreach (var t in Iscsi)
            foreach (var l in t.Luns)
                if (l.Sr?.Uuid == uuid) return l.Sr;
        return null;
    }

    /// <summary>One line per back-end, for the start-up banner.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var n in Nfs)
            foreach (var e in n.Exports)
                yield return $"nfs {(n.Names.Count > 0 ? n.Names[0] + "/" : "")}{n.Address}:{e.Path} {e.Capacity / GiB} GiB";
        foreach (var t in Iscsi)
            yield return $"iscsi {t.Address}:{t.Port} {t.Iqn} LUNs {string.Join(" ", t.Luns.Select(l => $"{l.Id}={l.Size / GiB}GiB/{l.ScsiId}"))}{(t.ChapUser.Length > 0 ? " chap " + t.ChapUser : "")}";
        foreach (var c in Cifs)
            yield return $"cifs //{c.Server}/{c.Share}{(c.User.Length > 0 ? " user " + c.User : "")}";
    }
}

/// <summary>The default lab storage seeded into every farm (documentation range 192.0.2.0/24, never contacted).</summary>
internal static class StorageDefaults
{
    public static readonly (string Name, string Address)[] Names =
    {
        ("nas01", "192.0.2.10"),
        ("san01", "192.0.2.20"),
        ("fs01", "192.0.2.30"),
    };

    public static readonly string[] Nfs = { "nas01:/export/xen,2048", "nas01:/export/iso,500", "nas01:/export/empty,100" };

    public static readonly string[] Iscsi = { "192.0.2.20:3260,iqn.2026-11.local.lab:storage.target01,500+1024+100" };

    public static readonly string[] Cifs = { "//192.0.2.30/isos,isouser:isopass" };

    public static readonly (string Name, long Size)[] IsoFiles =
    {
        ("debian-12.8.0-amd64-netinst.iso", 661651456L),
        ("ubuntu-24.04.1-live-server-amd64.iso", 2773874688L),
        ("SERVER_EVAL_x64FRE_en-us.iso", 5296713728L),
    };
}
