namespace XenHa.Simulator.Handlers;

/// <summary>pool.* custom messages (join/eject/HA come later).</summary>
internal static class PoolHandlers
{
    public static void Register(MethodTable t)
    {
        t.Add("pool.sync_database", 0, _ => null, async: true);
        t.Add("pool.get_license_state", 1, call =>
        {
            _ = call.Obj("pool", 0);
            return new System.Collections.Generic.Dictionary<string, object?> { ["edition"] = "xenserver-premium", ["expiry"] = "30000101T00:00:00Z" };
        }, async: true);
    }
}
