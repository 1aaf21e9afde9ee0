using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>PBD</c>: the attachment of an SR to a host.</summary>
[XenClass("PBD")]
public sealed class Pbd : XenObject
{
    [XenField("host")]
    public XenRef<Host> Host { get; set; }

    [XenField("SR")]
    public XenRef<Sr> SR { get; set; }

    [XenField("device_config")]
    public Dictionary<string, string> DeviceConfig { get; set; } = new Dictionary<string, string>();

    [XenField("currently_attached")]
    public bool CurrentlyAttached { get; set; }

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();
}
