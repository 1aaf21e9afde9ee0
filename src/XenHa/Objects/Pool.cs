using Api = XenHa.Client;

namespace XenHa;

/// <summary>A pool as shown by Get-XenPool.</summary>
public sealed class Pool
{
    public string Name { get; internal set; } = "";
    public string Description { get; internal set; } = "";
    /// <summary>Name of the coordinator (master) host.</summary>
    public string Coordinator { get; internal set; } = "";
    public int HostCount { get; internal set; }
    public bool HaEnabled { get; internal set; }
    public long HaHostFailuresToTolerate { get; internal set; }
    /// <summary>Name of the default storage repository, "" when none is set.</summary>
    public string DefaultRepository { get; internal set; } = "";
    public string Uuid { get; internal set; } = "";
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;
    /// <summary>The raw XenAPI record.</summary>
    public Api.Pool Record { get; internal set; } = null!;

    public override string ToString() => Name;
}
