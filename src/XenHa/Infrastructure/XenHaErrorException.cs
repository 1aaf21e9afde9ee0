using System;
using System.Management.Automation;

namespace XenHa.Infrastructure;

/// <summary>
/// A XenHa-detected problem (not a XenAPI failure) carrying the error record to report: a stable
/// PascalCase ErrorId, a deliberate category and the target.
/// </summary>
internal sealed class XenHaErrorException : Exception
{
    public XenHaErrorException(string errorId, ErrorCategory category, string message, object? target)
        : base(message)
    {
        Record = new ErrorRecord(new InvalidOperationException(message), errorId, category, target);
    }

    public ErrorRecord Record { get; }
}
