using System;
using System.Collections.Generic;

namespace XenHa.Client;

/// <summary>One row of the error table: the kind and a message template over the parameters.</summary>
internal sealed class XenErrorEntry
{
    public XenErrorEntry(XenErrorKind kind, Func<ErrorParameters, string>? format)
    {
        Kind = kind;
        Format = format;
    }

    public XenErrorKind Kind { get; }

    public Func<ErrorParameters, string>? Format { get; }
}

/// <summary>
/// Code → kind + friendly message. Codes and parameter lists are the ones xapi raises
/// (ocaml/xapi-consts/api_errors.ml and the raise sites quoted in the XenAPI reference).
/// </summary>
internal static class XenErrorTable
{
    public const string SrBackendFailurePrefix = "SR_BACKEND_FAILURE_";

    private static readonly Dictionary<string, XenErrorEntry> Entries = new Dictionary<string, XenErrorEntry>(StringComparer.Ordinal)
    {
        // Sessions and connections
        ["SESSION_AUTHENTICATION_FAILED"] = E(XenErrorKind.Authentication, p => $"Authentication failed for user '{p[0]}': {p[1]}"),
        ["SESSION_AUTHORIZATION_FAILED"] = E(XenErrorKind.Authentication, p => $"User '{p[0]}' is authenticated but not authorized to log in: {p[1]}"),
        ["SESSION_INVALID"] = E(XenErrorKind.Authentication, _ => "The session is no longer valid (it expired or was logged out); log in again"),
        ["SESSION_NOT_REGISTERED"] = E(XenErrorKind.Authentication, _ => "The session is not registered with the server; log in again"),
        ["HOST_IS_SLAVE"] = E(XenErrorKind.Connection, p => $"This host is a pool member, not the pool coordinator; connect to the coordinator at {p[0]}"),
        ["HOST_STILL_BOOTING"] = E(XenErrorKind.ResourceUnavailable, _ => "The host is still starting up; try again shortly"),
        ["HOST_HAS_NO_MANAGEMENT_IP"] = E(XenErrorKind.Connection, _ => "The host has no management IP address"),
        ["HOST_MASTER_CANNOT_TALK_BACK"] = E(XenErrorKind.Connection, p => $"The pool coordinator cannot reach this host back at {p[0]}"),
        ["HOST_UNKNOWN_TO_MASTER"] = E(XenErrorKind.Connection, p => $"The pool coordinator does not know host {p[0]}"),

        // Generic API errors
        ["HANDLE_INVALID"] = E(XenErrorKind.NotFound, p => $"The {p[0]} object {p[1]} does not exist (it may have been deleted)"),
        ["UUID_INVALID"] = E(XenErrorKind.NotFound, p => $"No {p[0]} object has the UUID '{p[1]}'"),
        ["MESSAGE_METHOD_UNKNOWN"] = E(XenErrorKind.InvalidArgument, p => $"The server does not know the method {p[0]}"),
        ["MESSAGE_PARAMETER_COUNT_MISMATCH"] = E(XenErrorKind.InvalidArgument, p => $"The method {p[0]} expects {p[1]} parameter(s) but received {p[2]}"),
        ["MESSAGE_REMOVED"] = E(XenErrorKind.InvalidOperation, _ => "This call was removed from the API of this server version"),
        ["MESSAGE_DEPRECATED"] = E(XenErrorKind.InvalidOperation, _ => "This call is deprecated and no longer works on this server version"),
        ["INVALID_VALUE"] = E(XenErrorKind.InvalidArgument, p => $"Invalid value for {p[0]}: '{p[1]}'"),
        ["MAP_DUPLICATE_KEY"] = E(XenErrorKind.InvalidArgument, p => $"The key '{p[3]}' already exists in {p[0]}.{p[1]} of {p[2]}"),
        ["FIELD_TYPE_ERROR"] = E(XenErrorKind.InvalidArgument, p => $"Wrong type for field {p[0]}"),
        ["OPERATION_NOT_ALLOWED"] = E(XenErrorKind.InvalidOperation, p => $"Operation not allowed: {p[0]}"),
        ["OPERATION_BLOCKED"] = E(XenErrorKind.InvalidOperation, p => $"The operation is blocked on {p[0]}: {p[1]}"),
        ["OTHER_OPERATION_IN_PROGRESS"] = E(XenErrorKind.ResourceUnavailable, p => $"Another operation ({p[2]}) is in progress on {p[0]} {p[1]}; wait for it to finish"),
        ["INTERNAL_ERROR"] = E(XenErrorKind.Other, p => $"Internal server error: {p[0]}"),
        ["PERMISSION_DENIED"] = E(XenErrorKind.PermissionDenied, p => p.Has(0) ? $"Permission denied: {p[0]}" : "Permission denied"),
        ["RBAC_PERMISSION_DENIED"] = E(XenErrorKind.PermissionDenied, p => $"Your role does not have the permission {p[0]}: {p[1]}"),
        ["LICENCE_RESTRICTION"] = E(XenErrorKind.InvalidOperation, p => $"The pool's licence does not allow this feature ({p[0]})"),
        ["TASK_CANCELLED"] = E(XenErrorKind.Other, p => $"The task {p[0]} was cancelled"),
        ["NOT_SUPPORTED_DURING_UPGRADE"] = E(XenErrorKind.InvalidOperation, _ => "Not supported while the pool is being upgraded"),

        // VMs
        ["VM_BAD_POWER_STATE"] = E(XenErrorKind.InvalidOperation, p => $"The VM {p[0]} is {p[2]}, but the operation needs it to be {p[1]}"),
        ["VM_IS_TEMPLATE"] = E(XenErrorKind.InvalidOperation, p => p.Has(1) ? $"{p[0]} is a template; '{p[1]}' is not allowed on templates" : $"{p[0]} is a template"),
        ["VM_IS_SNAPSHOT"] = E(XenErrorKind.InvalidOperation, p => $"{p[0]} is a snapshot; '{p[1]}' is not allowed on snapshots"),
        ["VM_REQUIRES_SR"] = E(XenErrorKind.ResourceUnavailable, p => $"The VM {p[0]} needs the storage repository {p[1]}, which this host cannot see"),
        ["VM_REQUIRES_NETWORK"] = E(XenErrorKind.ResourceUnavailable, p => $"The VM {p[0]} needs the network {p[1]}, which this host cannot reach"),
        ["VM_LACKS_FEATURE"] = E(XenErrorKind.InvalidOperation, p => $"The VM {p[0]} lacks the guest feature needed (install the guest tools)"),
        ["VM_MISSING_PV_DRIVERS"] = E(XenErrorKind.InvalidOperation, p => $"The VM {p[0]} has no PV drivers (install the guest tools)"),
        ["VM_NON_SUSPENDABLE"] = E(XenErrorKind.InvalidOperation, p => $"The VM {p[0]} cannot be suspended or migrated: {p[1]}"),
        ["VM_IS_IMMOBILE"] = E(XenErrorKind.InvalidOperation, p => $"The VM {p[0]} is marked as not migratable"),
        ["VM_NO_SUSPEND_SR"] = E(XenErrorKind.ResourceUnavailable, p => $"No storage repository is available for the suspend image of VM {p[0]}"),
        ["VM_MIGRATE_FAILED"] = E(XenErrorKind.Other, p => $"Migrating VM {p[0]} from {p[1]} to {p[2]} failed: {p[3]}"),
        ["VM_HAS_PCI_ATTACHED"] = E(XenErrorKind.InvalidOperation, p => $"The VM {p[0]} has a passed-through PCI device"),
        ["VM_HAS_VGPU"] = E(XenErrorKind.InvalidOperation, p => $"The VM {p[0]} has a virtual GPU"),
        ["VM_INCOMPATIBLE_WITH_THIS_HOST"] = E(XenErrorKind.InvalidOperation, p => $"The VM {p[0]} is not compatible with host {p[1]}: {p[2]}"),
        ["VM_CANNOT_DELETE_DEFAULT_TEMPLATE"] = E(XenErrorKind.InvalidOperation, p => $"{p[0]} is a built-in template and cannot be deleted"),
        ["VM_SHUTDOWN_TIMEOUT"] = E(XenErrorKind.Timeout, p => $"The VM {p[0]} did not shut down within {p[1]} seconds"),
        ["VM_FAILED_SHUTDOWN_ACKNOWLEDGMENT"] = E(XenErrorKind.Timeout, p => $"The VM {p[0]} did not acknowledge the shutdown request"),
        ["CANNOT_RESET_CONTROL_DOMAIN"] = E(XenErrorKind.InvalidOperation, p => $"The power state of the control domain {p[0]} cannot be reset"),
        ["PROVISION_ONLY_ALLOWED_ON_TEMPLATE"] = E(XenErrorKind.InvalidOperation, _ => "Provisioning is only allowed on templates"),

        // Hosts and placement
        ["HOST_NOT_ENOUGH_FREE_MEMORY"] = E(XenErrorKind.ResourceUnavailable, p => p.Count >= 2
            ? $"Not enough free memory on the host: {p[0]} bytes needed, {p[1]} bytes available"
            : $"Not enough free memory on any host for VM {p[0]}"),
        ["HOST_NOT_ENOUGH_PCPUS"] = E(XenErrorKind.ResourceUnavailable, p => $"The host has {p[1]} physical CPUs, but the VM needs {p[0]}"),
        ["NO_HOSTS_AVAILABLE"] = E(XenErrorKind.ResourceUnavailable, _ => "No host in the pool can run this VM"),
        ["HOST_OFFLINE"] = E(XenErrorKind.ResourceUnavailable, p => $"The host {p[0]} is offline"),
        ["HOST_NOT_LIVE"] = E(XenErrorKind.ResourceUnavailable, _ => "The host is not live"),
        ["HOST_DISABLED"] = E(XenErrorKind.InvalidOperation, p => $"The host {p[0]} is disabled (in maintenance mode?)"),
        ["HOST_IS_LIVE"] = E(XenErrorKind.InvalidOperation, p => $"The host {p[0]} is still live"),
        ["HOST_IN_USE"] = E(XenErrorKind.InvalidOperation, p => $"The host {p[0]} is in use"),
        ["CANNOT_EVACUATE_HOST"] = E(XenErrorKind.InvalidOperation, p => $"The host cannot be evacuated: {p[0]}"),
        ["HOSTS_NOT_COMPATIBLE"] = E(XenErrorKind.InvalidOperation, _ => "The hosts are not compatible"),
        ["HOSTS_NOT_HOMOGENEOUS"] = E(XenErrorKind.InvalidOperation, p => $"The hosts are not homogeneous: {p[0]}"),
        ["JOINING_HOST_CANNOT_HAVE_RUNNING_VMS"] = E(XenErrorKind.InvalidOperation, _ => "The joining host must not have running VMs"),
        ["JOINING_HOST_CANNOT_CONTAIN_SHARED_SRS"] = E(XenErrorKind.InvalidOperation, _ => "The joining host must not have shared storage repositories attached"),
        ["JOINING_HOST_CANNOT_BE_MASTER_OF_OTHER_HOSTS"] = E(XenErrorKind.InvalidOperation, _ => "The joining host is the coordinator of other hosts"),
        ["POOL_JOINING_HOST_MUST_HAVE_SAME_API_VERSION"] = E(XenErrorKind.InvalidOperation, p => $"The joining host has API version {p[0]} but the pool has {p[1]}"),

        // HA
        ["HA_IS_ENABLED"] = E(XenErrorKind.InvalidOperation, _ => "High availability is enabled; disable it first"),
        ["HA_NOT_ENABLED"] = E(XenErrorKind.InvalidOperation, _ => "High availability is not enabled"),
        ["HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN"] = E(XenErrorKind.InvalidOperation, _ => "The operation would leave the pool unable to restart its protected VMs after a host failure"),
        ["HA_NOT_INSTALLED"] = E(XenErrorKind.InvalidOperation, p => $"High availability is not installed on host {p[0]}"),
        ["HA_NO_PLAN"] = E(XenErrorKind.InvalidOperation, _ => "No HA failover plan exists"),
        ["HA_LOST_STATEFILE"] = E(XenErrorKind.ResourceUnavailable, _ => "The HA heartbeat storage was lost"),
        ["HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED"] = E(XenErrorKind.InvalidOperation, p => $"The storage repository {p[0]} must stay shared while HA protects VMs on it"),
        ["HA_CONSTRAINT_VIOLATION_NETWORK_NOT_SHARED"] = E(XenErrorKind.InvalidOperation, p => $"The network {p[0]} must stay shared while HA protects VMs on it"),
        ["VM_NOT_AGILE"] = E(XenErrorKind.InvalidOperation, p => $"The VM {p[0]} depends on local resources and cannot be protected by HA"),

        // Storage
        ["SR_HAS_PBD"] = E(XenErrorKind.InvalidOperation, p => $"The storage repository {p[0]} is still attached; detach it first"),
        ["SR_NOT_EMPTY"] = E(XenErrorKind.InvalidOperation, _ => "The storage repository still contains disks"),
        ["SR_UUID_EXISTS"] = E(XenErrorKind.InvalidOperation, p => $"A storage repository with UUID {p[0]} already exists"),
        ["SR_UNKNOWN_DRIVER"] = E(XenErrorKind.InvalidArgument, p => $"Unknown storage driver '{p[0]}'"),
        ["SR_INDESTRUCTIBLE"] = E(XenErrorKind.InvalidOperation, p => $"The storage repository {p[0]} is marked indestructible"),
        ["PBD_EXISTS"] = E(XenErrorKind.InvalidOperation, p => $"The storage repository {p[0]} is already attached to host {p[1]}"),
        ["VDI_IN_USE"] = E(XenErrorKind.ResourceUnavailable, p => $"The disk {p[0]} is in use"),
        ["SR_DEVICE_IN_USE"] = E(XenErrorKind.ResourceUnavailable, _ => "The storage device is in use"),

        // XenHa client-side codes
        [XenProtocolException.ProtocolErrorCode] = E(XenErrorKind.Protocol, null),
        [XenConnectionException.ConnectionFailedCode] = E(XenErrorKind.Connection, null),
        [XenConnectionException.TimeoutCode] = E(XenErrorKind.Timeout, null),
        [CertificateTrust.UntrustedCode] = E(XenErrorKind.Security, null),
        [CertificateTrust.ChangedCode] = E(XenErrorKind.Security, null),
    };

    private static readonly XenErrorEntry SrBackendFailure = E(XenErrorKind.Other, p =>
        "Storage back-end failure: " + (p.Has(1) ? p[1] : "(no reason given)") + (p.Has(2) ? " [" + Shorten(p[2]) + "]" : ""));

    public static XenErrorEntry? Find(string code)
    {
        if (Entries.TryGetValue(code, out var entry))
        {
            return entry;
        }

        return code.StartsWith(SrBackendFailurePrefix, StringComparison.Ordinal) ? SrBackendFailure : null;
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text.Substring(0, 200) + "…";

    private static XenErrorEntry E(XenErrorKind kind, Func<ErrorParameters, string>? format) => new XenErrorEntry(kind, format);
}
