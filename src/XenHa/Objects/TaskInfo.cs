using System;
using System.Collections.Generic;
using XenHa.Client;
using Api = XenHa.Client;

namespace XenHa;

/// <summary>A XenAPI task (an asynchronous operation) as shown by Get-XenTask and returned by -NoWait.</summary>
public sealed class TaskInfo
{
    /// <summary>The task's name, which is the call it runs (e.g. Async.VM.pool_migrate).</summary>
    public string Name { get; internal set; } = "";
    /// <summary>What the task works on when XenHa started it (e.g. the VM being moved), else "".</summary>
    public string Target { get; internal set; } = "";
    public XenTaskStatus Status { get; internal set; }
    /// <summary>Progress from 0 to 100.</summary>
    public int PercentComplete { get; internal set; }
    public DateTime Created { get; internal set; }
    /// <summary>When the task ended; null while it runs.</summary>
    public DateTime? Finished { get; internal set; }
    /// <summary>Name of the host the task runs on.</summary>
    public string Host { get; internal set; } = "";
    /// <summary>The decoded result (a string, a reference, a number...), null when there is none.</summary>
    public object? Result { get; internal set; }
    /// <summary>The XenAPI error of a failed task: the code followed by its parameters.</summary>
    public string[] ErrorInfo { get; internal set; } = Array.Empty<string>();
    /// <summary>True when the server lets the task be cancelled now (Stop-XenTask).</summary>
    public bool Cancellable { get; internal set; }
    public string Description { get; internal set; } = "";
    public string Uuid { get; internal set; } = "";
    public string OpaqueRef { get; internal set; } = "";
    public Connection Connection { get; internal set; } = null!;
    /// <summary>The raw XenAPI record.</summary>
    public Api.XenTask Record { get; internal set; } = null!;

    /// <summary>The reference of the object the task works on, when known (internal bookkeeping).</summary>
    internal string TargetRef { get; set; } = "";

    internal static TaskInfo From(XenTask record, Connection connection, IReadOnlyDictionary<string, string>? hostNames, string target = "", string targetRef = "")
    {
        object? result = null;
        try
        {
            result = record.Result.Length == 0 ? null : record.DecodeResult();
            if (result is string text && text.Length == 0)
            {
                result = null;
            }
        }
        catch (XenProtocolException)
        {
            result = record.Result;
        }
        var host = "";
        hostNames?.TryGetValue(record.ResidentOn.OpaqueRef, out host);
        return new TaskInfo
        {
            Name = record.NameLabel,
            Target = target,
            TargetRef = targetRef,
            Status = record.Status,
            PercentComplete = (int)Math.Round(Math.Max(0, Math.Min(1, record.Progress)) * 100),
            Created = record.Created,
            Finished = record.Finished <= XenDefaults.Epoch ? (DateTime?)null : record.Finished,
            Host = host ?? "",
            Result = result,
            ErrorInfo = record.ErrorInfo.ToArray(),
            Cancellable = record.AllowedOperations.Contains("cancel"),
            Description = record.NameDescription,
            Uuid = record.Uuid,
            OpaqueRef = record.OpaqueRef,
            Connection = connection,
            Record = record,
        };
    }

    public override string ToString() => Target.Length > 0 ? Name + " (" + Target + ")" : Name;
}
