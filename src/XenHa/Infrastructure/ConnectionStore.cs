using System.Collections.Generic;
using System.Linq;

namespace XenHa.Infrastructure;

/// <summary>
/// The module-scoped list of open connections. Cmdlets that are given no -Connection work on all of
/// them (read cmdlets) or on the default one; Get-XenConnection exposes the list.
/// </summary>
internal static class ConnectionStore
{
    private static readonly object Gate = new object();
    private static readonly List<Connection> Connections = new List<Connection>();
    private static int _nextId;

    public static int NextId()
    {
        lock (Gate) { return ++_nextId; }
    }

    public static IReadOnlyList<Connection> All
    {
        get { lock (Gate) { return Connections.ToArray(); } }
    }

    public static Connection? Default
    {
        get { lock (Gate) { return Connections.FirstOrDefault(c => c.IsDefault); } }
    }

    /// <summary>Adds a connection and makes it the default; returns any connection it replaces.</summary>
    public static Connection? Add(Connection connection)
    {
        lock (Gate)
        {
            var replaced = Connections.FirstOrDefault(c =>
                c.Uri == connection.Uri && c.UserName == connection.UserName);
            if (replaced != null)
            {
                Connections.Remove(replaced);
            }
            foreach (var other in Connections)
            {
                other.IsDefault = false;
            }
            connection.IsDefault = true;
            Connections.Add(connection);
            return replaced;
        }
    }

    public static void Remove(Connection connection)
    {
        lock (Gate)
        {
            if (!Connections.Remove(connection))
            {
                return;
            }
            connection.IsDefault = false;
            if (Connections.Count > 0 && !Connections.Any(c => c.IsDefault))
            {
                Connections[Connections.Count - 1].IsDefault = true;
            }
        }
    }
}
