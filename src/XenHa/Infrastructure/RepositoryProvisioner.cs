using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Xml.Linq;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// The storage steps XenCenter takes, shared by the New-Xen*Repository cmdlets: probe an export or
/// LUN for an existing SR, reattach one (SR.introduce + PBD.create + PBD.plug per host, rolled back
/// if any step fails), create a new one (Async.SR.create), repair missing attachments, detach
/// (unplug every PBD) and the iSCSI discovery trick (an SR.create that is expected to fail with the
/// discovery XML in element [3]).
/// </summary>
internal sealed class RepositoryProvisioner
{
    private readonly XenCmdlet _cmdlet;
    private readonly Connection _connection;

    public RepositoryProvisioner(XenCmdlet cmdlet, Connection connection)
    {
        _cmdlet = cmdlet;
        _connection = connection;
    }

    private XenSession Session => _connection.Session;

    private XenRef<Api.Host> Coordinator => Session.CoordinatorRef;

    /// <summary>
    /// The idempotent "make sure this repository exists" flow of the New-Xen*Repository cmdlets:
    /// probe the storage; an SR already in this pool is returned (plugged on any host missing it);
    /// an SR that exists on the storage but not in the pool is reattached (unless NoReattach);
    /// otherwise a new SR is created. Returns null when -WhatIf (or the user) declined.
    /// </summary>
    public Repository? Ensure(RepositoryRequest request)
    {
        var uuids = request.ProbeConfig != null ? Probe(request.ProbeConfig, request.Type) : Array.Empty<string>();
        if (uuids.Count > 0)
        {
            _cmdlet.WriteVerbose($"{request.Where} already holds storage repository {string.Join(", ", uuids)}.");
        }
        var repositories = _cmdlet.AwaitCall(RepositoryReader.ReadRepositoriesAsync(_connection, _cmdlet.StopToken));
        var existing = repositories.FirstOrDefault(r => uuids.Contains(r.Uuid, StringComparer.OrdinalIgnoreCase))
            ?? (request.Matches != null ? repositories.FirstOrDefault(request.Matches) : null);
        if (existing != null)
        {
            if (!string.Equals(existing.Name, request.Name, StringComparison.Ordinal))
            {
                _cmdlet.WriteWarning($"The storage on {request.Where} is already attached to this pool as '{existing.Name}'; it is returned unchanged.");
            }
            if (existing.AttachedCount >= existing.ExpectedCount)
            {
                _cmdlet.WriteVerbose($"'{existing.Name}' ({existing.Uuid}) is already attached on {existing.HostsAttached} hosts; nothing to do.");
                return existing;
            }
            if (!_cmdlet.ShouldProcess(existing.Name,
                    $"Plug storage repository on the {existing.ExpectedCount - existing.AttachedCount} host(s) where it is not attached"))
            {
                return null;
            }
            var repaired = Repair(existing, request.DeviceConfig);
            _cmdlet.WriteVerbose($"Plugged '{existing.Name}' on {repaired} more host(s).");
            return _cmdlet.AwaitCall(RepositoryReader.ReadRepositoryAsync(_connection, existing.OpaqueRef, _cmdlet.StopToken));
        }
        if (uuids.Count > 1)
        {
            throw new XenHaErrorException("XenHaRepositoryAmbiguous", ErrorCategory.InvalidData,
                $"{request.Where} holds {uuids.Count} storage repositories ({string.Join(", ", uuids)}); reattach the one you want with SR.introduce (Invoke-XenApi) or clean up the storage. Nothing was changed.",
                request.Name);
        }
        XenRef<Api.Sr> sr;
        if (uuids.Count == 1)
        {
            if (request.NoReattach)
            {
                throw new XenHaErrorException("XenHaRepositoryExistsOnStorage", ErrorCategory.ResourceExists,
                    $"{request.Where} already holds the storage repository {uuids[0]}, and -NoReattach was given. Omit -NoReattach to reattach it with its data, or remove it from the storage first. Nothing was changed.",
                    request.Name);
            }
            if (!_cmdlet.ShouldProcess(request.Name, $"Reattach the existing storage repository {uuids[0]} found on {request.Where}"))
            {
                return null;
            }
            sr = Introduce(uuids[0], request.DeviceConfig, request.Name, request.Description, request.Type,
                request.ContentType, request.Shared);
            _cmdlet.WriteVerbose($"Reattached {uuids[0]} as '{request.Name}'.");
        }
        else
        {
            if (!_cmdlet.ShouldProcess(request.Name, $"Create {request.Kind} storage repository on {request.Where}"))
            {
                return null;
            }
            sr = Create(request.DeviceConfig, request.Name, request.Description, request.Type, request.ContentType, request.Shared);
        }
        return _cmdlet.AwaitCall(RepositoryReader.ReadRepositoryAsync(_connection, sr.OpaqueRef, _cmdlet.StopToken))
            ?? throw new XenProtocolException($"The storage repository {sr.OpaqueRef} is missing right after it was made.", "SR.get_all_records");
    }

    /// <summary>SR.probe on the coordinator; the UUIDs of the SRs the answer lists.</summary>
    public IReadOnlyList<string> Probe(Dictionary<string, string> deviceConfig, string type)
    {
        var xml = _cmdlet.AwaitCall(Session.CallAsync<string>("SR.probe", _cmdlet.StopToken,
            Coordinator, deviceConfig, type, new Dictionary<string, string>()));
        return ParseProbe(xml);
    }

    internal static IReadOnlyList<string> ParseProbe(string? xml)
    {
        if (string.IsNullOrWhiteSpace(xml))
        {
            return Array.Empty<string>();
        }
        XDocument document;
        try
        {
            document = XDocument.Parse(xml);
        }
        catch (System.Xml.XmlException e)
        {
            throw new XenProtocolException("SR.probe returned text that is not XML: " + e.Message, "SR.probe");
        }
        return document.Descendants().Where(e => e.Name.LocalName == "SR")
            .Select(sr => sr.Elements().FirstOrDefault(e => e.Name.LocalName == "UUID")?.Value.Trim() ?? "")
            .Where(u => u.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Async.SR.create on the coordinator (shared: one PBD per host, all plugged by xapi); returns the new SR ref.</summary>
    public XenRef<Api.Sr> Create(Dictionary<string, string> deviceConfig, string name, string description, string type,
        string contentType, bool shared)
    {
        var task = _cmdlet.AwaitCall(Session.CallAsync<XenRef<XenTask>>("Async.SR.create", _cmdlet.StopToken,
            Coordinator, deviceConfig, 0L, name, description, type, contentType, shared, new Dictionary<string, string>()));
        var waiter = new TaskWaiter(_cmdlet, _connection) { Activity = $"Creating storage repository '{name}'" };
        var record = waiter.Wait(task, $"SR.create ({type})");
        var sr = record.ResultRef<Api.Sr>();
        if (sr.IsNull)
        {
            throw new XenProtocolException("SR.create finished without returning the new SR.", "Async.SR.create");
        }
        return sr;
    }

    /// <summary>
    /// Reattaches an SR that already lives on the storage: SR.introduce, then PBD.create and PBD.plug
    /// for every host (coordinator only when not shared). Any failure undoes what was done, so a
    /// failed reattach leaves no SR or PBD behind.
    /// </summary>
    public XenRef<Api.Sr> Introduce(string uuid, Dictionary<string, string> deviceConfig, string name, string description,
        string type, string contentType, bool shared)
    {
        var sr = _cmdlet.AwaitCall(Session.CallAsync<XenRef<Api.Sr>>("SR.introduce", _cmdlet.StopToken,
            uuid, name, description, type, contentType, shared, new Dictionary<string, string>()));
        var created = new List<XenRef<Api.Pbd>>();
        try
        {
            var hosts = TargetHosts(shared);
            foreach (var host in hosts)
            {
                created.Add(CreatePbd(sr, host.Ref, deviceConfig));
            }
            Plug(created, hosts.ToDictionary(h => h.Ref.OpaqueRef, h => h.Name), $"Reattaching storage repository '{name}'");
            return sr;
        }
        catch (Exception failure) when (!(failure is PipelineStoppedException))
        {
            RollBack(sr, created, forget: true);
            throw;
        }
    }

    /// <summary>
    /// Gives an existing SR a plugged PBD on every host that should have one (new pool members,
    /// unplugged attachments). Returns the number of hosts repaired.
    /// </summary>
    public int Repair(Repository repository, Dictionary<string, string>? deviceConfig)
    {
        var pbds = _cmdlet.AwaitCall(Session.GetAllRecordsWhereAsync<Api.Pbd>(
            $"field \"SR\"=\"{repository.OpaqueRef}\"", _cmdlet.StopToken));
        var hosts = TargetHosts(repository.Shared);
        var names = hosts.ToDictionary(h => h.Ref.OpaqueRef, h => h.Name);
        var config = deviceConfig ?? pbds.FirstOrDefault()?.DeviceConfig;
        var toPlug = new List<XenRef<Api.Pbd>>();
        var sr = new XenRef<Api.Sr>(repository.OpaqueRef);
        foreach (var host in hosts)
        {
            var pbd = pbds.FirstOrDefault(p => p.Host.OpaqueRef == host.Ref.OpaqueRef);
            if (pbd == null)
            {
                if (config == null)
                {
                    continue;
                }
                toPlug.Add(CreatePbd(sr, host.Ref, config));
            }
            else if (!pbd.CurrentlyAttached)
            {
                toPlug.Add(new XenRef<Api.Pbd>(pbd.OpaqueRef));
            }
        }
        Plug(toPlug, names, $"Attaching storage repository '{repository.Name}'");
        return toPlug.Count;
    }

    /// <summary>Unplugs every plugged PBD of the SR; returns the ones it unplugged (to plug back on failure).</summary>
    public List<XenRef<Api.Pbd>> Detach(XenRef<Api.Sr> sr, string name)
    {
        var pbds = _cmdlet.AwaitCall(Session.GetAllRecordsWhereAsync<Api.Pbd>(
            $"field \"SR\"=\"{sr.OpaqueRef}\"", _cmdlet.StopToken));
        var unplugged = new List<XenRef<Api.Pbd>>();
        var plugged = pbds.Where(p => p.CurrentlyAttached).ToList();
        var progress = new ProgressRecord(2, $"Detaching storage repository '{name}'", "Unplugging");
        try
        {
            for (var i = 0; i < plugged.Count; i++)
            {
                progress.StatusDescription = $"Unplugging from host {i + 1} of {plugged.Count}";
                progress.PercentComplete = 100 * i / plugged.Count;
                _cmdlet.WriteProgress(progress);
                var pbd = new XenRef<Api.Pbd>(plugged[i].OpaqueRef);
                _cmdlet.AwaitCall(Session.CallAsync<object?>("PBD.unplug", _cmdlet.StopToken, pbd));
                unplugged.Add(pbd);
            }
        }
        finally
        {
            if (plugged.Count > 0)
            {
                progress.RecordType = ProgressRecordType.Completed;
                _cmdlet.WriteProgress(progress);
            }
        }
        return unplugged;
    }

    /// <summary>Plugs PBDs back after a failed removal (best effort).</summary>
    public void Replug(IEnumerable<XenRef<Api.Pbd>> pbds)
    {
        foreach (var pbd in pbds)
        {
            try
            {
                _cmdlet.AwaitCall(Session.CallAsync<object?>("PBD.plug", _cmdlet.StopToken, pbd));
            }
            catch (XenApiException e)
            {
                _cmdlet.WriteWarning($"Could not plug {pbd.OpaqueRef} back: {e.Message}");
            }
        }
    }

    /// <summary>
    /// XenCenter's iSCSI discovery: an Async.SR.create with an incomplete device_config that the SM
    /// driver refuses with SR_BACKEND_FAILURE_96 (IQNs) or _107/_87 (LUNs), the discovery XML in
    /// element [3] of the error. Returns that XML; any other error is thrown as it is.
    /// </summary>
    public string Discover(Dictionary<string, string> deviceConfig, params string[] expectedCodes)
    {
        XenRef<Api.Sr> created;
        try
        {
            created = Create(deviceConfig, "__gui__XenHa_discovery", "Temporary object for iSCSI discovery; XenHa removes it.",
                "lvmoiscsi", "user", true);
        }
        catch (XenApiException e) when (expectedCodes.Contains(e.Code))
        {
            return e.ErrorDescription.Count > 3 ? e.ErrorDescription[3] : "";
        }
        // The back end accepted an incomplete configuration: undo the SR it made and say so.
        try
        {
            Detach(created, "__gui__XenHa_discovery");
            _cmdlet.AwaitCall(Session.CallAsync<object?>("SR.forget", _cmdlet.StopToken, created));
        }
        catch (XenApiException e)
        {
            _cmdlet.WriteWarning($"Could not remove the discovery SR {created.OpaqueRef}: {e.Message}");
        }
        throw new XenProtocolException(
            "The iSCSI discovery did not fail with " + string.Join(" or ", expectedCodes) + " as the SM driver does; the server gave no discovery data.",
            "Async.SR.create");
    }

    /// <summary>The device_config of the lvmoiscsi driver; CHAP password from the credential, never shown.</summary>
    public static Dictionary<string, string> IscsiConfig(string target, int port, string? targetIqn, string? scsiId, PSCredential? chap)
    {
        var config = new Dictionary<string, string>
        {
            ["target"] = target,
            ["port"] = port.ToString(CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrEmpty(targetIqn))
        {
            config["targetIQN"] = targetIqn!;
        }
        if (!string.IsNullOrEmpty(scsiId))
        {
            config["SCSIid"] = scsiId!;
        }
        if (chap != null)
        {
            config["chapuser"] = chap.UserName;
            config["chappassword"] = chap.GetNetworkCredential().Password;
        }
        return config;
    }

    /// <summary>The IQNs a portal offers (the "*" entry the driver appends is left out).</summary>
    public IReadOnlyList<IscsiTarget> DiscoverTargets(string target, int port, PSCredential? chap)
    {
        var xml = Discover(IscsiConfig(target, port, null, null, chap), "SR_BACKEND_FAILURE_96");
        return ParseTargets(xml).Where(t => t.TargetIqn.Length > 0 && t.TargetIqn != "*")
            .Select(t =>
            {
                if (t.Port == 0)
                {
                    t.Port = port;
                }
                return t;
            }).ToList();
    }

    /// <summary>The LUNs behind one IQN.</summary>
    public IReadOnlyList<IscsiLun> DiscoverLuns(string target, int port, string targetIqn, PSCredential? chap)
    {
        var xml = Discover(IscsiConfig(target, port, targetIqn, null, chap), "SR_BACKEND_FAILURE_107", "SR_BACKEND_FAILURE_87");
        return ParseLuns(xml).Select(l =>
        {
            l.Target = target;
            l.Port = port;
            l.TargetIqn = targetIqn;
            return l;
        }).ToList();
    }

    internal static IReadOnlyList<IscsiTarget> ParseTargets(string xml)
    {
        var document = ParseDiscovery(xml);
        return document.Descendants().Where(e => e.Name.LocalName == "TGT").Select(t => new IscsiTarget
        {
            Index = ToInt(Child(t, "Index")),
            Address = Child(t, "IPAddress"),
            Port = ToInt(Child(t, "Port")),
            TargetIqn = Child(t, "TargetIQN"),
        }).ToList();
    }

    internal static IReadOnlyList<IscsiLun> ParseLuns(string xml)
    {
        var document = ParseDiscovery(xml);
        return document.Descendants().Where(e => e.Name.LocalName == "LUN").Select(l =>
        {
            long.TryParse(Child(l, "size"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var size);
            return new IscsiLun
            {
                LunId = ToInt(Child(l, "LUNid")),
                ScsiId = Child(l, "SCSIid"),
                SizeBytes = size,
                SizeGB = Math.Round(size / (1024.0 * 1024 * 1024), 2),
                Vendor = Child(l, "vendor"),
                Serial = Child(l, "serial"),
            };
        }).ToList();
    }

    private static XDocument ParseDiscovery(string xml)
    {
        try
        {
            return XDocument.Parse(xml ?? "");
        }
        catch (System.Xml.XmlException e)
        {
            throw new XenProtocolException("The iSCSI discovery data is not XML: " + e.Message, "Async.SR.create");
        }
    }

    private static string Child(XElement parent, string name) =>
        parent.Elements().FirstOrDefault(e => string.Equals(e.Name.LocalName, name, StringComparison.OrdinalIgnoreCase))?.Value.Trim() ?? "";

    private static int ToInt(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;

    /// <summary>The hosts an SR should be plugged on: all (coordinator first) when shared, else the coordinator.</summary>
    private List<(XenRef<Api.Host> Ref, string Name)> TargetHosts(bool shared)
    {
        var hosts = _cmdlet.AwaitCall(Session.GetAllRecordsAsync<Api.Host>(_cmdlet.StopToken));
        var coordinator = Coordinator.OpaqueRef;
        return hosts.Where(h => shared || h.OpaqueRef == coordinator)
            .OrderBy(h => h.OpaqueRef == coordinator ? 0 : 1)
            .ThenBy(h => h.NameLabel, StringComparer.OrdinalIgnoreCase)
            .Select(h => (new XenRef<Api.Host>(h.OpaqueRef), h.NameLabel))
            .ToList();
    }

    private XenRef<Api.Pbd> CreatePbd(XenRef<Api.Sr> sr, XenRef<Api.Host> host, Dictionary<string, string> deviceConfig)
    {
        var args = new Dictionary<string, object?>
        {
            ["host"] = host,
            ["SR"] = sr,
            ["device_config"] = deviceConfig,
            ["other_config"] = new Dictionary<string, string>(),
        };
        return _cmdlet.AwaitCall(Session.CallAsync<XenRef<Api.Pbd>>("PBD.create", _cmdlet.StopToken, args));
    }

    private void Plug(IReadOnlyList<XenRef<Api.Pbd>> pbds, Dictionary<string, string> hostNames, string activity)
    {
        if (pbds.Count == 0)
        {
            return;
        }
        var records = _cmdlet.AwaitCall(Session.GetAllRecordsAsync<Api.Pbd>(_cmdlet.StopToken))
            .ToDictionary(p => p.OpaqueRef, p => p.Host.OpaqueRef, StringComparer.Ordinal);
        var progress = new ProgressRecord(2, activity, "Plugging");
        try
        {
            for (var i = 0; i < pbds.Count; i++)
            {
                records.TryGetValue(pbds[i].OpaqueRef, out var hostRef);
                var hostName = hostRef != null && hostNames.TryGetValue(hostRef, out var n) ? n : "host";
                progress.StatusDescription = $"Plugging on {hostName} ({i + 1} of {pbds.Count})";
                progress.PercentComplete = 100 * i / pbds.Count;
                _cmdlet.WriteProgress(progress);
                var task = _cmdlet.AwaitCall(Session.CallAsync<XenRef<XenTask>>("Async.PBD.plug", _cmdlet.StopToken, pbds[i]));
                new TaskWaiter(_cmdlet, _connection) { Activity = activity, ActivityId = 3, ParentActivityId = 2 }
                    .Wait(task, $"PBD.plug on {hostName}");
            }
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            _cmdlet.WriteProgress(progress);
        }
    }

    /// <summary>Undoes a partial reattach: unplug and destroy the PBDs made, forget the SR record.</summary>
    private void RollBack(XenRef<Api.Sr> sr, List<XenRef<Api.Pbd>> created, bool forget)
    {
        foreach (var pbd in created)
        {
            try
            {
                _cmdlet.AwaitCall(Session.CallAsync<object?>("PBD.unplug", _cmdlet.StopToken, pbd));
            }
            catch (XenApiException)
            {
                // Not plugged: nothing to undo.
            }
            try
            {
                _cmdlet.AwaitCall(Session.CallAsync<object?>("PBD.destroy", _cmdlet.StopToken, pbd));
            }
            catch (XenApiException e)
            {
                _cmdlet.WriteWarning($"Could not remove {pbd.OpaqueRef} while undoing the reattach: {e.Message}");
            }
        }
        if (forget)
        {
            try
            {
                _cmdlet.AwaitCall(Session.CallAsync<object?>("SR.forget", _cmdlet.StopToken, sr));
            }
            catch (XenApiException e)
            {
                _cmdlet.WriteWarning($"Could not forget {sr.OpaqueRef} while undoing the reattach: {e.Message}");
            }
        }
    }
}

/// <summary>What a New-Xen*Repository cmdlet asks the provisioner for.</summary>
internal sealed class RepositoryRequest
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string Type { get; set; } = "";
    public string ContentType { get; set; } = "";
    public bool Shared { get; set; } = true;
    /// <summary>What the SR is made from, for messages: "nas01:/exports/xen".</summary>
    public string Where { get; set; } = "";
    /// <summary>For messages: "NFS", "iSCSI", "ISO library".</summary>
    public string Kind { get; set; } = "";
    public Dictionary<string, string> DeviceConfig { get; set; } = new Dictionary<string, string>();
    /// <summary>The SR.probe configuration; null when the type cannot be probed.</summary>
    public Dictionary<string, string>? ProbeConfig { get; set; }
    /// <summary>Recognises an SR already in the pool when probing cannot (ISO libraries).</summary>
    public Func<Repository, bool>? Matches { get; set; }
    public bool NoReattach { get; set; }
}
