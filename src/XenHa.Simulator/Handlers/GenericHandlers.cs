using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>The implicit messages every class gets from the schema (reference §3.1).</summary>
internal static class GenericHandlers
{
    public static void Register(MethodTable t)
    {
        foreach (var c in Schema.Classes.Values) RegisterClass(t, c);
    }

    private static void RegisterClass(MethodTable t, ClassDef c)
    {
        var n = c.Name;
        if (c.ExposeGetAll)
        {
            t.Add(n + ".get_all", 0, call => call.Db.All(n).Select(r => (object?)r.Ref).ToList());
            t.Add(n + ".get_all_records", 0, call => new RecordSet(call.Db, c, call.Db.All(n).ToList()));
            t.Add(n + ".get_all_where", 1, call => Where(call, n).Select(r => (object?)r.Ref).ToList());
            t.Add(n + ".get_all_records_where", 1, call => new RecordSet(call.Db, c, Where(call, n)));
        }

        t.Add(n + ".get_record", 1, call => call.Db.Snapshot(call.Obj(n, 0)));
        t.Add(n + ".get_by_uuid", 1, call =>
        {
            var uuid = call.Str(0);
            return call.Db.ByUuid(n, uuid)?.Ref ?? throw new XenApiException("UUID_INVALID", n, uuid);
        });
        if (c.Named)
        {
            t.Add(n + ".get_by_name_label", 1, call =>
            {
                var label = call.Str(0);
                return call.Db.All(n).Where(r => r.Str("name_label") == label).Select(r => (object?)r.Ref).ToList();
            });
        }

        foreach (var f in c.Fields)
        {
            var field = f;
            t.Add($"{n}.get_{f.Name}", 1, call => Db.Copy(call.Db.Value(call.Obj(n, 0), field)));
            var settable = f.ReadWrite || (c.Named && f.Name is "name_label" or "name_description");
            if (!settable) continue;
            t.Add($"{n}.set_{f.Name}", 2, call =>
            {
                var rec = call.Obj(n, 0);
                call.Db.Set(rec, field.Name, field.Coerce(call.Arg(1)));
                return null;
            });
            if (f.Kind == FieldKind.Map)
            {
                t.Add($"{n}.add_to_{f.Name}", 3, call =>
                {
                    var rec = call.Obj(n, 0);
                    var key = call.Str(1);
                    var value = call.Str(2);
                    var map = rec.Map(field.Name);
                    if (map.ContainsKey(key)) throw new XenApiException("MAP_DUPLICATE_KEY", n, field.Name, rec.Uuid, key);
                    map[key] = value;
                    call.Db.Changed(rec);
                    return null;
                });
                t.Add($"{n}.remove_from_{f.Name}", 2, call =>
                {
                    var rec = call.Obj(n, 0);
                    if (rec.Map(field.Name).Remove(call.Str(1))) call.Db.Changed(rec);
                    return null;
                });
            }
            else if (f.Kind is FieldKind.Set or FieldKind.RefSet)
            {
                t.Add($"{n}.add_{f.Name}", 2, call =>
                {
                    var rec = call.Obj(n, 0);
                    var v = call.Str(1);
                    var set = rec.List(field.Name);
                    if (!set.Contains(v)) { set.Add(v); call.Db.Changed(rec); }
                    return null;
                });
                t.Add($"{n}.remove_{f.Name}", 2, call =>
                {
                    var rec = call.Obj(n, 0);
                    if (rec.List(field.Name).Remove(call.Str(1))) call.Db.Changed(rec);
                    return null;
                });
            }
        }
    }

    private static List<Rec> Where(Call call, string cls)
    {
        var text = call.Str(0);
        WhereExpr expr;
        try
        {
            expr = WhereExpr.Parse(text);
        }
        catch (FormatException e)
        {
            throw new XenApiException("INVALID_VALUE", text, e.Message);
        }

        var def = Schema.Get(cls);
        var byDb = def.Fields.ToDictionary(f => f.DbName, StringComparer.Ordinal);
        var matches = new List<Rec>();
        Rec current = null!;
        Func<string, string> field = name =>
            name == "_ref" ? current.Ref : byDb.TryGetValue(name, out var f) ? WhereExpr.DbText(call.Db.Value(current, f)) : "";
        foreach (var r in call.Db.All(cls))
        {
            current = r;
            if (expr.Eval(field)) matches.Add(r);
        }

        return matches;
    }
}
