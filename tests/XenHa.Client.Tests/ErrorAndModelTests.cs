using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace XenHa.Client.Tests;

public class ErrorTests
{
    [Theory]
    [InlineData("SESSION_AUTHENTICATION_FAILED", XenErrorKind.Authentication)]
    [InlineData("SESSION_AUTHORIZATION_FAILED", XenErrorKind.Authentication)]
    [InlineData("SESSION_INVALID", XenErrorKind.Authentication)]
    [InlineData("HOST_IS_SLAVE", XenErrorKind.Connection)]
    [InlineData("HANDLE_INVALID", XenErrorKind.NotFound)]
    [InlineData("UUID_INVALID", XenErrorKind.NotFound)]
    [InlineData("MESSAGE_METHOD_UNKNOWN", XenErrorKind.InvalidArgument)]
    [InlineData("MESSAGE_PARAMETER_COUNT_MISMATCH", XenErrorKind.InvalidArgument)]
    [InlineData("INVALID_VALUE", XenErrorKind.InvalidArgument)]
    [InlineData("VM_BAD_POWER_STATE", XenErrorKind.InvalidOperation)]
    [InlineData("OPERATION_NOT_ALLOWED", XenErrorKind.InvalidOperation)]
    [InlineData("HA_IS_ENABLED", XenErrorKind.InvalidOperation)]
    [InlineData("HOST_NOT_ENOUGH_FREE_MEMORY", XenErrorKind.ResourceUnavailable)]
    [InlineData("NO_HOSTS_AVAILABLE", XenErrorKind.ResourceUnavailable)]
    [InlineData("OTHER_OPERATION_IN_PROGRESS", XenErrorKind.ResourceUnavailable)]
    [InlineData("RBAC_PERMISSION_DENIED", XenErrorKind.PermissionDenied)]
    [InlineData("PERMISSION_DENIED", XenErrorKind.PermissionDenied)]
    [InlineData("XENHA_PROTOCOL_ERROR", XenErrorKind.Protocol)]
    [InlineData("XENHA_TIMEOUT", XenErrorKind.Timeout)]
    [InlineData("SOMETHING_NEW", XenErrorKind.Other)]
    public void KindsComeFromTheTable(string code, XenErrorKind kind) => Assert.Equal(kind, XenApiException.KindOf(code));

    [Theory]
    [InlineData("HANDLE_INVALID", new[] { "VM", "OpaqueRef:x" }, "The VM object OpaqueRef:x does not exist (it may have been deleted) (HANDLE_INVALID)")]
    [InlineData("UUID_INVALID", new[] { "host", "abc" }, "No host object has the UUID 'abc' (UUID_INVALID)")]
    [InlineData("MESSAGE_PARAMETER_COUNT_MISMATCH", new[] { "VM.start", "3", "1" }, "The method VM.start expects 3 parameter(s) but received 1 (MESSAGE_PARAMETER_COUNT_MISMATCH)")]
    [InlineData("HOST_NOT_ENOUGH_FREE_MEMORY", new[] { "8589934592", "1024" }, "Not enough free memory on the host: 8589934592 bytes needed, 1024 bytes available (HOST_NOT_ENOUGH_FREE_MEMORY)")]
    [InlineData("HOST_NOT_ENOUGH_FREE_MEMORY", new[] { "OpaqueRef:vm" }, "Not enough free memory on any host for VM OpaqueRef:vm (HOST_NOT_ENOUGH_FREE_MEMORY)")]
    [InlineData("SR_BACKEND_FAILURE_108", new[] { "", "Unable to detect an NFS service on this target.", "" }, "Storage back-end failure: Unable to detect an NFS service on this target. (SR_BACKEND_FAILURE_108)")]
    [InlineData("SOMETHING_NEW", new[] { "a", "b" }, "SOMETHING_NEW: a, b")]
    [InlineData("SOMETHING_NEW", new string[0], "SOMETHING_NEW")]
    [InlineData("VM_BAD_POWER_STATE", new string[0], "The VM ? is ?, but the operation needs it to be ? (VM_BAD_POWER_STATE)")]
    public void FriendlyMessages(string code, string[] parameters, string expected) => Assert.Equal(expected, XenApiException.FriendlyMessage(code, parameters));

    [Fact]
    public void EveryRequiredCodeHasAFriendlyMessage()
    {
        var codes = new[]
        {
            "SESSION_AUTHENTICATION_FAILED", "SESSION_AUTHORIZATION_FAILED", "HOST_IS_SLAVE", "SESSION_INVALID", "HANDLE_INVALID", "UUID_INVALID",
            "MESSAGE_METHOD_UNKNOWN", "MESSAGE_PARAMETER_COUNT_MISMATCH", "MESSAGE_REMOVED", "INVALID_VALUE", "OPERATION_NOT_ALLOWED",
            "OTHER_OPERATION_IN_PROGRESS", "VM_BAD_POWER_STATE", "HOST_NOT_ENOUGH_FREE_MEMORY", "NO_HOSTS_AVAILABLE", "HOST_OFFLINE",
            "HA_IS_ENABLED", "HA_NOT_ENABLED", "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN", "RBAC_PERMISSION_DENIED", "PERMISSION_DENIED",
            "LICENCE_RESTRICTION", "TASK_CANCELLED", "INTERNAL_ERROR", "SR_BACKEND_FAILURE_1",
        };
        foreach (var code in codes)
        {
            Assert.EndsWith("(" + code + ")", XenApiException.FriendlyMessage(code, new[] { "p1", "p2", "p3" }));
        }
    }

    [Fact]
    public void RawDescriptionIsKept()
    {
        var ex = new XenApiException(new[] { "VM_BAD_POWER_STATE", "OpaqueRef:v", "halted", "running" }, "VM.start");
        Assert.Equal(new[] { "OpaqueRef:v", "halted", "running" }, ex.Parameters);
        Assert.Equal(4, ex.ErrorDescription.Count);
        Assert.Equal("VM.start", ex.Method);
        var empty = new XenApiException(Array.Empty<string>());
        Assert.Equal("UNKNOWN_ERROR", empty.Code);
    }

    [Fact]
    public void ClientExceptionsCarryTheirCodes()
    {
        var inner = new System.IO.IOException("reset");
        var c = new XenConnectionException("Cannot connect", new Uri("https://h/"), "h", false, "VM.start", inner);
        Assert.Same(inner, c.InnerException);
        Assert.Equal("XENHA_CONNECTION_FAILED", c.Code);
        Assert.Equal("Cannot connect (XENHA_CONNECTION_FAILED)", c.Message);
        var t = new XenConnectionException("Too slow", null, "h", true, null, inner);
        Assert.Equal(XenErrorKind.Timeout, t.Kind);
        Assert.Equal("XENHA_TIMEOUT", t.Code);
        var p = new XenProtocolException("bad", "VM.start");
        Assert.Equal("XENHA_PROTOCOL_ERROR", p.Code);
        Assert.Equal(new[] { "XENHA_PROTOCOL_ERROR", "bad" }, p.ErrorDescription);
    }
}

/// <summary>Convention tests over the record model (style idiom 15).</summary>
public class ModelConventionTests
{
    private static readonly Type[] Records = typeof(XenObject).Assembly.GetTypes()
        .Where(t => typeof(XenObject).IsAssignableFrom(t) && !t.IsAbstract).ToArray();

    public static IEnumerable<object[]> RecordTypes => Records.Select(t => new object[] { t });

    [Fact]
    public void TheFourteenRecordsExistWithTheirWireNames()
    {
        var expected = new Dictionary<string, string>
        {
            ["Pool"] = "pool", ["Host"] = "host", ["HostMetrics"] = "host_metrics", ["Vm"] = "VM", ["VmMetrics"] = "VM_metrics",
            ["VmGuestMetrics"] = "VM_guest_metrics", ["Sr"] = "SR", ["Pbd"] = "PBD", ["Vdi"] = "VDI", ["Vbd"] = "VBD", ["Vif"] = "VIF",
            ["Network"] = "network", ["Pif"] = "PIF", ["XenTask"] = "task",
        };
        Assert.Equal(expected.Keys.OrderBy(k => k), Records.Select(t => t.Name).OrderBy(n => n));
        foreach (var type in Records)
        {
            Assert.Equal(expected[type.Name], type.GetCustomAttribute<XenClassAttribute>()!.WireName);
            Assert.Equal("XenHa.Client", type.Namespace);
        }
    }

    [Theory]
    [MemberData(nameof(RecordTypes))]
    public void RecordsAreSealedWithAParameterlessCtorSettablePropertiesAndNeverNullDefaults(Type type)
    {
        Assert.True(type.IsSealed);
        var instance = Activator.CreateInstance(type)!;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.True(p.CanWrite, type.Name + "." + p.Name + " is settable");
            var value = p.GetValue(instance);
            Assert.True(value is not null, type.Name + "." + p.Name + " defaults to non-null");
            if (p.PropertyType == typeof(DateTime))
            {
                Assert.Equal(XenDefaults.Epoch, (DateTime)value!);
            }

            if (value is ICollection collection)
            {
                Assert.Empty(collection);
            }
        }
    }

    [Theory]
    [MemberData(nameof(RecordTypes))]
    public void PropertyNamesFollowTheMechanicalRule(Type type)
    {
        foreach (var p in type.GetProperties())
        {
            var wire = p.GetCustomAttribute<XenFieldAttribute>()?.WireName;
            if (wire is null)
            {
                Assert.Equal("OpaqueRef", p.Name);
                continue;
            }

            var name = string.Concat(wire.Split('_').Where(s => s.Length > 0).Select(s => char.ToUpperInvariant(s[0]) + s.Substring(1)));
            if (name == type.Name)
            {
                name += "Value";
            }

            Assert.Equal(name, p.Name);
        }
    }

    [Theory]
    [InlineData(typeof(Vm), "name_label", "NameLabel")]
    [InlineData(typeof(Vm), "VCPUs_max", "VCPUsMax")]
    [InlineData(typeof(Host), "API_version_major", "APIVersionMajor")]
    [InlineData(typeof(VmGuestMetrics), "PV_drivers_version", "PVDriversVersion")]
    [InlineData(typeof(Vm), "is_a_template", "IsATemplate")]
    [InlineData(typeof(Host), "resident_VMs", "ResidentVMs")]
    [InlineData(typeof(Pool), "default_SR", "DefaultSR")]
    [InlineData(typeof(Pool), "ha_enabled", "HaEnabled")]
    [InlineData(typeof(Pbd), "SR", "SR")]
    [InlineData(typeof(Vbd), "VDI", "VDI")]
    [InlineData(typeof(Vif), "MAC", "MAC")]
    [InlineData(typeof(Pif), "IP", "IP")]
    [InlineData(typeof(HostMetrics), "memory_total", "MemoryTotal")]
    [InlineData(typeof(HostMetrics), "live", "Live")]
    [InlineData(typeof(Pbd), "currently_attached", "CurrentlyAttached")]
    [InlineData(typeof(Sr), "physical_size", "PhysicalSize")]
    [InlineData(typeof(XenTask), "status", "Status")]
    public void ContractExamples(Type type, string wire, string property)
    {
        var p = type.GetProperty(property);
        Assert.NotNull(p);
        Assert.Equal(wire, p!.GetCustomAttribute<XenFieldAttribute>()!.WireName);
    }

    [Fact]
    public void TypedFieldsHaveTheContractTypes()
    {
        Assert.Equal(typeof(VmPowerState), typeof(Vm).GetProperty("PowerState")!.PropertyType);
        Assert.Equal(typeof(XenTaskStatus), typeof(XenTask).GetProperty("Status")!.PropertyType);
        Assert.Equal(typeof(XenRef<Host>), typeof(Vm).GetProperty("ResidentOn")!.PropertyType);
        Assert.Equal(typeof(XenRef<VmGuestMetrics>), typeof(Vm).GetProperty("GuestMetrics")!.PropertyType);
        Assert.Equal(typeof(List<XenRef<Vm>>), typeof(Host).GetProperty("ResidentVMs")!.PropertyType);
        Assert.Equal(typeof(long), typeof(Vm).GetProperty("MemoryStaticMax")!.PropertyType);
        Assert.Equal(typeof(double), typeof(XenTask).GetProperty("Progress")!.PropertyType);
        Assert.Equal(typeof(string), typeof(Vm).GetProperty("Appliance")!.PropertyType);
        Assert.Equal(typeof(Dictionary<string, string>), typeof(Vm).GetProperty("OtherConfig")!.PropertyType);
    }

    [Fact]
    public void ReferenceFieldsOnlyPointAtModelledClasses()
    {
        foreach (var type in Records)
        {
            foreach (var p in type.GetProperties())
            {
                var t = p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>) ? p.PropertyType.GetGenericArguments()[0] : p.PropertyType;
                if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(XenRef<>))
                {
                    Assert.Contains(t.GetGenericArguments()[0], Records);
                }
            }
        }
    }
}
