using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace XenHa.Client;

/// <summary>Turns what a user types as a server into an endpoint URI, and builds redirect targets.</summary>
internal static class ServerAddress
{
    /// <summary>
    /// "host", "host:port", "http://host:port/", "https://host[:port][/path]", IPv4, IPv6 (bare or
    /// bracketed). No scheme means https; default ports 443 (https) and 80 (http); default path "/".
    /// </summary>
    public static Uri Parse(string server)
    {
        if (server is null)
        {
            throw new ArgumentNullException(nameof(server));
        }

        var s = server.Trim();
        if (s.Length == 0)
        {
            throw new ArgumentException("A server name or address is required.", nameof(server));
        }

        if (s.IndexOf("://", StringComparison.Ordinal) >= 0)
        {
            if (!Uri.TryCreate(s, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.Host.Length == 0)
            {
                throw new ArgumentException("'" + server + "' is not an http:// or https:// address.", nameof(server));
            }

            return Build(uri.Scheme, uri.Host, uri.Port, uri.AbsolutePath);
        }

        var path = "/";
        string hostPort;
        var bracketEnd = s.StartsWith("[", StringComparison.Ordinal) ? s.IndexOf(']') : -1;
        var slash = s.IndexOf('/', bracketEnd < 0 ? 0 : bracketEnd);
        if (slash >= 0)
        {
            path = s.Substring(slash);
            hostPort = s.Substring(0, slash);
        }
        else
        {
            hostPort = s;
        }

        string host;
        var port = 443;
        if (hostPort.StartsWith("[", StringComparison.Ordinal))
        {
            var end = hostPort.IndexOf(']');
            if (end < 0)
            {
                throw new ArgumentException("'" + server + "' has an unterminated IPv6 bracket.", nameof(server));
            }

            host = hostPort.Substring(1, end - 1);
            var rest = hostPort.Substring(end + 1);
            if (rest.Length > 0)
            {
                port = rest.StartsWith(":", StringComparison.Ordinal) ? ParsePort(rest.Substring(1), server) : throw new ArgumentException("'" + server + "' is not a valid address.", nameof(server));
            }
        }
        else if (CountColons(hostPort) > 1)
        {
            host = hostPort;
        }
        else
        {
            var colon = hostPort.IndexOf(':');
            host = colon < 0 ? hostPort : hostPort.Substring(0, colon);
            if (colon >= 0)
            {
                port = ParsePort(hostPort.Substring(colon + 1), server);
            }
        }

        if (host.Length == 0)
        {
            throw new ArgumentException("'" + server + "' has no host name.", nameof(server));
        }

        return Build(Uri.UriSchemeHttps, host, port, path);
    }

    /// <summary>The same scheme, port and path with another host (HOST_IS_SLAVE redirect).</summary>
    public static Uri WithHost(Uri uri, string host) => Build(uri.Scheme, host.Trim(), uri.Port, uri.AbsolutePath);

    private static Uri Build(string scheme, string host, int port, string path)
    {
        var h = host.Trim('[', ']');
        if (IPAddress.TryParse(h, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            h = "[" + h + "]";
        }
        else if (h.IndexOf(':') >= 0 || h.IndexOfAny(new[] { '/', '?', '#', '@', ' ' }) >= 0)
        {
            throw new ArgumentException("'" + host + "' is not a valid host name or address.");
        }

        if (string.IsNullOrEmpty(path))
        {
            path = "/";
        }

        if (!Uri.TryCreate(scheme + "://" + h + ":" + port.ToString(CultureInfo.InvariantCulture) + path, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException("'" + host + "' is not a valid host name or address.");
        }

        return uri;
    }

    private static int ParsePort(string text, string server)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
        {
            throw new ArgumentException("'" + server + "' has an invalid port.", nameof(server));
        }

        return port;
    }

    private static int CountColons(string s)
    {
        var n = 0;
        foreach (var c in s)
        {
            if (c == ':')
            {
                n++;
            }
        }

        return n;
    }
}
