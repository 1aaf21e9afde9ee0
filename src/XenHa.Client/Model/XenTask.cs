using System;
using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>XenAPI class <c>task</c>: an asynchronous operation.</summary>
[XenClass("task")]
public sealed partial class XenTask : XenObject
{
    [XenField("name_label")]
    public string NameLabel { get; set; } = "";

    [XenField("name_description")]
    public string NameDescription { get; set; } = "";

    [XenField("allowed_operations")]
    public List<string> AllowedOperations { get; set; } = new List<string>();

    [XenField("current_operations")]
    public Dictionary<string, string> CurrentOperations { get; set; } = new Dictionary<string, string>();

    [XenField("created")]
    public DateTime Created { get; set; } = XenDefaults.Epoch;

    [XenField("finished")]
    public DateTime Finished { get; set; } = XenDefaults.Epoch;

    [XenField("status")]
    public XenTaskStatus Status { get; set; } = XenTaskStatus.Unknown;

    [XenField("resident_on")]
    public XenRef<Host> ResidentOn { get; set; }

    [XenField("progress")]
    public double Progress { get; set; }

    [XenField("type")]
    public string Type { get; set; } = "";

    [XenField("result")]
    public string Result { get; set; } = "";

    [XenField("error_info")]
    public List<string> ErrorInfo { get; set; } = new List<string>();

    [XenField("other_config")]
    public Dictionary<string, string> OtherConfig { get; set; } = new Dictionary<string, string>();

    [XenField("subtask_of")]
    public XenRef<XenTask> SubtaskOf { get; set; }

    [XenField("subtasks")]
    public List<XenRef<XenTask>> Subtasks { get; set; } = new List<XenRef<XenTask>>();

    [XenField("backtrace")]
    public string Backtrace { get; set; } = "";
}
