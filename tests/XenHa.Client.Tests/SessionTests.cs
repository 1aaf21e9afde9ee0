using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace XenHa.Client.Tests;

public class SessionTests
{
    private const string Password = "Sup3r-S3cret-Pa55";

    private static Task<XenSession> Login(FakeTransport transport, string server = "xen-a", XenSessionOptions? options = null, EventHandler<XenCallEventArgs>? events = null) =>
        XenSession.LoginWithTransportAsync(server, "root", Password, options ?? new XenSessionOptions { Originator = "XenHa/1.2.3" }, transport, events);

    [Fact]
    public async Task LoginSendsFourParametersWithVersionAndOriginator()
    {
        var transport = new FakeTransport().WithPool();
        using var session = await Login(transport);
        var login = transport.Requests.First();
        Assert.Equal("session.login_with_password", login.Method);
        Assert.Contains("<params><param><value>root</value></param><param><value>" + Password + "</value></param><param><value>2.21</value></param><param><value>XenHa/1.2.3</value></param></params>", login.Body);
        Assert.Equal(new Uri("https://xen-a/"), login.Uri);
        Assert.Equal("OpaqueRef:8a7e9c3d-5f1b-4c2e-9d6a-0b1c2d3e4f50", session.SessionRef);
        Assert.True(session.IsLoggedIn);
    }

    [Fact]
    public async Task LoginReadsPoolCoordinatorAndMembers()
    {
        var transport = new FakeTransport().WithPool();
        using var session = await Login(transport);
        Assert.Equal(new[] { "session.login_with_password", "pool.get_all_records", "host.get_record", "host.get_all_records" }, transport.Methods);
        Assert.Contains("<param><value>OpaqueRef:8a7e9c3d-5f1b-4c2e-9d6a-0b1c2d3e4f50</value></param><param><value>OpaqueRef:0f5a2b1c-7d3e-4f9a-8b6c-5d4e3f2a1b09</value></param>", transport.Requests[2].Body);
        Assert.Equal(2, session.APIVersionMajor);
        Assert.Equal(21, session.APIVersionMinor);
        Assert.Equal("OpaqueRef:3d1e5f7a-2b4c-4d6e-8f0a-1b2c3d4e5f60", session.PoolRef.OpaqueRef);
        Assert.Equal("OpaqueRef:0f5a2b1c-7d3e-4f9a-8b6c-5d4e3f2a1b09", session.CoordinatorRef.OpaqueRef);
        Assert.Equal(new[] { "10.0.0.11", "10.0.0.12", "fd00::13" }, session.KnownMembers);
        Assert.Equal("xen-a", session.Server);
        Assert.Equal("root", session.UserName);
    }

    [Fact]
    public async Task HostIsSlaveRedirectsToTheCoordinatorKeepingSchemePortAndPath()
    {
        var transport = new FakeTransport()
            .On((u, m, a) => u.Host == "member.example" && m == "session.login_with_password" ? Fixture.Text("response-failure-host_is_slave.xml") : null)
            .WithPool();
        using var session = await Login(transport, "http://member.example:8080/xapi");
        Assert.Equal(new Uri("http://member.example:8080/xapi"), transport.Requests[0].Uri);
        Assert.Equal(new Uri("http://10.0.0.11:8080/xapi"), transport.Requests[1].Uri);
        Assert.Equal(new Uri("http://10.0.0.11:8080/xapi"), session.Uri);
        Assert.Equal("http://member.example:8080/xapi", session.Server);
        Assert.All(transport.Requests.Skip(1), r => Assert.Equal("10.0.0.11", r.Uri.Host));
    }

    [Fact]
    public async Task HostIsSlaveToAnIpv6AddressUsesBrackets()
    {
        var transport = new FakeTransport()
            .On((u, m, a) => u.Host == "member" ? Wire.Failure("HOST_IS_SLAVE", "fd00::1") : null)
            .WithPool();
        using var session = await Login(transport, "member:443");
        Assert.Equal(new Uri("https://[fd00::1]/"), session.Uri);
        Assert.Equal("[fd00::1]", session.Uri.Host);
    }

    [Fact]
    public async Task RedirectLoopIsBoundedByMaxRedirects()
    {
        var transport = new FakeTransport().On((u, m, a) => Wire.Failure("HOST_IS_SLAVE", u.Host == "10.0.0.1" ? "10.0.0.2" : "10.0.0.1"));
        var ex = await Assert.ThrowsAsync<XenApiException>(() => Login(transport, "start", new XenSessionOptions { MaxRedirects = 3 }));
        Assert.Equal("HOST_IS_SLAVE", ex.Code);
        Assert.Equal(4, transport.Requests.Count);
        Assert.Equal(new[] { "start", "10.0.0.1", "10.0.0.2", "10.0.0.1" }, transport.Requests.Select(r => r.Uri.Host));
    }

    [Fact]
    public async Task NoRedirectsWhenMaxRedirectsIsZero()
    {
        var transport = new FakeTransport().On("session.login_with_password", Fixture.Text("response-failure-host_is_slave.xml"));
        var ex = await Assert.ThrowsAsync<XenApiException>(() => Login(transport, options: new XenSessionOptions { MaxRedirects = 0 }));
        Assert.Equal("HOST_IS_SLAVE", ex.Code);
        Assert.Contains("10.0.0.11", ex.Message);
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task AuthenticationFailureSurfacesCodeAndParametersWithoutThePassword()
    {
        var events = new List<XenCallEventArgs>();
        var transport = new FakeTransport().On("session.login_with_password", Fixture.Text("response-failure-session_authentication_failed.xml"));
        var ex = await Assert.ThrowsAsync<XenApiException>(() => Login(transport, events: (s, e) => events.Add(e)));
        Assert.Equal("SESSION_AUTHENTICATION_FAILED", ex.Code);
        Assert.Equal(new[] { "root", "Authentication failure" }, ex.Parameters);
        Assert.Equal(XenErrorKind.Authentication, ex.Kind);
        Assert.Equal("session.login_with_password", ex.Method);
        Assert.Equal("Authentication failed for user 'root': Authentication failure (SESSION_AUTHENTICATION_FAILED)", ex.Message);
        var e1 = Assert.Single(events);
        Assert.False(e1.Succeeded);
        Assert.Equal("SESSION_AUTHENTICATION_FAILED", e1.ErrorCode);
        AssertNoPassword(ex, events);
    }

    [Fact]
    public async Task APasswordEchoedByABrokenServerIsRedacted()
    {
        var transport = new FakeTransport().On("session.login_with_password", Wire.Failure("INTERNAL_ERROR", "bad login root/" + Password));
        var ex = await Assert.ThrowsAsync<XenApiException>(() => Login(transport));
        Assert.Equal("INTERNAL_ERROR", ex.Code);
        AssertNoPassword(ex, Array.Empty<XenCallEventArgs>());
        Assert.Contains("********", ex.Message);

        var html = new FakeTransport().On("session.login_with_password", "<html>" + Password + "</html>");
        var pex = await Assert.ThrowsAsync<XenProtocolException>(() => Login(html));
        AssertNoPassword(pex, Array.Empty<XenCallEventArgs>());
    }

    private static void AssertNoPassword(Exception ex, IEnumerable<XenCallEventArgs> events)
    {
        var text = ex.ToString() + ex.Message + string.Join("|", ((XenApiException)ex).ErrorDescription) + string.Join("|", events.Select(e => e.ToString() + e.Method + e.ErrorCode));
        var json = System.Text.Json.JsonSerializer.Serialize(new
        {
            ex.Message,
            ((XenApiException)ex).ErrorDescription,
            ((XenApiException)ex).Parameters,
            Events = events.Select(e => new { e.Method, e.ErrorCode, e.Succeeded }).ToArray(),
        });
        Assert.DoesNotContain(Password, text);
        Assert.DoesNotContain(Password, json);
    }

    [Fact]
    public async Task EventsCarryMethodAndTimingForEveryCall()
    {
        var events = new List<XenCallEventArgs>();
        var transport = new FakeTransport().WithPool();
        using var session = await Login(transport, events: (s, e) => events.Add(e));
        Assert.Equal(transport.Methods, events.Select(e => e.Method));
        Assert.All(events, e => Assert.True(e.Succeeded));
        Assert.All(events, e => Assert.True(e.Duration >= TimeSpan.Zero));
        Assert.All(events, e => Assert.DoesNotContain(Password, e.ToString()));
    }

    [Fact]
    public async Task LogoutIsIdempotentAndToleratesAnInvalidSession()
    {
        var transport = new FakeTransport().WithPool();
        var session = await Login(transport);
        await session.LogoutAsync();
        await session.LogoutAsync();
        Assert.False(session.IsLoggedIn);
        Assert.Equal("", session.SessionRef);
        Assert.Single(transport.Methods, m => m == "session.logout");
        session.Dispose();
        session.Dispose();
        Assert.Single(transport.Methods, m => m == "session.logout");

        var expired = new FakeTransport().On("session.logout", Wire.Failure("SESSION_INVALID", "OpaqueRef:8a7e9c3d-5f1b-4c2e-9d6a-0b1c2d3e4f50")).WithPool();
        var s2 = await Login(expired);
        await s2.LogoutAsync();
        Assert.False(s2.IsLoggedIn);
    }

    [Fact]
    public async Task LogoutFailuresOtherThanInvalidSessionAreThrown()
    {
        var transport = new FakeTransport().On("session.logout", Wire.Failure("INTERNAL_ERROR", "boom")).WithPool();
        var session = await Login(transport);
        var ex = await Assert.ThrowsAsync<XenApiException>(() => session.LogoutAsync());
        Assert.Equal("INTERNAL_ERROR", ex.Code);
        Assert.True(session.IsLoggedIn);
        session.Dispose();
        Assert.False(session.IsLoggedIn);
    }

    [Fact]
    public async Task DisposeLogsOut()
    {
        var transport = new FakeTransport().WithPool();
        var session = await Login(transport);
        session.Dispose();
        Assert.Equal("session.logout", transport.Methods.Last());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.CallAsync<string>("VM.get_all", CancellationToken.None));
    }

    [Fact]
    public async Task CallAsyncPrependsTheSessionAndDecodesTypedResults()
    {
        var transport = new FakeTransport()
            .On("VM.get_all_records", Fixture.Text("response-vm-get_all_records.xml"))
            .On("Async.VM.clone", Fixture.Text("response-async-task-ref.xml"))
            .On("task.get_record", Fixture.Text("response-task-get_record.xml"))
            .On("VM.start", Fixture.Text("response-failure-vm_bad_power_state.xml"))
            .On("host.compute_free_memory", Wire.Success("<value>123456789012</value>"))
            .WithPool();
        using var session = await Login(transport);

        var all = await session.CallAsync<Dictionary<XenRef<Vm>, Vm>>("VM.get_all_records", CancellationToken.None);
        Assert.All(all, kv => Assert.Equal(kv.Key.OpaqueRef, kv.Value.OpaqueRef));
        var list = await session.GetAllRecordsAsync<Vm>(CancellationToken.None);
        Assert.Equal(2, list.Count);
        Assert.Equal("OpaqueRef:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", list[0].OpaqueRef);

        var task = await session.CallAsync<XenRef<XenTask>>("Async.VM.clone", CancellationToken.None, list[1].OpaqueRef == "" ? XenRef<Vm>.Null : new XenRef<Vm>(list[1].OpaqueRef), "copy");
        Assert.Contains("<param><value>OpaqueRef:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a</value></param><param><value>copy</value></param>", transport.Requests.Last().Body);
        var record = await session.GetRecordAsync(task, CancellationToken.None);
        Assert.Equal(task.OpaqueRef, record.OpaqueRef);
        Assert.Equal(XenTaskStatus.Success, record.Status);

        Assert.Equal(123456789012L, await session.CallAsync<long>("host.compute_free_memory", CancellationToken.None, session.CoordinatorRef));
        var ex = await Assert.ThrowsAsync<XenApiException>(() => session.CallAsync<object?>("VM.start", CancellationToken.None, list[1].OpaqueRef, false, false));
        Assert.Equal("VM.start", ex.Method);
        Assert.Equal("VM_BAD_POWER_STATE", ex.Code);
        Assert.StartsWith("<param><value>OpaqueRef:8a7e9c3d", transport.Requests.Last().Body.Substring(transport.Requests.Last().Body.IndexOf("<param>", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task GetAllRecordsWhereSendsTheExpression()
    {
        var transport = new FakeTransport().On("VM.get_all_records_where", Fixture.Text("response-vm-get_all_records.xml")).WithPool();
        using var session = await Login(transport);
        var vms = await session.GetAllRecordsWhereAsync<Vm>("field \"is_control_domain\"=\"true\"", CancellationToken.None);
        Assert.Equal(2, vms.Count);
        Assert.Contains("<value>field \"is_control_domain\"=\"true\"</value>", transport.Requests.Last().Body);
    }

    [Fact]
    public async Task CallRawAsyncDecodesGenericallyAndSupportsSessionlessCalls()
    {
        var transport = new FakeTransport().On("system.listMethods", Fixture.Text("response-system-listMethods.xml"))
            .On("pool.get_all", Wire.Success("<value><array><data><value>OpaqueRef:p</value></data></array></value>"))
            .WithPool();
        using var session = await Login(transport);
        var methods = Assert.IsType<object?[]>(await session.CallRawAsync("system.listMethods", Array.Empty<object?>(), false, CancellationToken.None));
        Assert.Contains("pool.get_all_records", methods);
        Assert.Contains("<params></params>", transport.Requests.Last().Body);
        var pools = Assert.IsType<object?[]>(await session.CallRawAsync("pool.get_all", Array.Empty<object?>(), true, CancellationToken.None));
        Assert.Equal("OpaqueRef:p", pools.Single());
        Assert.Contains("<value>OpaqueRef:8a7e9c3d", transport.Requests.Last().Body);
    }

    [Fact]
    public async Task ProtocolErrorsAreAttributedToTheMethod()
    {
        var transport = new FakeTransport().On("VM.get_all_records", "<html>oops</html>").WithPool();
        using var session = await Login(transport);
        var ex = await Assert.ThrowsAsync<XenProtocolException>(() => session.GetAllRecordsAsync<Vm>(CancellationToken.None));
        Assert.Equal("VM.get_all_records", ex.Method);
        Assert.Contains("VM.get_all_records", ex.Message);
    }

    [Fact]
    public async Task APoolCountOtherThanOneIsAProtocolErrorAndTheSessionIsLoggedOut()
    {
        var transport = new FakeTransport()
            .On("pool.get_all_records", Wire.Success("<value><struct></struct></value>"))
            .WithPool();
        var ex = await Assert.ThrowsAsync<XenProtocolException>(() => Login(transport));
        Assert.Contains("exactly one pool", ex.Message);
        Assert.Equal("session.logout", transport.Methods.Last());
    }

    [Fact]
    public async Task CancellationIsPassedThrough()
    {
        var transport = new FakeTransport().WithPool();
        using var session = await Login(transport);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.GetAllRecordsAsync<Vm>(cts.Token));
    }

    [Theory]
    [InlineData("xen-a", "https://xen-a/")]
    [InlineData("xen-a:8443", "https://xen-a:8443/")]
    [InlineData("10.0.0.1", "https://10.0.0.1/")]
    [InlineData("10.0.0.1:80", "https://10.0.0.1:80/")]
    [InlineData("http://xen-a", "http://xen-a/")]
    [InlineData("http://xen-a:8080/", "http://xen-a:8080/")]
    [InlineData("https://xen-a/RPC2", "https://xen-a/RPC2")]
    [InlineData("https://xen-a:4443/xapi", "https://xen-a:4443/xapi")]
    [InlineData("fd00::1", "https://[fd00::1]/")]
    [InlineData("[fd00::1]", "https://[fd00::1]/")]
    [InlineData("[fd00::1]:8443", "https://[fd00::1]:8443/")]
    [InlineData("https://[fd00::1]:8443/", "https://[fd00::1]:8443/")]
    [InlineData("  xen-a.example.com  ", "https://xen-a.example.com/")]
    public void ServerAddressesParse(string server, string expected) => Assert.Equal(new Uri(expected), ServerAddress.Parse(server));

    [Theory]
    [InlineData("")]
    [InlineData("ftp://xen-a")]
    [InlineData("xen-a:0")]
    [InlineData("xen-a:99999")]
    [InlineData("xen-a:port")]
    [InlineData("[fd00::1")]
    public void BadServerAddressesAreRejected(string server) => Assert.Throws<ArgumentException>(() => ServerAddress.Parse(server));
}
