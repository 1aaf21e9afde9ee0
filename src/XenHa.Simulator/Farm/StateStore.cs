using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Storage;

namespace XenHa.Simulator.Farm;

/// <summary>
/// The optional persistent state (--state FILE): the farm's shape, every pool database and what the
/// storage back-ends hold, written as one JSON document after every call that changed something and
/// before its answer leaves (temp file, fsync, rename over the old file). A kill at any moment leaves
/// either the previous or the new complete file. Sessions and tasks are not kept, as in xapi (clients
/// log in again). Access under the farm lock.
/// </summary>
internal sealed class StateStore
{
    private const int FormatVersion = 1;

    /// <summary>The pool databases and their change counts as last written (a change of any means a write).</summary>
    private List<(Db Db, long Changes)> _saved = new();

    public StateStore(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    /// <summary>Writes the state if anything changed since the last write.</summary>
    public void SaveIfChanged(SimFarm farm)
    {
        if (_saved.Count == farm.Pools.Count && _saved.Zip(farm.Pools).All(x => x.First.Db == x.Second && x.First.Changes == x.Second.PersistentChanges))
            return;
        Save(farm);
    }

    public void Save(SimFarm farm)
    {
        var temp = Path + ".tmp";
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 65536 };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temp, create))
        {
            using (var w = new Utf8JsonWriter(file))
                Write(w, farm);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, Path, overwrite: true);
        _saved = farm.Pools.Select(db => (db, db.PersistentChanges)).ToList();
    }

    /// <summary>The farm options kept in a state file (the shape of the farm it describes).</summary>
    public static FarmOptions ReadOptions(string path, string password, out string bindBase)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        if (!root.TryGetProperty("format", out var format) || format.GetInt32() != FormatVersion)
            throw new InvalidDataException("not an xensim state file (format " + FormatVersion + ")");
        var o = root.GetProperty("options");
        var options = new FarmOptions
        {
            Hosts = o.GetProperty("hosts").GetInt32(),
            Preset = o.GetProperty("preset").GetString()!,
            ApiVersion = o.GetProperty("apiVersion").GetString()!,
            MemoryGb = o.GetProperty("memoryGb").GetInt64(),
            Cpus = o.GetProperty("cpus").GetInt32(),
            User = o.GetProperty("user").GetString()!,
            Password = password,
            VmsPerHost = o.GetProperty("vmsPerHost").GetInt32(),
            NoDefaultStorage = o.GetProperty("noDefaultStorage").GetBoolean(),
            FreeEdition = o.GetProperty("freeEdition").GetBoolean(),
            LivenessTimeoutSeconds = o.GetProperty("livenessTimeoutSeconds").GetDouble(),
        };
        foreach (var s in o.GetProperty("nfs").EnumerateArray()) options.Nfs.Add(s.GetString()!);
        foreach (var s in o.GetProperty("iscsi").EnumerateArray()) options.Iscsi.Add(s.GetString()!);
        foreach (var s in o.GetProperty("cifs").EnumerateArray()) options.Cifs.Add(s.GetString()!);
        bindBase = o.GetProperty("bindBase").GetString()!;
        return options;
    }

    /// <summary>
    /// Fills a new farm (built from <see cref="ReadOptions"/>) from the file. Tasks that were running
    /// are gone and no operation is in progress any more, as after a toolstack restart.
    /// </summary>
    public static void Restore(SimFarm farm, string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        lock (farm.Lock)
        {
            foreach (var pool in root.GetProperty("pools").EnumerateArray())
            {
                var db = farm.NewPoolDb();
                foreach (var r in pool.GetProperty("records").EnumerateArray())
                {
                    var cls = r.GetProperty("class").GetString()!;
                    var rec = new Rec(Schema.Get(cls), r.GetProperty("ref").GetString()!)
                    {
                        Created = r.GetProperty("created").GetInt64(),
                        Modified = r.GetProperty("modified").GetInt64(),
                        LocalOnly = r.GetProperty("localOnly").GetBoolean(),
                    };
                    foreach (var f in r.GetProperty("fields").EnumerateObject()) rec.Fields[f.Name] = ReadValue(f.Value);
                    if (rec.Fields.TryGetValue("current_operations", out var ops) && ops is Dictionary<string, object?> map) map.Clear();
                    db.Restore(rec);
                }

                db.RestoreGenerations(pool.GetProperty("generation").GetInt64() + 1, pool.GetProperty("messageGeneration").GetInt64());
            }

            var storage = root.GetProperty("storage");
            foreach (var e in storage.GetProperty("nfs").EnumerateArray())
            {
                var export = farm.Storage.Nfs.First(n => n.Address == e.GetProperty("server").GetString()).Export(e.GetProperty("path").GetString()!)!;
                foreach (var sr in e.GetProperty("srs").EnumerateArray()) export.Srs[sr.GetProperty("uuid").GetString()!] = ReadSr(sr);
            }

            foreach (var l in storage.GetProperty("luns").EnumerateArray())
            {
                var lun = farm.Storage.Iscsi.First(t => t.Iqn == l.GetProperty("iqn").GetString()).Luns.First(x => x.Id == l.GetProperty("id").GetInt32());
                lun.Sr = ReadSr(l.GetProperty("sr"));
            }

            foreach (var db in farm.Pools)
            {
                var pool = SimFarm.Pool(db);
                if (!pool.Bool("ha_enabled")) continue;
                var ha = farm.Ha.For(db);
                foreach (var h in db.All("host")) ha.Liveset.Add(h.Ref);
            }
        }
    }

    private static void Write(Utf8JsonWriter w, SimFarm farm)
    {
        var o = farm.Options;
        w.WriteStartObject();
        w.WriteNumber("format", FormatVersion);
        w.WriteStartObject("options");
        w.WriteNumber("hosts", o.Hosts);
        w.WriteString("preset", o.Preset);
        w.WriteString("apiVersion", o.ApiVersion);
        w.WriteNumber("memoryGb", o.MemoryGb);
        w.WriteNumber("cpus", o.Cpus);
        w.WriteString("user", o.User);
        w.WriteNumber("vmsPerHost", o.VmsPerHost);
        w.WriteBoolean("noDefaultStorage", o.NoDefaultStorage);
        w.WriteBoolean("freeEdition", o.FreeEdition);
        w.WriteNumber("livenessTimeoutSeconds", o.LivenessTimeoutSeconds);
        WriteStrings(w, "nfs", o.Nfs);
        WriteStrings(w, "iscsi", o.Iscsi);
        WriteStrings(w, "cifs", o.Cifs);
        w.WriteString("bindBase", farm.BindBase);
        w.WriteEndObject();

        w.WriteStartArray("pools");
        foreach (var db in farm.Pools)
        {
            w.WriteStartObject();
            w.WriteNumber("generation", db.Generation);
            w.WriteNumber("messageGeneration", db.MessageGeneration);
            w.WriteStartArray("records");
            foreach (var rec in db.AllRecords.Where(r => !Db.IsTransient(r.Class.Name)))
            {
                w.WriteStartObject();
                w.WriteString("class", rec.Class.Name);
                w.WriteString("ref", rec.Ref);
                w.WriteNumber("created", rec.Created);
                w.WriteNumber("modified", rec.Modified);
                w.WriteBoolean("localOnly", rec.LocalOnly);
                w.WriteStartObject("fields");
                foreach (var (name, value) in rec.Fields)
                {
                    w.WritePropertyName(name);
                    WriteValue(w, value);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartObject("storage");
        w.WriteStartArray("nfs");
        foreach (var nas in farm.Storage.Nfs)
            foreach (var export in nas.Exports)
            {
                w.WriteStartObject();
                w.WriteString("server", nas.Address);
                w.WriteString("path", export.Path);
                w.WriteStartArray("srs");
                foreach (var sr in export.Srs.Values) WriteSr(w, sr);
                w.WriteEndArray();
                w.WriteEndObject();
            }

        w.WriteEndArray();
        w.WriteStartArray("luns");
        foreach (var target in farm.Storage.Iscsi)
            foreach (var lun in target.Luns.Where(l => l.Sr is not null))
            {
                w.WriteStartObject();
                w.WriteString("iqn", target.Iqn);
                w.WriteNumber("id", lun.Id);
                w.WritePropertyName("sr");
                WriteSr(w, lun.Sr!);
                w.WriteEndObject();
            }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void WriteSr(Utf8JsonWriter w, StoredSr sr)
    {
        w.WriteStartObject();
        w.WriteString("uuid", sr.Uuid);
        w.WriteString("type", sr.Type);
        w.WriteStartArray("vdis");
        foreach (var v in sr.Vdis)
        {
            w.WriteStartObject();
            w.WriteString("uuid", v.Uuid);
            w.WriteString("name", v.NameLabel);
            w.WriteString("description", v.NameDescription);
            w.WriteNumber("virtualSize", v.VirtualSize);
            w.WriteNumber("physicalUtilisation", v.PhysicalUtilisation);
            w.WriteString("type", v.Type);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static StoredSr ReadSr(JsonElement e) => new(e.GetProperty("uuid").GetString()!, e.GetProperty("type").GetString()!)
    {
        Vdis = e.GetProperty("vdis").EnumerateArray().Select(v => new StoredVdi(v.GetProperty("uuid").GetString()!, v.GetProperty("name").GetString()!,
            v.GetProperty("description").GetString()!, v.GetProperty("virtualSize").GetInt64(), v.GetProperty("physicalUtilisation").GetInt64(),
            v.GetProperty("type").GetString()!)).ToList(),
    };

    /// <summary>Field values keep their wire type: strings and ints as JSON, the rest tagged ({"d":..}, {"t":..}, {"m":{..}}).</summary>
    private static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case long l: w.WriteNumberValue(l); break;
            case bool b: w.WriteBooleanValue(b); break;
            case double d:
                w.WriteStartObject();
                w.WriteString("d", d.ToString("R", CultureInfo.InvariantCulture));
                w.WriteEndObject();
                break;
            case DateTime t:
                w.WriteStartObject();
                w.WriteString("t", t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
                w.WriteEndObject();
                break;
            case Dictionary<string, object?> map:
                w.WriteStartObject();
                w.WriteStartObject("m");
                foreach (var (k, v) in map)
                {
                    w.WritePropertyName(k);
                    WriteValue(w, v);
                }

                w.WriteEndObject();
                w.WriteEndObject();
                break;
            case List<object?> list:
                w.WriteStartArray();
                foreach (var v in list) WriteValue(w, v);
                w.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException("xensim cannot store a field value of type " + value.GetType().Name);
        }
    }

    private static object? ReadValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetInt64(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(ReadValue).ToList(),
        JsonValueKind.Object when e.TryGetProperty("d", out var d) => double.Parse(d.GetString()!, CultureInfo.InvariantCulture),
        JsonValueKind.Object when e.TryGetProperty("t", out var t) => DateTime.Parse(t.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        JsonValueKind.Object => e.GetProperty("m").EnumerateObject().ToDictionary(p => p.Name, p => ReadValue(p.Value)),
        _ => throw new InvalidDataException("unexpected " + e.ValueKind + " in the state file"),
    };
}
