using System;

namespace XenHa.Client;

/// <summary>The session moved to another pool coordinator.</summary>
public sealed class XenCoordinatorChangedEventArgs : EventArgs
{
    public XenCoordinatorChangedEventArgs(Uri oldUri, Uri newUri, XenRef<Host> oldCoordinator, XenRef<Host> newCoordinator, string newAddress)
    {
        OldUri = oldUri;
        NewUri = newUri;
        OldCoordinator = oldCoordinator;
        NewCoordinator = newCoordinator;
        NewAddress = newAddress;
    }

    public Uri OldUri { get; }

    public Uri NewUri { get; }

    public XenRef<Host> OldCoordinator { get; }

    public XenRef<Host> NewCoordinator { get; }

    /// <summary>The new coordinator's management address.</summary>
    public string NewAddress { get; }

    public override string ToString() => "coordinator moved from " + OldUri.Host + " to " + NewUri.Host;
}
