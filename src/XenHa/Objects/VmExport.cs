namespace XenHa;

/// <summary>One XVA file written by Export-XenVM (pipe it to Import-XenVM: Path binds by name).</summary>
public sealed class VmExport
{
    /// <summary>Name of the exported VM.</summary>
    public string VmName { get; internal set; } = "";
    public string VmUuid { get; internal set; } = "";
    /// <summary>Full path of the XVA file.</summary>
    public string Path { get; internal set; } = "";
    public double SizeMB { get; internal set; }
    public double Seconds { get; internal set; }
    /// <summary>Average transfer rate.</summary>
    public double MBPerSecond { get; internal set; }
    public bool Compressed { get; internal set; }
    public string PoolName { get; internal set; } = "";

    public override string ToString() => Path;
}
