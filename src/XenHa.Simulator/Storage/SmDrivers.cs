using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Storage;

/// <summary>A tiny element tree printed like Python's minidom toprettyxml() (what the SM drivers print).</summary>
internal sealed class XNode
{
    public XNode(string name, string? text = null) { Name = name; Text = text; }

    public string Name { get; }
    public string? Text { get; }
    public List<XNode> Children { get; } = new();

    public XNode Add(XNode child) { Children.Add(child); return this; }

    public XNode Add(string name, string text) => Add(new XNode(name, text));

    public string Pretty()
    {
        var sb = new StringBuilder("<?xml version=\"1.0\" ?>\n");
        Write(sb, 0);
        return sb.ToString();
    }

    private static string Esc(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

    private void Write(StringBuilder sb, int depth)
    {
        var indent = new string('\t', depth);
        if (Text is not null) { sb.Append(indent).Append('<').Append(Name).Append('>').Append(Esc(Text)).Append("</").Append(Name).Append(">\n"); return; }
        if (Children.Count == 0) { sb.Append(indent).Append('<').Append(Name).Append("/>\n"); return; }
        sb.Append(indent).Append('<').Append(Name).Append(">\n");
        foreach (var c in Children) c.Write(sb, depth + 1);
        sb.Append(indent).Append("</").Append(Name).Append(">\n");
    }
}

/// <summary>
/// The SM drivers' observable behaviour (xapi-project/sm NFSSR.py, nfs.py, BaseISCSI.py, LVHDoISCSISR.py,
/// ISOSR.py; texts from XE_SR_ERRORCODES.xml): device_config validation in the drivers' order, discovery XML
/// on stderr, and the SR data on the back-ends.
/// </summary>
internal static class Sm
{
    private const long MiB = 1024L * 1024;

    /// <summary>(code, description) from libs/sm/core/XE_SR_ERRORCODES.xml.</summary>
    private static readonly Dictionary<string, (int Code, string Text)> Codes = new()
    {
        ["SRInUse"] = (16, "The SR device is currently in use"),
        ["Unimplemented"] = (38, "The requested method is not supported/implemented"),
        ["SRExists"] = (42, "The SR already exists"),
        ["SRUnavailable"] = (47, "The SR is not available"),
        ["ISCSILogin"] = (68, "ISCSI login failed - check access settings for the initiator on the storage, if CHAP is used verify CHAP credentials"),
        ["NFSVersion"] = (72, "Required NFS server version unsupported"),
        ["NFSMount"] = (73, "NFS mount error"),
        ["ISCSIDiscovery"] = (83, "ISCSI discovery failed"),
        ["ConfigDeviceMissing"] = (90, "The request is missing the device parameter"),
        ["ConfigLocationMissing"] = (94, "The request is missing the location parameter"),
        ["ConfigTargetMissing"] = (95, "The request is missing the target parameter"),
        ["ConfigTargetIQNMissing"] = (96, "The request is missing or has an incorrect target IQN parameter"),
        ["ConfigServerPathMissing"] = (101, "The request is missing the serverpath parameter"),
        ["ConfigServerMissing"] = (102, "The request is missing the server parameter"),
        ["ConfigSCSIid"] = (107, "The SCSIid parameter is missing or incorrect"),
        ["NFSTarget"] = (108, "Unable to detect an NFS service on this target."),
        ["DNSError"] = (140, "Incorrect DNS name, unable to resolve."),
        ["ISCSITarget"] = (141, "Unable to connect to ISCSI service on target"),
        ["ISCSIPort"] = (142, "Incorrect value for iSCSI port, must be a number between 1 and 65535"),
        ["ISOMountFailure"] = (222, "Could not mount the directory specified in Device Configuration"),
        ["ISOLocationStringError"] = (225, "Incorrect Location string format. String must be in the format SERVER:PATH for NFS targets, or \\\\SERVER\\PATH for CIFS targets"),
    };

    /// <summary>SR_BACKEND_FAILURE_&lt;code&gt; ["", description[ [opterr=…]], stderr] as xapi reports an SM error.</summary>
    public static XenApiException Error(string name, string? opterr = null, string stderr = "")
    {
        var (code, text) = Codes[name];
        return new XenApiException("SR_BACKEND_FAILURE_" + code.ToString(CultureInfo.InvariantCulture), "", opterr is null ? text : $"{text} [opterr={opterr}]", stderr);
    }

    /// <summary>A python exception that is not an SR error: SRCommand prints Fault(1200, str(e)).</summary>
    public static XenApiException Generic(string message) => new("SR_BACKEND_FAILURE_1200", "", message, "");

    public static readonly string[] SharedTypes = { "nfs", "lvmoiscsi", "lvhdoiscsi", "iso" };

    public static readonly string[] SupportedTypes =
        { "cifs", "dummy", "ext", "file", "hba", "iso", "lvhdoiscsi", "lvm", "lvmohba", "lvmoiscsi", "nfs", "smb", "udev" };

    public static string Get(IReadOnlyDictionary<string, string> d, string k) => d.TryGetValue(k, out var v) ? v : "";

    // ---------------------------------------------------------------- NFS

    private static (NfsServer Nas, string Version) NfsLoad(StorageBackends b, IReadOnlyDictionary<string, string> dc)
    {
        if (!dc.ContainsKey("server")) throw Error("ConfigServerMissing");
        var version = Get(dc, "nfsversion");
        if (version.Length == 0) version = "3";
        else if (!(version == "3" || version.StartsWith('4'))) throw Generic("Invalid nfsversion.");
        var server = dc["server"];
        if (!b.Resolves(server)) throw Error("DNSError");
        var nas = b.FindNfs(server) ?? throw Error("NFSTarget");
        return (nas, version);
    }

    private static string NfsExportsXml(NfsServer nas, string target)
    {
        var root = new XNode("nfs-exports");
        foreach (var e in nas.Exports)
            root.Add(new XNode("Export").Add("Target", target).Add("Path", e.Path).Add("Accesslist", "*"));
        return root.Pretty();
    }

    private static NfsExport NfsMount(NfsServer nas, IReadOnlyDictionary<string, string> dc, string version, string server)
    {
        if (!dc.ContainsKey("serverpath")) throw Error("ConfigServerPathMissing", stderr: NfsExportsXml(nas, server));
        if (!dc.ContainsKey("probeversion") && !nas.Versions.Contains(version.Split('.')[0]))
            throw Error("NFSVersion", "Unsupported NFS version: " + version);
        return nas.Export(dc["serverpath"]) ?? throw Error("NFSMount", $"mount failed on server `{server}` with return code 32");
    }

    // ---------------------------------------------------------------- iSCSI

    private static (IscsiTarget Target, IscsiLun? Lun) IscsiLoad(StorageBackends b, IReadOnlyDictionary<string, string> dc)
    {
        if (Get(dc, "target").Length == 0) throw Error("ConfigTargetMissing");
        var address = dc["target"].Split(',')[0];
        if (!b.Resolves(address)) throw Error("DNSError");
        var port = 3260;
        if (Get(dc, "port").Length > 0 && !int.TryParse(dc["port"], NumberStyles.Integer, CultureInfo.InvariantCulture, out port)) throw Error("ISCSIPort");
        if (port is < 1 or > 65535) throw Error("ISCSIPort");
        var user = Get(dc, "chapuser");
        var pwd = Get(dc, "chappassword");
        if (Get(dc, "targetIQN").Length == 0)
            throw Error("ConfigTargetIQNMissing", stderr: ScanIqns(b, address, port, user, pwd, dc["target"]));
        var t = Discover(b, address, port, user, pwd);
        var iqn = dc["targetIQN"];
        if (iqn != "*" && iqn != "any" && iqn != t.Iqn)
        {
            var xml = ScanIqns(b, address, port, user, pwd, dc["target"]);
            throw Error("ISCSIDiscovery", "check target settings", xml);
        }

        if (!dc.ContainsKey("SCSIid"))
        {
            var root = new XNode("iscsi-target");
            foreach (var l in t.Luns)
                root.Add(new XNode("LUN").Add("vendor", "LIO-ORG").Add("serial", l.Serial).Add("LUNid", l.Id.ToString(CultureInfo.InvariantCulture))
                    .Add("size", l.Size.ToString(CultureInfo.InvariantCulture)).Add("SCSIid", l.ScsiId));
            throw Error("ConfigSCSIid", stderr: root.Pretty());
        }

        var lun = t.Luns.FirstOrDefault(l => l.ScsiId == dc["SCSIid"]) ?? throw Error("ConfigSCSIid");
        return (t, lun);
    }

    /// <summary>_testHost (141) then sendtargets discovery (68 on CHAP mismatch).</summary>
    private static IscsiTarget Discover(StorageBackends b, string address, int port, string user, string pwd)
    {
        var t = b.FindIscsi(address, port) ?? throw Error("ISCSITarget");
        if (t.ChapUser.Length > 0 && (user != t.ChapUser || pwd != t.ChapPassword))
            throw Error("ISCSILogin");
        return t;
    }

    private static string ScanIqns(StorageBackends b, string address, int port, string user, string pwd, string targetList)
    {
        var t = Discover(b, address, port, user, pwd);
        var root = new XNode("iscsi-target-iqns");
        var entries = new List<(string Addr, int Port, string Iqn)> { (t.Address, t.Port, t.Iqn), (targetList, port, "*") };
        for (var i = 0; i < entries.Count; i++)
        {
            var tgt = new XNode("TGT").Add("Index", i.ToString(CultureInfo.InvariantCulture)).Add("IPAddress", entries[i].Addr);
            if (entries[i].Port != 3260) tgt.Add("Port", entries[i].Port.ToString(CultureInfo.InvariantCulture));
            root.Add(tgt.Add("TargetIQN", entries[i].Iqn));
        }

        return root.Pretty();
    }

    public static long LvmSize(IscsiLun lun) => lun.Size - 12 * MiB;

    // ---------------------------------------------------------------- ISO

    private sealed record IsoPlace(List<(string Name, long Size)> Files);

    private static IsoPlace IsoAttach(StorageBackends b, IReadOnlyDictionary<string, string> dc)
    {
        if (!dc.ContainsKey("location")) throw Error("ConfigLocationMissing");
        var location = dc["location"];
        var type = dc.TryGetValue("type", out var ty) ? ty : location.Contains(":/", StringComparison.Ordinal) ? "nfs_iso" : "cifs";
        if (dc.ContainsKey("type"))
        {
            string tgt;
            if (ty == "cifs")
            {
                tgt = location.StartsWith("//", StringComparison.Ordinal) ? location.Split('/')[2]
                    : location.StartsWith('\\') ? location.Split('\\', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "" : "";
                if (tgt.Length == 0) throw Error("ISOLocationStringError");
            }
            else
            {
                if (!location.Contains(':', StringComparison.Ordinal)) throw Error("ISOLocationStringError");
                tgt = location.Split(':')[0];
            }

            if (!b.Resolves(tgt)) throw Error("DNSError");
        }

        if (type == "nfs_iso")
        {
            var colon = location.IndexOf(':');
            var server = colon > 0 ? location.Substring(0, colon) : location;
            var path = colon > 0 ? location.Substring(colon + 1) : "";
            var nas = b.FindNfs(server) ?? throw Error("NFSTarget", "rpcinfo failed or timed out: return code 1");
            var export = nas.Export(path) ?? throw Error("ISOMountFailure", $"mount failed on server `{server}` with return code 32");
            return new IsoPlace(export.IsoFiles);
        }

        var norm = location.Replace('\\', '/');
        var segs = norm.TrimStart('/').Split('/', 2);
        var share = segs.Length > 1 ? b.FindCifs(segs[0], segs[1]) : null;
        if (share is null) throw Error("ISOMountFailure", "mount error(2): No such file or directory");
        var user = Get(dc, "username");
        var pwd = Get(dc, "cifspassword");
        if (share.User.Length > 0 && (user != share.User || pwd != share.Password))
            throw Error("ISOMountFailure", "mount error(13): Permission denied");
        return new IsoPlace(share.IsoFiles);
    }

    // ---------------------------------------------------------------- operations

    /// <summary>sr_probe: the XML text the driver returns.</summary>
    public static string Probe(StorageBackends b, string type, IReadOnlyDictionary<string, string> dc)
    {
        switch (type)
        {
            case "nfs":
            {
                var (nas, version) = NfsLoad(b, dc);
                var export = NfsMount(nas, dc, version, dc["server"]);
                var root = new XNode("SRlist");
                foreach (var uuid in export.Srs.Keys.OrderBy(x => x, StringComparer.Ordinal)) root.Add(new XNode("SR").Add("UUID", uuid));
                if (dc.ContainsKey("probeversion"))
                {
                    var sv = new XNode("SupportedVersions");
                    foreach (var v in nas.Versions) sv.Add("Version", v);
                    root.Add(sv);
                }

                return root.Pretty();
            }
            case "lvmoiscsi" or "lvhdoiscsi":
            {
                var (_, lun) = IscsiLoad(b, dc);
                var root = new XNode("SRlist");
                if (lun!.Sr is { } sr)
                    root.Add(new XNode("SR").Add("UUID", sr.Uuid).Add("Devlist", "/dev/disk/by-id/scsi-" + lun.ScsiId)
                        .Add("size", LvmSize(lun).ToString(CultureInfo.InvariantCulture)));
                return root.Pretty();
            }
            default:
                throw Error("Unimplemented");
        }
    }

    /// <summary>sr_create: validates and writes the SR onto the back-end. <paramref name="inUse"/> tells whether a known PBD already uses a SCSIid.</summary>
    public static void Create(StorageBackends b, string type, IReadOnlyDictionary<string, string> dc, string srUuid, Func<string, bool> inUse)
    {
        switch (type)
        {
            case "nfs":
            {
                var (nas, version) = NfsLoad(b, dc);
                var export = NfsMount(nas, dc, version, dc["server"]);
                if (export.Srs.TryGetValue(srUuid, out var existing) && existing.Vdis.Count > 0) throw Error("SRExists");
                export.Srs[srUuid] = new StoredSr(srUuid, "nfs");
                return;
            }
            case "lvmoiscsi" or "lvhdoiscsi":
            {
                var (_, lun) = IscsiLoad(b, dc);
                // LVHDoISCSISR.create: util.test_SCSIid (a PBD of another SR with this SCSIid) → SRInUse;
                // otherwise LVHDSR.create re-initialises the LUN (a forgotten SR on it is overwritten, as on a real host).
                if (inUse(lun!.ScsiId)) throw Error("SRInUse");
                lun.Sr = new StoredSr(srUuid, "lvmoiscsi");
                return;
            }
            case "iso":
                IsoAttach(b, dc);
                return;
            case "ext" or "lvm" or "file":
                if (type != "file" && !dc.ContainsKey("device")) throw Error("ConfigDeviceMissing");
                if (type == "file" && !dc.ContainsKey("location")) throw Error("ConfigLocationMissing");
                return;
            default:
                return;
        }
    }

    /// <summary>sr_attach: the SR must exist where the device_config points; returns (total, stored VDIs, iso files).</summary>
    public static (long Size, StoredSr? Sr, List<(string Name, long Size)>? Isos) Attach(StorageBackends b, string type, IReadOnlyDictionary<string, string> dc, string srUuid)
    {
        switch (type)
        {
            case "nfs":
            {
                var (nas, version) = NfsLoad(b, dc);
                if (!dc.ContainsKey("serverpath")) throw Error("ConfigServerPathMissing");
                var export = NfsMount(nas, dc, version, dc["server"]);
                if (!export.Srs.TryGetValue(srUuid, out var sr))
                    throw Error("NFSMount", $"mount failed on server `{dc["server"]}` with return code 32");
                return (export.Capacity, sr, null);
            }
            case "lvmoiscsi" or "lvhdoiscsi":
            {
                var (_, lun) = IscsiLoad(b, dc);
                if (lun!.Sr?.Uuid != srUuid) throw Error("SRUnavailable", "no such volume group: VG_XenStorage-" + srUuid);
                return (LvmSize(lun), lun.Sr, null);
            }
            case "iso":
                return (0, null, IsoAttach(b, dc).Files);
            default:
                return (-1, null, null);
        }
    }

    /// <summary>sr_delete: removes the SR from its export / LUN.</summary>
    public static void Delete(StorageBackends b, string type, IReadOnlyDictionary<string, string> dc, string srUuid)
    {
        switch (type)
        {
            case "nfs":
            {
                var (nas, version) = NfsLoad(b, dc);
                NfsMount(nas, dc, version, dc["server"]).Srs.Remove(srUuid);
                return;
            }
            case "lvmoiscsi" or "lvhdoiscsi":
            {
                var (_, lun) = IscsiLoad(b, dc);
                if (lun!.Sr?.Uuid == srUuid) lun.Sr = null;
                return;
            }
        }
    }

    /// <summary>Used space on the back-end place holding an SR, other SRs' stored data included (NFS reports the whole export).</summary>
    public static long OtherUsage(StorageBackends b, string srUuid)
    {
        foreach (var n in b.Nfs)
            foreach (var e in n.Exports)
                if (e.Srs.ContainsKey(srUuid))
                    return e.Srs.Values.Where(s => s.Uuid != srUuid).Sum(s => s.Vdis.Sum(v => v.PhysicalUtilisation));
        return 0;
    }
}
