using XenHa.Client.XmlRpc;

namespace XenHa.Client;

public sealed partial class XenTask
{
    /// <summary>
    /// Decodes <see cref="Result"/>, which xapi stores as an XML-RPC <c>&lt;value&gt;</c> fragment
    /// (e.g. <c>&lt;value&gt;OpaqueRef:…&lt;/value&gt;</c>), into a generic value; null when empty.
    /// </summary>
    public object? DecodeResult() => XmlRpcResponseReader.DecodeValueFragment(Result);

    /// <summary>The result as a reference of class <typeparamref name="T"/> (Null when the result is empty or not a string).</summary>
    public XenRef<T> ResultRef<T>() where T : XenObject => DecodeResult() is string s ? new XenRef<T>(s) : XenRef<T>.Null;
}
