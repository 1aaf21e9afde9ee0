using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>
/// get_all_records(_where) answers are encoded straight from the stored fields under the farm lock; the bytes
/// must be exactly those of the copied records (<see cref="RecordSet.Snapshot"/>) the JSON-RPC path sends.
/// </summary>
public sealed class RecordSetTests
{
    private static SimFarm Farm()
    {
        var farm = new SimFarm(new FarmOptions { Hosts = 3, Preset = "pooled-with-vms", Vms = 12, Password = "pw" }, new ScaledClock(1));
        FarmBuilder.Build(farm, "127.0.0.1");
        return farm;
    }

    /// <summary>Writes that make the stored state unlike a fresh record: markup, non-ASCII, reordered maps and fields, reverse sets.</summary>
    private static void Stir(Db db)
    {
        var vms = db.All("VM").Where(v => !v.Bool("is_control_domain") && !v.Bool("is_a_template")).ToList();
        var vm = vms[0];
        db.Set(vm, "name_label", "a&b<c>\"d\" é€😀\u0001");
        var other = vm.Map("other_config");
        other["k1"] = "v1";
        other["k2"] = "<v2>";
        other["k3"] = "v3";
        other.Remove("k2");
        other["k4"] = "v4"; // takes k2's slot: enumeration order is no longer insertion order
        db.Changed(vm);

        // A field written back after removal sits last in the record's dictionary, out of schema order.
        var second = vms[1];
        var description = second.Fields["name_description"];
        second.Fields.Remove("name_description");
        second.Fields["name_description"] = description;

        db.Create("VM", new Dictionary<string, object?> { ["name_label"] = "snap", ["is_a_snapshot"] = true, ["snapshot_of"] = vm.Ref });
        db.Create("VM", new Dictionary<string, object?> { ["name_label"] = "child", ["parent"] = vm.Ref, ["memory_static_max"] = 1L << 40 });
    }

    [Fact]
    public void Every_class_encodes_to_the_bytes_of_its_copied_records()
    {
        var farm = Farm();
        var db = farm.Pools[0];
        lock (farm.Lock)
        {
            Stir(db);
            foreach (var cls in Schema.Classes.Values)
            {
                var set = new RecordSet(db, cls, db.All(cls.Name).ToList());
                using var copied = XmlRpc.Success(set.Snapshot());
                using var direct = XmlRpc.Success(set);
                Assert.True(copied.ToArray().AsSpan().SequenceEqual(direct.ToArray()), cls.Name + ": the direct encoding differs");
                Assert.Equal(XmlRpc.ValueText(set.Snapshot()), XmlRpc.ValueText(set));
            }
        }
    }

    [Fact]
    public void Dispatched_calls_answer_xml_encoded_under_the_lock_and_json_a_copy()
    {
        var farm = Farm();
        var db = farm.Pools[0];
        lock (farm.Lock) Stir(db);
        var login = Dispatcher.Dispatch(farm, "127.0.0.1", "session.login_with_password", new List<object?> { "root", "pw", "1.0", "test" });
        var session = Assert.IsType<string>(login.Value);
        foreach (var (method, args) in new[]
                 {
                     ("VM.get_all_records", new List<object?> { session }),
                     ("VM.get_all_records_where", new List<object?> { session, "field \"is_a_template\"=\"false\" and field \"is_control_domain\"=\"false\"" }),
                     ("VBD.get_all_records", new List<object?> { session }),
                 })
        {
            var asJson = Dispatcher.Dispatch(farm, "127.0.0.1", method, args);
            Assert.IsType<Dictionary<string, object?>>(asJson.Value);
            var asXml = Dispatcher.Dispatch(farm, "127.0.0.1", method, args, XmlRpc.Success);
            using var encoded = Assert.IsType<Utf8Output>(asXml.Value);
            using var expected = XmlRpc.Success(asJson.Value);
            Assert.True(expected.ToArray().AsSpan().SequenceEqual(encoded.ToArray()), method);
        }

        var guests = (Dictionary<string, object?>)Dispatcher.Dispatch(farm, "127.0.0.1", "VM.get_all_records_where",
            new List<object?> { session, "field \"is_a_template\"=\"false\" and field \"is_control_domain\"=\"false\"" }).Value!;
        Assert.Equal(14, guests.Count);
    }

    [Fact]
    public void A_record_set_is_never_read_outside_the_farm_lock()
    {
        var farm = Farm();
        var db = farm.Pools[0];
        RecordSet set;
        lock (farm.Lock) set = new RecordSet(db, Schema.Get("VM"), db.All("VM").ToList());
        Assert.Throws<InvalidOperationException>(() => XmlRpc.ValueText(set));
        Assert.Throws<InvalidOperationException>(() => set.Snapshot());
    }
}
