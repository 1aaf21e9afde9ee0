using System;
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
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("name_label")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The connections to read; all open connections by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    protected override void ProcessRecord()
    {
        var filter = new NameFilter();
        filter.Add(Name);
        foreach (var connection in ResolveConnections(Connection))
        {
            try
            {
                var pool = Await(PoolReader.ReadPoolAsync(connection, Cancellation));
                if (filter.Matches(pool.Name))
                {
                    WriteObject(pool);
                }
            }
            catch (XenApiException e)
            {
                WriteXenError(e, connection);
            }
        }
        foreach (var name in filter.UnmatchedLiterals())
        {
            WriteError(ErrorRecords.NotFound("pool", name, "XenHaPoolNotFound"));
        }
    }
}
