using System.Collections.Generic;
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
        t.Add("session.get_all_subject_identifiers", 0, _ => new List<object?>());
        t.Add("session.change_password", 2, call =>
        {
            if (call.Str(0) != call.Farm.Options.Password) throw new XenApiException("SESSION_AUTHENTICATION_FAILED", call.Session!.Str("auth_user_name"), "Authentication failure");
            call.Farm.Options.Password = call.Str(1);
            return null;
        });
    }

    private static void CheckCredentials(Call call)
    {
        var user = call.Str(0);
        var pwd = call.Str(1);
        if (user != call.Farm.Options.User || pwd != call.Farm.Options.Password)
            throw new XenApiException("SESSION_AUTHENTICATION_FAILED", user, "Authentication failure");
    }

    private static object? Login(Call call)
    {
        if (SimFarm.IsSupporter(call.Db, call.EndpointHost)) throw SimFarm.HostIsSlave(call.Db);
        CheckCredentials(call);
        var originator = call.Has(3) ? call.Str(3) : "";
        if (call.Has(2)) _ = call.Str(2);
        return NewSession(call, SimFarm.Coordinator(call.Db), originator, slaveLocal: false).Ref;
    }

    private static object? SlaveLocalLogin(Call call)
    {
        CheckCredentials(call);
        return NewSession(call, call.EndpointHost, "", slaveLocal: true).Ref;
    }

    private static Rec NewSession(Call call, Rec host, string originator, bool slaveLocal)
    {
        var rec = call.Db.Create("session", new Dictionary<string, object?>
        {
            ["this_host"] = host.Ref,
            ["last_active"] = call.Now,
            ["validation_time"] = call.Now,
            ["is_local_superuser"] = call.Str(0) == "root" || call.Str(0) == call.Farm.Options.User,
            ["auth_user_name"] = call.Str(0),
            ["originator"] = originator,
        });
        rec.LocalOnly = slaveLocal;
        return rec;
    }

    private static object? Logout(Call call)
    {
        call.Db.Delete(call.Session!);
        return null;
    }
}
