using System.Collections.Generic;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Gets the pool behind each connection.</summary>
[Cmdlet(VerbsCommon.Get, "XenPool")]
[OutputType(typeof(Pool))]
public sealed class GetXenPoolCommand : XenCmdlet
{
    /// <summary>Pool names; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The connections to read; all open connections by default. Hosts and VMs piped in bring theirs.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    private readonly IdentityFilter _identity = new IdentityFilter();
    private readonly List<Connection> _connections = new List<Connection>();

    protected override void ProcessRecord()
    {
        _identity.AddNames(Name);
        AddDistinct(_connections, ResolveConnections(Connection));
    }

    protected override void EndProcessing()
    {
        foreach (var connection in _connections)
        {
            try
            {
                var pool = Await(PoolReader.ReadPoolAsync(connection, Cancellation));
                if (_identity.Matches(pool.Name, pool.Uuid))
                {
                    WriteObject(pool);
                }
            }
            catch (XenApiException e)
            {
                WriteXenError(e, connection);
            }
        }
        foreach (var error in _identity.NotFoundErrors("pool", "XenHaPoolNotFound"))
        {
            WriteError(error);
        }
    }
}
