using System;
using System.Collections.Generic;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>Gets the VM templates of the connected pools: OS family, memory, vCPUs and the disks a new VM gets.</summary>
[Cmdlet(VerbsCommon.Get, "XenTemplate", DefaultParameterSetName = NameSet)]
[OutputType(typeof(Template))]
public sealed class GetXenTemplateCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string UuidSet = "Uuid";

    /// <summary>Template names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [NotAConnection]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TemplateNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Template UUIDs.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UuidSet)]
    [ValidateNotNullOrEmpty]
    public string[] Uuid { get; set; } = Array.Empty<string>();

    /// <summary>Only templates for this operating system family.</summary>
    [Parameter]
    public OsFamily[]? OsFamily { get; set; }

    /// <summary>The connections to read; all open connections by default.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public Connection[]? Connection { get; set; }

    private readonly IdentityFilter _identity = new IdentityFilter();
    private readonly List<Connection> _connections = new List<Connection>();

    protected override void ProcessRecord()
    {
        _identity.AddNames(Name);
        _identity.AddUuids(Uuid);
        AddDistinct(_connections, ResolveConnections(Connection));
    }

    protected override void EndProcessing()
    {
        foreach (var connection in _connections)
        {
            IReadOnlyList<Template> templates;
            try
            {
                templates = Await(VmResolver.ReadTemplatesAsync(connection, Cancellation));
            }
            catch (Exception e) when (e is XenApiException || e is XenConnectionException || e is XenProtocolException)
            {
                WriteXenError(e, connection);
                continue;
            }
            foreach (var template in templates)
            {
                if (!_identity.Matches(template.Name, template.Uuid))
                {
                    continue;
                }
                if (OsFamily != null && Array.IndexOf(OsFamily, template.OsFamily) < 0)
                {
                    continue;
                }
                WriteObject(template);
            }
        }
        foreach (var error in _identity.NotFoundErrors("template", "XenHaTemplateNotFound"))
        {
            WriteError(error);
        }
    }
}
