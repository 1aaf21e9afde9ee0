using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenHa.Client;
using XenHa.Infrastructure;

namespace XenHa.Commands;

/// <summary>
/// Calls any XenAPI method on a connection: the escape hatch for what XenHa has no cmdlet for.
/// The session reference is added as the first argument unless -NoSession is given.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "XenApi", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(object))]
public sealed class InvokeXenApiCommand : XenCmdlet
{
    /// <summary>The wire name, e.g. VM.get_all_records, Async.VM.start, system.listMethods.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidatePattern(@"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$")]
    public string Method { get; set; } = "";

    /// <summary>
    /// Positional arguments after the session. XenHa objects (VMs, hosts, pools) are passed as their
    /// references; hashtables become structs, arrays become arrays.
    /// </summary>
    [Parameter(Position = 1)]
    [AllowEmptyCollection]
    [Alias("Args")]
    public object?[] ArgumentList { get; set; } = Array.Empty<object?>();

    /// <summary>
    /// An object from the pipeline (a VM, host, pool or reference) passed as the first argument,
    /// before -ArgumentList: Get-XenVM web01 | Invoke-XenApi VM.clean_shutdown.
    /// </summary>
    [Parameter(ValueFromPipeline = true)]
    public object? InputObject { get; set; }

    /// <summary>Do not prepend the session reference (system.listMethods, session.login_with_password).</summary>
    [Parameter]
    public SwitchParameter NoSession { get; set; }

    /// <summary>The connection to use; the default connection if omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public Connection? Connection { get; set; }

    protected override void ProcessRecord()
    {
        var connection = ResolveConnection(Connection ?? ConnectionOf(InputObject));
        if (!IsReadOnly(Method) && !ShouldProcess(connection.ToString(), "Call " + Method))
        {
            return;
        }
        var arguments = ArgumentList.Select(ToWire).ToList();
        if (MyInvocation.BoundParameters.ContainsKey(nameof(InputObject)))
        {
            arguments.Insert(0, ToWire(InputObject));
        }
        try
        {
            var result = Await(connection.Session.CallRawAsync(Method, arguments, !NoSession, Cancellation));
            WriteObject(result, enumerateCollection: true);
        }
        catch (XenApiException e)
        {
            WriteXenError(e, Method);
        }
    }

    /// <summary>Messages that only read: calling them needs no confirmation.</summary>
    internal static bool IsReadOnly(string method)
    {
        var parts = method.Split('.');
        if (parts[0] == "Async")
        {
            return false;
        }
        var message = parts[parts.Length - 1];
        return parts[0] == "system"
            || message.StartsWith("get_", StringComparison.Ordinal)
            || message.StartsWith("assert_", StringComparison.Ordinal)
            || message.StartsWith("ha_compute_", StringComparison.Ordinal)
            || message == "ha_failover_plan_exists"
            || (parts[0] == "event" && (message == "from" || message == "next"));
    }

    private static Connection? ConnectionOf(object? value)
    {
        switch (value is PSObject wrapped ? wrapped.BaseObject : value)
        {
            case Vm vm: return vm.Connection;
            case Host host: return host.Connection;
            case Pool pool: return pool.Connection;
            default: return null;
        }
    }

    private static object? ToWire(object? value)
    {
        if (value is PSObject wrapped)
        {
            value = wrapped.BaseObject;
        }
        switch (value)
        {
            case null:
            case string _:
                return value;
            case Vm vm:
                return vm.OpaqueRef;
            case Host host:
                return host.OpaqueRef;
            case Pool pool:
                return pool.OpaqueRef;
            case XenObject record:
                return record.OpaqueRef;
            case IDictionary map:
                var converted = new Dictionary<string, object?>();
                foreach (DictionaryEntry entry in map)
                {
                    converted[Convert.ToString(ToWire(entry.Key), System.Globalization.CultureInfo.InvariantCulture) ?? ""] = ToWire(entry.Value);
                }
                return converted;
            case IEnumerable sequence:
                return sequence.Cast<object?>().Select(ToWire).ToList();
            default:
                return value;
        }
    }
}
