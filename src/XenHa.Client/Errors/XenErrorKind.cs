namespace XenHa.Client;

/// <summary>Broad class of a XenAPI or XenHa error; cmdlets map it to an ErrorCategory.</summary>
public enum XenErrorKind
{
    Other,
    NotFound,
    InvalidArgument,
    InvalidOperation,
    Authentication,
    PermissionDenied,
    Connection,
    Timeout,
    Protocol,
    ResourceUnavailable,
    Security,
}
