using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using XenHa.Client.XmlRpc;

namespace XenHa.Client.Tests;

/// <summary>Pins the codec to hand-written wire files (tests/Fixtures/xmlrpc, see its README).</summary>
public class GoldenWireTests
{
    [Fact]
    public void LoginRequestMatchesGoldenFileByteForByte()
    {
        var bytes = XmlRpcRequestWriter.ToBytes("session.login_with_password", new object?[] { "root", "s3cret&<pw>", "2.21", "XenHa/1.0.0" });
        Assert.Equal(Fixture.Text("request-login.xml"), Encoding.UTF8.GetString(bytes));
        Assert.False(bytes.Length >= 3 && bytes[0] == 0xEF, "no BOM");
    }

    [Fact]
    public void MixedArgumentRequestMatchesGoldenFileByteForByte()
    {
        var args = new object?[]
        {
            "OpaqueRef:8a7e9c3d-5f1b-4c2e-9d6a-0b1c2d3e4f50",
            "web & db <01>",
            long.MaxValue,
            true,
            0.5,
            new DateTime(2025, 3, 19, 4, 16, 24, DateTimeKind.Utc),
            new List<string> { "a", "", "c" },
            new Dictionary<string, object> { ["key"] = "value", ["count"] = -42, ["nested"] = new Dictionary<string, object> { ["on"] = false } },
        };
        var text = Encoding.UTF8.GetString(XmlRpcRequestWriter.ToBytes("VM.golden_call", args));
        Assert.Equal(Fixture.Text("request-mixed-args.xml"), text);
    }

    [Fact]
    public void VmGetAllRecordsDecodesBothVmsWithEveryField()
    {
        var vms = XmlRpcResponseReader.Read<Dictionary<XenRef<Vm>, Vm>>(Fixture.Stream("response-vm-get_all_records.xml"));
        Assert.Equal(2, vms.Count);
        var dom0 = vms[new XenRef<Vm>("OpaqueRef:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")];
        var guest = vms[new XenRef<Vm>("OpaqueRef:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a")];

        Assert.Equal("OpaqueRef:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", dom0.OpaqueRef);
        Assert.True(dom0.IsControlDomain);
        Assert.Equal(VmPowerState.Running, dom0.PowerState);
        Assert.Equal(new XenRef<Host>("OpaqueRef:0f5a2b1c-7d3e-4f9a-8b6c-5d4e3f2a1b09"), dom0.ResidentOn);
        Assert.True(dom0.GuestMetrics.IsNull);
        Assert.Equal(16, dom0.VCPUsMax);
        Assert.Equal("true", dom0.OtherConfig["is_system_domain"]);
        Assert.Equal(XenDefaults.Epoch, dom0.SnapshotTime);
        Assert.Equal(DateTimeKind.Utc, dom0.SnapshotTime.Kind);
        Assert.Equal("OpaqueRef:NULL", dom0.Appliance);

        Assert.Equal("7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", guest.Uuid);
        Assert.Equal("web01 & \"db\" <test> 🚀", guest.NameLabel);
        Assert.Equal("line1\nline2", guest.NameDescription);
        Assert.False(guest.IsControlDomain);
        Assert.False(guest.IsATemplate);
        Assert.Equal(8589934592L, guest.MemoryStaticMax);
        Assert.Equal(4294967296L, guest.MemoryDynamicMax);
        Assert.Equal(2147483648L, guest.MemoryDynamicMin);
        Assert.Equal(1073741824L, guest.MemoryStaticMin);
        Assert.Equal(2, guest.VCPUsAtStartup);
        Assert.Equal(1.5, guest.HVMShadowMultiplier);
        Assert.Equal("cdn", guest.HVMBootParams["order"]);
        Assert.Equal(2, guest.VBDs.Count);
        Assert.Equal("OpaqueRef:51f2e3d4-c5b6-4a79-8867-5d4c3b2a1f0e", guest.VIFs.Single().OpaqueRef);
        Assert.Equal(new[] { "prod", "web" }, guest.Tags);
        Assert.Equal("snapshot", guest.CurrentOperations["OpaqueRef:0badc0de-0000-4000-8000-000000000001"]);
        Assert.True(guest.HaAlwaysRun);
        Assert.Equal("restart", guest.HaRestartPriority);
        Assert.Equal(30, guest.StartDelay);
        Assert.Equal(2, guest.Order);
        Assert.Equal(7, guest.Domid);
        Assert.Equal("hvm", guest.DomainType);
        Assert.Contains("memory-static-max", guest.Recommendations);
        Assert.Equal(new XenRef<Sr>("OpaqueRef:44b5c6d7-e8f9-4a0b-9c1d-2e3f4a5b6c7d"), guest.SuspendSR);
        Assert.Equal(new XenRef<VmGuestMetrics>("OpaqueRef:cd34ef56-ab12-4c78-9d0e-2f3a4b5c6d7e"), guest.GuestMetrics);
    }

    [Fact]
    public void VmGetAllRecordsAsOrderedListKeepsWireOrder()
    {
        var list = (IReadOnlyList<Vm>)XmlRpcResponseReader.Read(Fixture.Stream("response-vm-get_all_records.xml"), XmlRpcDecoders.RecordList<Vm>(), typeof(IReadOnlyList<Vm>))!;
        Assert.Equal(new[] { true, false }, list.Select(v => v.IsControlDomain));
        Assert.All(list, v => Assert.StartsWith("OpaqueRef:", v.OpaqueRef));
    }

    [Fact]
    public void HostGetRecordDecodes()
    {
        var host = XmlRpcResponseReader.Read<Host>(Fixture.Stream("response-host-get_record.xml"));
        Assert.Equal(2, host.APIVersionMajor);
        Assert.Equal(21, host.APIVersionMinor);
        Assert.Equal("10.0.0.11", host.Address);
        Assert.Equal("xen-a", host.NameLabel);
        Assert.True(host.Enabled);
        Assert.Equal("3.4.0", host.SoftwareVersion["platform_version"]);
        Assert.Equal(new long[] { 0, 1, 2 }, host.VirtualHardwarePlatformVersions);
        Assert.Equal(new DateTime(2025, 3, 19, 4, 16, 24, DateTimeKind.Utc), host.LastSoftwareUpdate);
        Assert.Equal("OpaqueRef:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", host.ControlDomain.OpaqueRef);
        Assert.Equal("OpaqueRef:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", host.ResidentVMs.Single().OpaqueRef);
        Assert.Equal(4, host.Capabilities.Count);
        Assert.Equal("", host.Capabilities[3]);
    }

    [Fact]
    public void PoolGetAllRecordsDecodes()
    {
        var pools = XmlRpcResponseReader.Read<Dictionary<XenRef<Pool>, Pool>>(Fixture.Stream("response-pool-get_all_records.xml"));
        var pool = Assert.Single(pools).Value;
        Assert.Equal("OpaqueRef:3d1e5f7a-2b4c-4d6e-8f0a-1b2c3d4e5f60", pool.OpaqueRef);
        Assert.Equal("prod-pool", pool.NameLabel);
        Assert.Equal("OpaqueRef:0f5a2b1c-7d3e-4f9a-8b6c-5d4e3f2a1b09", pool.Master.OpaqueRef);
        Assert.False(pool.HaEnabled);
        Assert.Equal("xhad", pool.HaClusterStack);
        Assert.True(pool.CoordinatorBias);
        Assert.Equal("true", pool.Restrictions["enable_xha"]);
        Assert.Equal(new DateTime(2025, 3, 26, 0, 0, 0, DateTimeKind.Utc), pool.TelemetryNextCollection);
    }

    [Theory]
    [InlineData("response-failure-session_authentication_failed.xml", "SESSION_AUTHENTICATION_FAILED", XenErrorKind.Authentication, new[] { "root", "Authentication failure" })]
    [InlineData("response-failure-host_is_slave.xml", "HOST_IS_SLAVE", XenErrorKind.Connection, new[] { "10.0.0.11" })]
    [InlineData("response-failure-vm_bad_power_state.xml", "VM_BAD_POWER_STATE", XenErrorKind.InvalidOperation, new[] { "OpaqueRef:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "halted", "running" })]
    public void FailureEnvelopesBecomeXenApiExceptions(string file, string code, XenErrorKind kind, string[] parameters)
    {
        var ex = Assert.Throws<XenApiException>(() => XmlRpcResponseReader.Read<string>(Fixture.Stream(file)));
        Assert.Equal(code, ex.Code);
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(parameters, ex.Parameters);
        Assert.Equal(new[] { code }.Concat(parameters), ex.ErrorDescription);
        Assert.EndsWith("(" + code + ")", ex.Message);
    }

    [Fact]
    public void VmBadPowerStateMessageNamesBothStates()
    {
        var ex = Assert.Throws<XenApiException>(() => XmlRpcResponseReader.Read<object>(Fixture.Stream("response-failure-vm_bad_power_state.xml")));
        Assert.Contains("is running", ex.Message);
        Assert.Contains("to be halted", ex.Message);
    }

    [Fact]
    public void SrBackendFailureKeepsTheDiscoveryXmlInElementThree()
    {
        var ex = Assert.Throws<XenApiException>(() => XmlRpcResponseReader.Read<string>(Fixture.Stream("response-failure-sr_backend_failure_96.xml")));
        Assert.Equal("SR_BACKEND_FAILURE_96", ex.Code);
        Assert.Equal(4, ex.ErrorDescription.Count);
        Assert.Equal("", ex.ErrorDescription[1]);
        Assert.StartsWith("<?xml version=\"1.0\" ?>\n<iscsi-target-iqns>", ex.ErrorDescription[3]);
        Assert.Contains("<TargetIQN>iqn.2025-03.com.example:storage.lun1</TargetIQN>", ex.ErrorDescription[3]);
        Assert.Contains("\t\t<Index>0</Index>", ex.ErrorDescription[3]);
        Assert.StartsWith("Storage back-end failure: The request is missing or has an incorrect target IQN parameter", ex.Message);
        Assert.EndsWith("(SR_BACKEND_FAILURE_96)", ex.Message);
    }

    [Fact]
    public void SystemListMethodsBareArrayDecodes()
    {
        var generic = XmlRpcResponseReader.ReadGeneric(Fixture.Stream("response-system-listMethods.xml"));
        var array = Assert.IsType<object?[]>(generic);
        Assert.Contains("VM.get_all_records", array);
        var typed = XmlRpcResponseReader.Read<List<string>>(Fixture.Stream("response-system-listMethods.xml"));
        Assert.Equal(7, typed.Count);
    }

    [Fact]
    public void AsyncCallReturnsATaskRef()
    {
        var task = XmlRpcResponseReader.Read<XenRef<XenTask>>(Fixture.Stream("response-async-task-ref.xml"));
        Assert.Equal("OpaqueRef:c0ffee00-1234-4abc-8def-0123456789ab", task.OpaqueRef);
    }

    [Fact]
    public void TaskRecordResultIsAnEscapedXmlRpcValue()
    {
        var task = XmlRpcResponseReader.Read<XenTask>(Fixture.Stream("response-task-get_record.xml"));
        Assert.Equal(XenTaskStatus.Success, task.Status);
        Assert.Equal(1.0, task.Progress);
        Assert.Equal("<none/>", task.Type);
        Assert.Equal("Async.VM.clone", task.NameLabel);
        Assert.Equal("<value>OpaqueRef:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a</value>", task.Result);
        Assert.Equal("OpaqueRef:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", task.DecodeResult());
        Assert.Equal("OpaqueRef:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", task.ResultRef<Vm>().OpaqueRef);
        Assert.Equal(new DateTime(2025, 3, 19, 4, 16, 31, DateTimeKind.Utc), task.Finished);
        Assert.True(task.SubtaskOf.IsNull);
    }

    [Fact]
    public void VoidResultDecodesAsEmptyString()
    {
        Assert.Equal("", XmlRpcResponseReader.ReadGeneric(Fixture.Stream("response-void-success.xml")));
    }
}
