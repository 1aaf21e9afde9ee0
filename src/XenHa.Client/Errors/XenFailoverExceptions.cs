using System;
using System.Collections.Generic;
using System.Linq;

namespace XenHa.Client;

/// <summary>
/// A call that changes state was sent to a coordinator that stopped answering before it replied:
/// the server may or may not have applied it, so it is not repeated. Code <c>XENHA_WRITE_OUTCOME_UNKNOWN</c>
/// (Kind Connection); parameters: the method, the old coordinator, the new one ("" when none was found).
/// The original failure is the inner exception.
/// </summary>
public sealed class XenWriteOutcomeUnknownException : XenApiException
{
    public const string WriteOutcomeUnknownCode = "XENHA_WRITE_OUTCOME_UNKNOWN";

    public XenWriteOutcomeUnknownException(string method, Uri oldCoordinator, Uri? newCoordinator, XenApiException cause, XenApiException? recoveryFailure)
        : base(WriteOutcomeUnknownCode,
               new[] { method, oldCoordinator.Host, newCoordinator?.Host ?? "" },
               MessageFor(method, oldCoordinator, newCoordinator, recoveryFailure),
               XenErrorKind.Connection,
               method,
               cause)
    {
        OldCoordinator = oldCoordinator;
        NewCoordinator = newCoordinator;
        RecoveryFailure = recoveryFailure;
    }

    public Uri OldCoordinator { get; }

    /// <summary>Where the session now points; null when no coordinator could be found.</summary>
    public Uri? NewCoordinator { get; }

    /// <summary>Why no new coordinator was found, when none was.</summary>
    public XenApiException? RecoveryFailure { get; }

    private static string MessageFor(string method, Uri oldCoordinator, Uri? newCoordinator, XenApiException? recoveryFailure) =>
        $"The pool coordinator {oldCoordinator.Host} stopped answering while {method} was in flight, so the server may or may not have applied it; "
        + "it was not repeated. "
        + (newCoordinator is not null
            ? $"The connection now uses the new coordinator {newCoordinator.Host}: read the object back (for example with Get-XenVM or Get-XenTask) to see whether the change happened before trying again"
            : "No new coordinator answered yet" + (recoveryFailure is null ? "" : " (" + recoveryFailure.Message + ")")
              + "; once the pool has one, read the object back to see whether the change happened before trying again")
        + " (" + WriteOutcomeUnknownCode + ")";
}

/// <summary>
/// None of the remembered pool members accepted a login as coordinator within the failover time.
/// Code <c>XENHA_COORDINATOR_NOT_FOUND</c> (Kind Connection); parameters: the addresses tried.
/// </summary>
public sealed class XenCoordinatorNotFoundException : XenApiException
{
    public const string CoordinatorNotFoundCode = "XENHA_COORDINATOR_NOT_FOUND";

    public XenCoordinatorNotFoundException(IReadOnlyList<string> tried, TimeSpan timeout, XenApiException? last)
        : base(CoordinatorNotFoundCode,
               tried.ToArray(),
               $"The pool coordinator is unreachable and none of the known members ({string.Join(", ", tried)}) answered as the new coordinator within {timeout.TotalSeconds:0} s"
               + (last is null ? "" : "; last error: " + last.Message)
               + ". Check the hosts' power and network, or reconnect with Connect-XenPool once the pool has a coordinator (" + CoordinatorNotFoundCode + ")",
               XenErrorKind.Connection,
               null,
               last)
    {
    }
}
