using System;
using System.Management.Automation;
using XenHa.Client;

namespace XenHa.Infrastructure;

/// <summary>
/// Turns exceptions into error records with stable ids: the XenAPI code for server errors
/// (e.g. VM_BAD_POWER_STATE), a XenHa name for everything else.
/// </summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(Exception exception, object? target)
    {
        switch (exception)
        {
            case XenConnectionException connection:
                return new ErrorRecord(connection,
                    connection.Kind == XenErrorKind.Timeout ? "XenHaTimeout" : "XenHaConnectionFailed",
                    connection.Kind == XenErrorKind.Timeout ? ErrorCategory.OperationTimeout : ErrorCategory.ConnectionError,
                    target);
            case XenProtocolException protocol:
                return new ErrorRecord(protocol, "XenHaProtocolError", ErrorCategory.ProtocolError, target);
            case XenApiException api:
                return new ErrorRecord(api, api.Code, CategoryOf(api.Kind), target);
            case TimeoutException timeout:
                return new ErrorRecord(timeout, "XenHaTimeout", ErrorCategory.OperationTimeout, target);
            default:
                return new ErrorRecord(exception, "XenHaUnexpectedError", ErrorCategory.NotSpecified, target);
        }
    }

    public static ErrorRecord NotFound(string what, string name, string errorId) =>
        new ErrorRecord(
            new ItemNotFoundException($"No {what} named '{name}' was found."),
            errorId,
            ErrorCategory.ObjectNotFound,
            name);

    public static ErrorRecord NotFoundByUuid(string what, string uuid, string errorId) =>
        new ErrorRecord(
            new ItemNotFoundException($"No {what} with UUID '{uuid}' was found."),
            errorId,
            ErrorCategory.ObjectNotFound,
            uuid);

    private static ErrorCategory CategoryOf(XenErrorKind kind)
    {
        switch (kind)
        {
            case XenErrorKind.NotFound: return ErrorCategory.ObjectNotFound;
            case XenErrorKind.InvalidArgument: return ErrorCategory.InvalidArgument;
            case XenErrorKind.InvalidOperation: return ErrorCategory.InvalidOperation;
            case XenErrorKind.Authentication: return ErrorCategory.AuthenticationError;
            case XenErrorKind.PermissionDenied: return ErrorCategory.PermissionDenied;
            case XenErrorKind.Connection: return ErrorCategory.ConnectionError;
            case XenErrorKind.Timeout: return ErrorCategory.OperationTimeout;
            case XenErrorKind.Protocol: return ErrorCategory.ProtocolError;
            case XenErrorKind.ResourceUnavailable: return ErrorCategory.ResourceUnavailable;
            case XenErrorKind.Security: return ErrorCategory.SecurityError;
            default: return ErrorCategory.NotSpecified;
        }
    }
}
