using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Farm;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>session.* (reference §2). Field getters (get_this_host(s, s) ...) come from the generic table.</summary>
internal static class SessionHandlers
{
    public static void Register(MethodTable t)
    {
        t.Add("session.login_with_password", 2, Login, session: false, optional: 2);
        t.Add("session.slave_local_login_with_password", 2, SlaveLocalLogin, session: false);
        t.Add("session.logout", 0, Logout);
        t.Add("session.local_logout", 0, Logout);
        t.Add("session.get_all_subject_identifiers", 0, call => call.Farm.Options.Users.Select(u => (object?)SubjectIdentifier(u.Name)).ToList());
        t.Add("session.change_password", 2, call =>
        {
            if (call.Str(0) != call.Farm.Options.Password) throw new XenApiException("SESSION_AUTHENTICATION_FAILED", call.Session!.Str("auth_user_name"), "Authentication failure");
            call.Farm.Options.Password = call.Str(1);
            return null;
        });
    }

    /// <summary>The local superuser (null) or the RBAC user the credentials belong to; SESSION_AUTHENTICATION_FAILED otherwise.</summary>
    private static SimUser? CheckCredentials(Call call, bool superuserOnly = false)
    {
        var user = call.Str(0);
        var pwd = call.Str(1);
        if (user == call.Farm.Options.User && pwd == call.Farm.Options.Password) return null;
        var rbacUser = superuserOnly ? null : call.Farm.Options.Users.Find(u => u.Name == user && u.Password == pwd);
        return rbacUser ?? throw new XenApiException("SESSION_AUTHENTICATION_FAILED", user, "Authentication failure");
    }

    private static object? Login(Call call)
    {
        if (SimFarm.IsSupporter(call.Db, call.EndpointHost)) throw SimFarm.HostIsSlave(call.Db);
        var user = CheckCredentials(call);
        var originator = call.Has(3) ? call.Str(3) : "";
        if (call.Has(2)) _ = call.Str(2);
        return NewSession(call, SimFarm.Coordinator(call.Db), originator, slaveLocal: false, user).Ref;
    }

    private static object? SlaveLocalLogin(Call call)
    {
        CheckCredentials(call, superuserOnly: true);
        return NewSession(call, call.EndpointHost, "", slaveLocal: true, null).Ref;
    }

    private static Rec NewSession(Call call, Rec host, string originator, bool slaveLocal, SimUser? user)
    {
        var rec = call.Db.Create("session", new Dictionary<string, object?>
        {
            ["this_host"] = host.Ref,
            ["last_active"] = call.Now,
            ["validation_time"] = call.Now,
            ["is_local_superuser"] = user is null,
            ["auth_user_name"] = call.Str(0),
            ["auth_user_sid"] = user is null ? "" : SubjectIdentifier(user.Name),
            ["rbac_permissions"] = user is null ? new List<object?>() : Rbac.PermissionsOf(Rbac.Normalize(user.Role)!, call.Farm.Methods.Names),
            ["originator"] = originator,
        });
        rec.LocalOnly = slaveLocal;
        return rec;
    }

    /// <summary>A stable, made-up Windows-style SID for an RBAC user (xapi's users come from a directory).</summary>
    private static string SubjectIdentifier(string name) =>
        "S-1-5-21-" + (uint)StableHash(name) + "-" + (uint)StableHash("xensim:" + name) + "-1001";

    private static int StableHash(string s)
    {
        unchecked
        {
            var h = (int)2166136261;
            foreach (var c in s) h = (h ^ c) * 16777619;
            return h;
        }
    }

    private static object? Logout(Call call)
    {
        call.Db.Delete(call.Session!);
        return null;
    }
}
