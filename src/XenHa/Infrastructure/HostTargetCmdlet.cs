using System;
using System.Management.Automation;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Base of the cmdlets that act on hosts one by one (maintenance, restart, shutdown): -Name with
/// wildcards or host objects from the pipeline, and a failure on one host that does not stop the others.
/// </summary>
public abstract class HostTargetCmdlet : XenCmdlet
{
    protected const string NameSet = "Name";
    protected const string InputObjectSet = "InputObject";

    /// <summary>Host names or UUIDs; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Hosts from Get-XenHost.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public Host[] InputObject { get; set; } = Array.Empty<Host>();

    /// <summary>The connection to use with -Name; the default connection if omitted.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var (connection, host) in HostTargets.Resolve(this, ParameterSetName == NameSet ? Name : null, InputObject,
                     ParameterSetName == NameSet ? ResolveConnection(Connection) : null))
        {
            try
            {
                ProcessHost(connection, host);
            }
            catch (XenApiException e)
            {
                WriteXenError(e, host.NameLabel);
            }
            catch (TimeoutException e)
            {
                WriteXenError(e, host.NameLabel);
            }
        }
    }

    /// <summary>Acts on one host; XenAPI errors and timeouts become that host's non-terminating error.</summary>
    protected abstract void ProcessHost(Connection connection, Api.Host host);
}
