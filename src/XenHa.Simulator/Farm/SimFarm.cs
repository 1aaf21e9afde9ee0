using System.Collections.Generic;
using System.Linq;
using XenHa.Simulator.Handlers;
using XenHa.Simulator.Inventory;
using XenHa.Simulator.Protocol;
using XenHa.Simulator.Tasks;

namespace XenHa.Simulator.Farm;

/// <summary>The running farm: one database per pool, the global lock, the clock and the method table.</summary>
internal sealed class SimFarm
{
    public SimFarm(FarmOptions options, ISimClock clock)
    {
        Options = options;
        Clock = clock;
        Methods = MethodTable.Build();
        Tasks = new TaskEngine(this);
        Storage = Simulator.Storage.StorageBackends.FromOptions(options);
        Ha = new Ha.HaRuntime(this);
        DiskContent = new Xva.DiskContent(options.DiskContentMb);
    }

    /// <summary>Host power, partitions, storage loss and call fault rules (the control plane's state).</summary>
    public Faults.FaultState Faults { get; } = new();

    /// <summary>Liveness, the HA liveset, failover and restarts.</summary>
    public Ha.HaRuntime Ha { get; }

    /// <summary>NAS exports, iSCSI LUNs and SMB shares shared by every pool of the farm.</summary>
    public Simulator.Storage.StorageBackends Storage { get; }

    /// <summary>Every handler runs under this one lock (event.from waits on it with Monitor.Wait, releasing it).</summary>
    public object Lock { get; } = new();

    public FarmOptions Options { get; }

    /// <summary>The bytes of simulated disks (XVA export/import).</summary>
    public Xva.DiskContent DiskContent { get; }

    /// <summary>Address of xennode01 (host k is this + k - 1).</summary>
    public string BindBase { get; set; } = "127.0.0.1";

    /// <summary>The persistent state file (--state), or null.</summary>
    public StateStore? State { get; set; }
    public ISimClock Clock { get; }
    public MethodTable Methods { get; }
    public TaskEngine Tasks { get; }
    public List<Db> Pools { get; } = new();

    public Db NewPoolDb()
    {
        var db = new Db(Lock);
        Pools.Add(db);
        return db;
    }

    public static Rec Pool(Db db) => db.All("pool").First();

    public static Rec Coordinator(Db db) => db.Get("host", Pool(db).Str("master"));

    /// <summary>The host (and its pool database) whose management address is <paramref name="address"/>.</summary>
    public (Db Db, Rec Host)? HostByAddress(string address)
    {
        foreach (var db in Pools)
            foreach (var h in db.All("host"))
                if (h.Str("address") == address) return (db, h);
        return null;
    }

    public IEnumerable<(Db Db, Rec Host)> AllHosts() =>
        Pools.SelectMany(db => db.All("host").Select(h => (db, h))).OrderBy(x => x.h.Str("name_label"), System.StringComparer.Ordinal);

    public static bool IsSupporter(Db db, Rec host) => Pool(db).Str("master") != host.Ref;

    public static XenApiException HostIsSlave(Db db) => new("HOST_IS_SLAVE", Coordinator(db).Str("address"));
}
