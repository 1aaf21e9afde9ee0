using System;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Logs into one or more pools and remembers the connections. A login to a pool member is
/// redirected to the coordinator, as XenCenter does.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "XenPool")]
[OutputType(typeof(Connection))]
public sealed class ConnectXenPoolCommand : XenCmdlet
{
    /// <summary>Host names, addresses or URLs (https://host:port/) of a coordinator or any pool member.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Url", "Address")]
    [ValidateNotNullOrEmpty]
    public string[] Server { get; set; } = Array.Empty<string>();

    /// <summary>The pool's credentials (usually root).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Credential]
    [ValidateNotNull]
    public PSCredential Credential { get; set; } = null!;

    /// <summary>The port when -Server is a plain host name (443 for https, 80 for http URLs).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>Accept any server certificate (self-signed hosts, the simulator with -Tls).</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Seconds to wait for each call before giving up.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// Seconds a call may spend finding a new coordinator among the pool's members after the current
    /// one stops answering; 0 turns coordinator failover off.
    /// </summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int FailoverTimeoutSeconds { get; set; } = 120;

    protected override void ProcessRecord()
    {
        foreach (var server in Server)
        {
            var address = WithPort(server.Trim(), Port);
            var options = CertificateSettings.NewOptions(SkipCertificateCheck, TimeSpan.FromSeconds(TimeoutSeconds));
            options.FailoverTimeout = TimeSpan.FromSeconds(FailoverTimeoutSeconds);
            var credential = Credential.GetNetworkCredential();
            WriteVerbose($"Logging into {address} as {Credential.UserName}.");
            XenSession session;
            try
            {
                session = Await(XenSession.LoginAsync(address, Credential.UserName, credential.Password, options, Cancellation));
            }
            catch (XenApiException e)
            {
                WriteXenError(e, server);
                continue;
            }

            var connection = new Connection(ConnectionStore.NextId(), session, "", "");
            try
            {
                Await(PoolReader.ReadPoolAsync(connection, Cancellation));
            }
            catch (XenApiException e)
            {
                session.Dispose();
                WriteXenError(e, server);
                continue;
            }
            var replaced = ConnectionStore.Add(connection);
            if (replaced != null)
            {
                WriteVerbose($"Replacing the earlier connection {replaced.Id} to {replaced.Uri}.");
                replaced.Session.Dispose();
            }
            if (!string.Equals(session.Uri.Host, HostOf(address), StringComparison.OrdinalIgnoreCase))
            {
                WriteVerbose($"{server} is a pool member; connected to the coordinator at {session.Uri.Host}.");
            }
            WriteObject(connection);
        }
    }

    internal static string ModuleVersion =>
        typeof(ConnectXenPoolCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Adds -Port to a plain host name; URLs and host:port forms are left as given.</summary>
    internal static string WithPort(string server, int port)
    {
        if (port == 0 || server.Contains("://"))
        {
            return port == 0 || !Uri.TryCreate(server, UriKind.Absolute, out var uri)
                ? server
                : new UriBuilder(uri) { Port = port }.Uri.ToString();
        }
        var isBareIPv6 = server.IndexOf(':') != server.LastIndexOf(':') && !server.StartsWith("[", StringComparison.Ordinal);
        var host = isBareIPv6 ? "[" + server + "]" : server.Split(':')[0];
        return "https://" + host + ":" + port + "/";
    }

    /// <summary>The host part of whatever the user typed, for the redirect notice.</summary>
    private static string HostOf(string server) =>
        Uri.TryCreate(server.Contains("://") ? server : "https://" + server, UriKind.Absolute, out var uri)
            ? uri.Host
            : server;
}
