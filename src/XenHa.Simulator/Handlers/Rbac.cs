using System;
using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;

namespace XenHa.Simulator.Handlers;

/// <summary>
/// xapi's role-based access control, coarsely: the six static roles, each including the rights of the
/// ones below it, and a table from method to the least role allowed to call it (reads read-only, VM
/// power vm-operator, VM configuration vm-admin, migration vm-power-admin, hosts, pools and storage
/// pool-operator, joins, ejects, emergencies and passwords pool-admin). As in xapi, a session carries its
/// permissions (lower-case "class.message") from login; the local superuser may call anything; a denied
/// call fails RBAC_PERMISSION_DENIED [permission, "No permission in user session. (Roles with this
/// permission: ...)"], an Async one through its task.
/// </summary>
internal static class Rbac
{
    /// <summary>Highest first, as xapi lists roles.</summary>
    public static readonly string[] Roles = { "pool-admin", "pool-operator", "vm-power-admin", "vm-admin", "vm-operator", "read-only" };

    private static readonly HashSet<string> VmOperator = new(StringComparer.Ordinal)
    {
        "VM.start", "VM.start_on", "VM.clean_shutdown", "VM.hard_shutdown", "VM.shutdown", "VM.clean_reboot", "VM.hard_reboot",
        "VM.suspend", "VM.resume", "VM.resume_on", "VM.pause", "VM.unpause", "VBD.insert", "VBD.eject",
    };

    private static readonly HashSet<string> VmPowerAdmin = new(StringComparer.Ordinal)
    {
        "VM.pool_migrate", "VM.migrate_send", "VM.set_affinity", "host.migrate_receive",
    };

    private static readonly HashSet<string> PoolAdmin = new(StringComparer.Ordinal)
    {
        "pool.join", "pool.join_force", "pool.eject", "pool.emergency_reset_master", "pool.emergency_transition_to_master",
        "pool.recover_slaves", "session.change_password", "host.declare_dead", "secret.create", "secret.destroy", "secret.introduce",
    };

    /// <summary>The role name if valid (case-insensitive), else null.</summary>
    public static string? Normalize(string role) => Roles.FirstOrDefault(r => string.Equals(r, role, StringComparison.OrdinalIgnoreCase));

    /// <summary>0 for read-only up to 5 for pool-admin.</summary>
    private static int Rank(string role) => Roles.Length - 1 - Array.IndexOf(Roles, role);

    /// <summary>The least role allowed to call a method (its name without Async.).</summary>
    public static string LeastRole(string method)
    {
        if (PoolAdmin.Contains(method)) return "pool-admin";
        if (VmPowerAdmin.Contains(method)) return "vm-power-admin";
        if (VmOperator.Contains(method)) return "vm-operator";
        var dot = method.IndexOf('.');
        var cls = dot < 0 ? method : method.Substring(0, dot);
        var message = dot < 0 ? "" : method.Substring(dot + 1);
        if (message.StartsWith("get_", StringComparison.Ordinal) || message.StartsWith("ha_compute_", StringComparison.Ordinal)
            || message.StartsWith("assert_", StringComparison.Ordinal) || message == "ha_failover_plan_exists"
            || cls is "session" or "event" or "task" or "system" || method == "message.get" || method.StartsWith("host.compute_", StringComparison.Ordinal))
            return "read-only";
        if (cls is "VM" or "VBD" or "VIF" or "VDI" && !method.StartsWith("VM.set_ha_", StringComparison.Ordinal)
            && method is not ("VM.set_order" or "VM.set_start_delay"))
            return "vm-admin";
        return "pool-operator";
    }

    /// <summary>The permissions a login with <paramref name="role"/> gets: every implemented method it may call, lower case.</summary>
    public static List<object?> PermissionsOf(string role, IEnumerable<string> methods) =>
        methods.Where(m => Rank(LeastRole(m)) <= Rank(role)).Select(m => (object?)m.ToLowerInvariant()).ToList();

    /// <summary>Throws RBAC_PERMISSION_DENIED unless the session may call <paramref name="method"/> (sync name).</summary>
    public static void Check(Rec? session, string method)
    {
        if (session is null || session.Bool("is_local_superuser")) return;
        var permission = method.ToLowerInvariant();
        if (session.List("rbac_permissions").Contains(permission)) return;
        var least = Rank(LeastRole(method));
        var allowed = Roles.Where(r => Rank(r) >= least);
        throw new XenApiException("RBAC_PERMISSION_DENIED", permission,
            "No permission in user session. (Roles with this permission: " + string.Join(", ", allowed) + ")");
    }
}
