using System;

namespace XenHa.Client.XmlRpc;

/// <summary>A value had an unexpected shape; turned into a <see cref="XenProtocolException"/> with context by the caller.</summary>
internal sealed class XmlRpcShapeException : Exception
{
    public XmlRpcShapeException(string message)
        : base(message)
    {
    }
}
