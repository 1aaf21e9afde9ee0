using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client;

namespace XenHa;

/// <summary>A logged-in session to one pool, as returned by Connect-XenPool.</summary>
public sealed class Connection
{
    internal Connection(int id, XenSession session, string poolName, string coordinatorName)
    {
        Id = id;
        Session = session;
        PoolName = poolName;
        CoordinatorName = coordinatorName;
        session.CoordinatorChanged += OnCoordinatorChanged;
    }

    /// <summary>A number unique within this PowerShell session.</summary>
    public int Id { get; }

    /// <summary>The server as the user named it.</summary>
    public string Server => Session.Server;

    /// <summary>The pool's name label ("" for a standalone host that was never named).</summary>
    public string PoolName { get; internal set; }

    /// <summary>The name of the pool coordinator the session is talking to.</summary>
    public string CoordinatorName { get; internal set; }

    /// <summary>The coordinator's endpoint.</summary>
    public Uri Uri => Session.Uri;

    public string UserName => Session.UserName;

    public string ApiVersion => Session.APIVersionMajor + "." + Session.APIVersionMinor;

    /// <summary>Management addresses of every pool member, coordinator first.</summary>
    public IReadOnlyList<string> Members => Session.KnownMembers;

    public bool IsConnected => Session.IsLoggedIn;

    /// <summary>True for the connection used when a cmdlet is given none and several exist.</summary>
    public bool IsDefault { get; internal set; }

    /// <summary>The names seen on the last reads, for tab completion.</summary>
    internal Infrastructure.NameCache Names { get; } = new Infrastructure.NameCache();

    /// <summary>The underlying XenAPI session (for Invoke-XenApi and advanced scripts).</summary>
    public XenSession Session { get; }

    /// <summary>Keeps CoordinatorName true after the session found a new coordinator (failover, hand-over).</summary>
    private void OnCoordinatorChanged(object? sender, XenCoordinatorChangedEventArgs e)
    {
        CoordinatorName = e.NewAddress.Length > 0 ? e.NewAddress : e.NewUri.Host;
        try
        {
            // Runs inside the session's recovery: a plain read works now, and a bounded wait keeps it from hanging.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var read = Task.Run(() => Session.CallAsync<string>("host.get_name_label", cts.Token, e.NewCoordinator), cts.Token);
            if (read.Wait(TimeSpan.FromSeconds(5)) && !string.IsNullOrEmpty(read.Result))
            {
                CoordinatorName = read.Result;
            }
        }
        catch (Exception)
        {
            // The address stays until the next read of the pool sets the name.
        }
    }

    public override string ToString() =>
        PoolName.Length > 0 ? PoolName + " (" + Uri.Host + ")" : Uri.Host;
}
