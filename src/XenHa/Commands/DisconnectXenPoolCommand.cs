using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Logs out of pools and forgets their connections.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "XenPool", SupportsShouldProcess = true, DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(void))]
public sealed class DisconnectXenPoolCommand : XenCmdlet
{
    private const string DefaultSet = "Default";
    private const string ConnectionSet = "Connection";
    private const string AllSet = "All";

    /// <summary>The connections to close (from Connect-XenPool or Get-XenConnection).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ConnectionSet)]
    [ValidateNotNull]
    public Connection[] Connection { get; set; } = Array.Empty<Connection>();

    /// <summary>Close every open connection.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    private readonly List<Connection> _targets = new List<Connection>();

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case ConnectionSet:
                _targets.AddRange(Connection);
                break;
            case AllSet:
                _targets.AddRange(ConnectionStore.All);
                break;
            default:
                _targets.Add(ResolveConnection(null));
                break;
        }
    }

    protected override void EndProcessing()
    {
        foreach (var connection in _targets.Distinct())
        {
            if (!ShouldProcess(connection.ToString(), "Disconnect"))
            {
                continue;
            }
            ConnectionStore.Remove(connection);
            try
            {
                Await(connection.Session.LogoutAsync(Cancellation));
            }
            catch (Client.XenApiException e)
            {
                // The connection is forgotten either way; say why the server-side logout failed.
                WriteWarning($"Logout from {connection.Uri.Host} failed: {e.Message}");
            }
            connection.Session.Dispose();
        }
    }
}
