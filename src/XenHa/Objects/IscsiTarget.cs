namespace XenHa;

/// <summary>An iSCSI target IQN found by Find-XenIscsiTarget.</summary>
public sealed class IscsiTarget
{
    /// <summary>The portal address the target answered on.</summary>
    public string Address { get; internal set; } = "";
    public int Port { get; internal set; }
    public string TargetIqn { get; internal set; } = "";
    /// <summary>The discovery index reported by the SM driver.</summary>
    public int Index { get; internal set; }

    public override string ToString() => TargetIqn;
}

/// <summary>A LUN of an iSCSI target found by Find-XenIscsiTarget -TargetIqn.</summary>
public sealed class IscsiLun
{
    public int LunId { get; internal set; }
    /// <summary>The SCSI id New-XenIscsiRepository -ScsiId takes.</summary>
    public string ScsiId { get; internal set; } = "";
    public double SizeGB { get; internal set; }
    public long SizeBytes { get; internal set; }
    public string Vendor { get; internal set; } = "";
    public string Serial { get; internal set; } = "";
    public string Target { get; internal set; } = "";
    public int Port { get; internal set; }
    public string TargetIqn { get; internal set; } = "";

    public override string ToString() => ScsiId;
}
