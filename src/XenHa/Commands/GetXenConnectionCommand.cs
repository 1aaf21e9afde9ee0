using System.Linq;
using System.Management.Automation;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Lists the open connections of this PowerShell session.</summary>
[Cmdlet(VerbsCommon.Get, "XenConnection")]
[OutputType(typeof(Connection))]
public sealed class GetXenConnectionCommand : XenCmdlet
{
    /// <summary>Only the default connection.</summary>
    [Parameter]
    public SwitchParameter Default { get; set; }

    protected override void EndProcessing()
    {
        var connections = Default ? ConnectionStore.All.Where(c => c.IsDefault) : ConnectionStore.All;
        foreach (var connection in connections)
        {
            WriteObject(connection);
        }
    }
}
