using System;

namespace XenHa.Client;

/// <summary>One completed XenAPI call, for logging. Never carries arguments or results.</summary>
public sealed class XenCallEventArgs : EventArgs
{
    public XenCallEventArgs(string method, TimeSpan duration, bool succeeded, string? errorCode)
    {
        Method = method;
        Duration = duration;
        Succeeded = succeeded;
        ErrorCode = errorCode;
    }

    /// <summary>The wire method name, e.g. <c>VM.get_all_records</c>.</summary>
    public string Method { get; }

    public TimeSpan Duration { get; }

    public bool Succeeded { get; }

    /// <summary>The XenAPI or XenHa error code when the call failed; "Cancelled" on cancellation.</summary>
    public string? ErrorCode { get; }

    public override string ToString() =>
        Method + " " + (Succeeded ? "succeeded" : "failed" + (ErrorCode is null ? "" : " (" + ErrorCode + ")")) + " in " + (long)Duration.TotalMilliseconds + " ms";
}
