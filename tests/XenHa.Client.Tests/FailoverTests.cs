using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace XenHa.Client.Tests;

/// <summary>Session recovery: re-login on SESSION_INVALID, coordinator failover, reads repeated, writes reported.</summary>
public class FailoverTests
{
    private const string Password = "Fa1l0ver-S3cret-Pa55";
    private const string PoolRef = "OpaqueRef:3d1e5f7a-2b4c-4d6e-8f0a-1b2c3d4e5f60";
    private const string HostA = "OpaqueRef:0f5a2b1c-7d3e-4f9a-8b6c-5d4e3f2a1b09";
    private const string HostB = "OpaqueRef:6c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0a";
    private const string HostC = "OpaqueRef:77777777-1a2b-4c3d-9e4f-5a6b7c8d9e0a";
    private const string VmList = "<value><struct></struct></value>";

    /// <summary>A pool xen-a (10.0.0.11), 10.0.0.12, fd00::13 whose hosts can die or become coordinator.</summary>
    private sealed class Farm
    {
        public readonly FakeTransport Transport = new FakeTransport();
        public readonly HashSet<string> Dead = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        public readonly Dictionary<string, string> SlaveOf = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public string Coordinator = "10.0.0.11";
        public int Logins;
        public Func<string, string, string?>? Override;
        public Func<Exception> DeadError = () => new HttpRequestException("Connection reset by peer");

        private static readonly Dictionary<string, string> RefOf = new Dictionary<string, string>
        {
            ["10.0.0.11"] = HostA, ["xen-a"] = HostA, ["10.0.0.12"] = HostB, ["fd00::13"] = HostC, ["10.0.0.50"] = HostC,
        };

        public Farm()
        {
            Transport.On((uri, method, args) =>
            {
                var host = uri.Host.Trim('[', ']');
                var canonical = host == "xen-a" ? "10.0.0.11" : host;
                if (Dead.Contains(canonical))
                {
                    throw new XenConnectionException("no answer", uri, null, false, null, DeadError());
                }

                if (Override?.Invoke(canonical, method) is { } overridden)
                {
                    return overridden;
                }

                if (canonical != Coordinator)
                {
                    return Wire.Failure("HOST_IS_SLAVE", SlaveOf.TryGetValue(canonical, out var pointer) ? pointer : Coordinator);
                }

                switch (method)
                {
                    case "session.login_with_password":
                        Logins++;
                        return Wire.Success("<value>OpaqueRef:session-" + Logins + "</value>");
                    case "pool.get_all_records":
                        return Wire.Success("<value><struct><member><name>" + PoolRef + "</name><value><struct>"
                                            + "<member><name>master</name><value>" + RefOf[Coordinator] + "</value></member>"
                                            + "<member><name>name_label</name><value>pool</value></member></struct></value></member></struct></value>");
                    case "host.get_record":
                        return Wire.Success("<value><struct><member><name>address</name><value>" + Coordinator + "</value></member>"
                                            + "<member><name>API_version_major</name><value><int>2</int></value></member>"
                                            + "<member><name>API_version_minor</name><value><int>21</int></value></member></struct></value>");
                    case "host.get_all_records":
                        return Wire.Success("<value><struct>"
                                            + Member(HostA, "10.0.0.11") + Member(HostB, "10.0.0.12") + Member(HostC, "fd00::13")
                                            + "</struct></value>");
                    case "host.get_name_label":
                        return Wire.Success("<value>node-" + Coordinator + "</value>");
                    case "VM.get_all_records":
                        return Wire.Success(VmList);
                    case "VM.start":
                    case "session.logout":
                        return Fixture.Text("response-void-success.xml");
                    default:
                        return null;
                }
            });
        }

        private static string Member(string reference, string address) =>
            "<member><name>" + reference + "</name><value><struct><member><name>address</name><value>" + address + "</value></member></struct></value></member>";

        public List<string> LoginHosts => Transport.Requests.Where(r => r.Method == "session.login_with_password").Select(r => r.Uri.Host.Trim('[', ']')).ToList();

        public int Count(string method) => Transport.Requests.Count(r => r.Method == method);

        public Task<XenSession> Login(XenSessionOptions? options = null) =>
            XenSession.LoginWithTransportAsync("xen-a", "root", Password,
                options ?? new XenSessionOptions { FailoverTimeout = TimeSpan.FromSeconds(5), FailoverRetryDelay = TimeSpan.FromMilliseconds(20) }, Transport);
    }

    private static string Everything(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            parts.Add(x.ToString());
            parts.Add(x.Message);
            if (x is XenApiException api)
            {
                parts.AddRange(api.ErrorDescription);
            }
        }

        return string.Join("\n", parts);
    }

    [Fact]
    public async Task SessionInvalidLogsInAgainOnceAndRepeatsTheCall()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        var failures = 1;
        farm.Override = (h, m) => m == "VM.get_all_records" && failures-- > 0 ? Wire.Failure("SESSION_INVALID", "OpaqueRef:session-1") : null;
        await session.GetAllRecordsAsync<Vm>(CancellationToken.None);
        Assert.Equal(2, farm.Logins);
        Assert.Equal(2, farm.Count("VM.get_all_records"));
        Assert.Equal("OpaqueRef:session-2", session.SessionRef);
        Assert.Contains("OpaqueRef:session-2", farm.Transport.Requests.Last().Body);
    }

    [Fact]
    public async Task SessionInvalidTwiceIsThrownAfterExactlyOneReLogin()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        farm.Override = (h, m) => m == "VM.get_all_records" ? Wire.Failure("SESSION_INVALID", "x") : null;
        var ex = await Assert.ThrowsAsync<XenApiException>(() => session.GetAllRecordsAsync<Vm>(CancellationToken.None));
        Assert.Equal("SESSION_INVALID", ex.Code);
        Assert.Equal(2, farm.Logins);
        Assert.Equal(2, farm.Count("VM.get_all_records"));
    }

    [Fact]
    public async Task ConcurrentSessionInvalidCallsShareOneReLogin()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        farm.Override = (h, m) => m == "VM.get_all_records" && farm.Logins == 1 ? Wire.Failure("SESSION_INVALID", "x") : null;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => session.GetAllRecordsAsync<Vm>(CancellationToken.None))));
        Assert.Equal(2, farm.Logins);
    }

    [Fact]
    public async Task AReadIsRepeatedOnTheNewCoordinatorAfterTheOldOneDied()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        var events = new List<XenCoordinatorChangedEventArgs>();
        session.CoordinatorChanged += (_, e) => events.Add(e);
        farm.Dead.Add("10.0.0.11");
        farm.Coordinator = "10.0.0.12";

        var vms = await session.GetAllRecordsAsync<Vm>(CancellationToken.None);

        Assert.Empty(vms);
        Assert.Equal("10.0.0.12", session.Uri.Host);
        Assert.Equal(HostB, session.CoordinatorRef.OpaqueRef);
        Assert.Equal("10.0.0.12", session.KnownMembers[0]);
        Assert.Equal(3, session.KnownMembers.Count);
        var changed = Assert.Single(events);
        Assert.Equal("xen-a", changed.OldUri.Host);
        Assert.Equal(HostB, changed.NewCoordinator.OpaqueRef);
        Assert.Equal("10.0.0.12", changed.NewAddress);
        Assert.Equal(new[] { "xen-a", "10.0.0.12" }, farm.Transport.Requests.Where(r => r.Method == "VM.get_all_records").Select(r => r.Uri.Host));
    }

    [Fact]
    public async Task AStreamedReadIsRepeatedAfterAFailoverOnlyWhileNothingWasHandedOn()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        var twoVms = "<value><struct>"
                     + "<member><name>OpaqueRef:a</name><value><struct><member><name>name_label</name><value>a</value></member></struct></value></member>"
                     + "<member><name>OpaqueRef:b</name><value><struct><member><name>name_label</name><value>b</value></member></struct></value></member>"
                     + "</struct></value>";
        farm.Override = (h, m) => m == "VM.get_all_records" ? Wire.Success(twoVms) : null;
        farm.Dead.Add("10.0.0.11");
        farm.Coordinator = "10.0.0.12";

        // The old coordinator died before answering: nothing was handed on, so the read is repeated.
        var names = new List<string>();
        Assert.Equal(2, await session.ReadAllRecordsAsync<Vm>(null, vm => names.Add(vm.OpaqueRef + "=" + vm.NameLabel), CancellationToken.None));
        Assert.Equal(new[] { "OpaqueRef:a=a", "OpaqueRef:b=b" }, names);
        Assert.Equal(2, farm.Count("VM.get_all_records"));

        // Lost after the first record: the caller already has it, so the loss is reported, not repeated.
        var seen = 0;
        await Assert.ThrowsAsync<XenConnectionException>(() => session.ReadAllRecordsAsync<Vm>(null, vm =>
        {
            if (++seen == 1)
            {
                throw new XenConnectionException("connection reset", session.Uri, null, false, null, new System.IO.IOException("reset"));
            }
        }, CancellationToken.None));
        Assert.Equal(1, seen);
        Assert.Equal(3, farm.Count("VM.get_all_records"));
    }

    [Fact]
    public async Task AReadSurvivesATransientOutageOfTheCoordinatorWithBoundedBackOff()
    {
        var farm = new Farm();
        using var session = await farm.Login(new XenSessionOptions { FailoverTimeout = TimeSpan.FromSeconds(10), FailoverRetryDelay = TimeSpan.FromMilliseconds(20) });
        // The coordinator resets the next five connections (a restarting xapi, a flapping link), then answers again.
        var resets = 0;
        farm.DeadError = () =>
        {
            if (++resets == 5)
            {
                farm.Dead.Remove("10.0.0.11");
            }

            return new HttpRequestException("Connection reset by peer");
        };
        farm.Dead.Add("10.0.0.11");
        var watch = Stopwatch.StartNew();

        var vms = await session.GetAllRecordsAsync<Vm>(CancellationToken.None);

        Assert.Empty(vms);
        Assert.Equal(5, resets);
        Assert.Equal(HostA, session.CoordinatorRef.OpaqueRef); // same coordinator, fresh login there
        Assert.Equal(2, farm.Count("VM.get_all_records")); // the failed read and its one repetition
        Assert.True(farm.LoginHosts.Count(h => h == "10.0.0.11") >= 3, "expected rounds over the members with pauses between them");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task AWriteWhoseOutcomeIsUnknownIsReportedAndNotRepeated()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        farm.Dead.Add("10.0.0.11");
        farm.Coordinator = "10.0.0.12";

        var ex = await Assert.ThrowsAsync<XenWriteOutcomeUnknownException>(() =>
            session.CallAsync<object>("VM.start", CancellationToken.None, "OpaqueRef:vm", false, false));

        Assert.Equal("XENHA_WRITE_OUTCOME_UNKNOWN", ex.Code);
        Assert.Equal(XenErrorKind.Connection, ex.Kind);
        Assert.Equal("VM.start", ex.Method);
        Assert.IsType<XenConnectionException>(ex.InnerException);
        Assert.Contains("may or may not have applied", ex.Message);
        Assert.Contains("10.0.0.12", ex.Message);
        Assert.Equal(1, farm.Count("VM.start"));
        Assert.Equal("10.0.0.12", session.Uri.Host); // re-pointed: the caller can read back at once
        await session.GetAllRecordsAsync<Vm>(CancellationToken.None);
        Assert.Equal("10.0.0.12", farm.Transport.Requests.Last().Uri.Host);
    }

    [Fact]
    public async Task AWriteRefusedWithHostIsSlaveDidNotRunAndIsSentToTheNewCoordinator()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        farm.Coordinator = "10.0.0.12"; // xen-a is alive but now a supporter

        await session.CallAsync<object>("VM.start", CancellationToken.None, "OpaqueRef:vm", false, false);

        Assert.Equal(new[] { "xen-a", "10.0.0.12" }, farm.Transport.Requests.Where(r => r.Method == "VM.start").Select(r => r.Uri.Host));
    }

    [Fact]
    public async Task AWriteWhoseConnectionWasRefusedDidNotRunAndIsSentToTheNewCoordinator()
    {
        var farm = new Farm { DeadError = () => new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)) };
        using var session = await farm.Login();
        farm.Dead.Add("10.0.0.11");
        farm.Coordinator = "10.0.0.12";

        await session.CallAsync<object>("VM.start", CancellationToken.None, "OpaqueRef:vm", false, false);

        Assert.Equal(2, farm.Count("VM.start"));
    }

    [Fact]
    public async Task RememberedMembersAreTriedInOrder()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        farm.Dead.Add("10.0.0.11");
        farm.Dead.Add("10.0.0.12");
        farm.Coordinator = "fd00::13";

        await session.GetAllRecordsAsync<Vm>(CancellationToken.None);

        Assert.Equal(new[] { "xen-a", "10.0.0.11", "10.0.0.12", "fd00::13" }, farm.LoginHosts);
        Assert.Equal("[fd00::13]", session.Uri.Host);
    }

    [Fact]
    public async Task ASupporterPointsAtTheNewCoordinatorEvenAnUnknownAddress()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        farm.Dead.Add("10.0.0.11");
        farm.Coordinator = "10.0.0.50";
        farm.SlaveOf["10.0.0.12"] = "10.0.0.50";

        await session.GetAllRecordsAsync<Vm>(CancellationToken.None);

        Assert.Equal(new[] { "xen-a", "10.0.0.11", "10.0.0.12", "10.0.0.50" }, farm.LoginHosts);
        Assert.Equal("10.0.0.50", session.Uri.Host);
    }

    [Fact]
    public async Task FailoverIsBoundedByTheTimeoutWithRoundsOfRetries()
    {
        var farm = new Farm();
        using var session = await farm.Login(new XenSessionOptions { FailoverTimeout = TimeSpan.FromMilliseconds(400), FailoverRetryDelay = TimeSpan.FromMilliseconds(30) });
        farm.Dead.UnionWith(new[] { "10.0.0.11", "10.0.0.12", "fd00::13" });
        var watch = Stopwatch.StartNew();

        var read = await Assert.ThrowsAsync<XenCoordinatorNotFoundException>(() => session.GetAllRecordsAsync<Vm>(CancellationToken.None));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
        Assert.Equal("XENHA_COORDINATOR_NOT_FOUND", read.Code);
        Assert.True(farm.LoginHosts.Count(h => h == "10.0.0.12") >= 2, "expected more than one round");

        var write = await Assert.ThrowsAsync<XenWriteOutcomeUnknownException>(() => session.CallAsync<object>("VM.start", CancellationToken.None, "OpaqueRef:vm", false, false));
        Assert.NotNull(write.RecoveryFailure);
        Assert.Null(write.NewCoordinator);
        Assert.Equal(1, farm.Count("VM.start"));
    }

    [Fact]
    public async Task FailoverHonoursCancellation()
    {
        var farm = new Farm();
        using var session = await farm.Login(new XenSessionOptions { FailoverTimeout = TimeSpan.FromSeconds(60), FailoverRetryDelay = TimeSpan.FromMilliseconds(50) });
        farm.Dead.UnionWith(new[] { "10.0.0.11", "10.0.0.12", "fd00::13" });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.GetAllRecordsAsync<Vm>(cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task FailoverTimeoutZeroTurnsFailoverOff()
    {
        var farm = new Farm();
        using var session = await farm.Login(new XenSessionOptions { FailoverTimeout = TimeSpan.Zero });
        farm.Dead.Add("10.0.0.11");
        farm.Coordinator = "10.0.0.12";
        await Assert.ThrowsAsync<XenConnectionException>(() => session.GetAllRecordsAsync<Vm>(CancellationToken.None));
        Assert.Equal(1, farm.Logins);
    }

    [Fact]
    public async Task ReconnectAsyncFollowsAHandOver()
    {
        var farm = new Farm();
        using var session = await farm.Login();
        var events = 0;
        session.CoordinatorChanged += (_, _) => events++;
        farm.Coordinator = "10.0.0.12";

        await session.ReconnectAsync(CancellationToken.None);

        Assert.Equal("10.0.0.12", session.Uri.Host);
        Assert.Equal(HostB, session.CoordinatorRef.OpaqueRef);
        Assert.Equal(1, events);
        Assert.Equal(new[] { "xen-a", "10.0.0.11", "10.0.0.12" }, farm.LoginHosts);
    }

    [Fact]
    public async Task ThePasswordNeverLeaks()
    {
        var farm = new Farm();
        using var session = await farm.Login(new XenSessionOptions { FailoverTimeout = TimeSpan.FromMilliseconds(200), FailoverRetryDelay = TimeSpan.FromMilliseconds(20) });
        var logged = new List<string>();
        session.CallCompleted += (_, e) => logged.Add(e.ToString());
        session.CoordinatorChanged += (_, e) => logged.Add(e.ToString());
        // A broken member echoes the login arguments in its error.
        farm.Override = (h, m) => h == "10.0.0.12" && m == "session.login_with_password" ? Wire.Failure("INTERNAL_ERROR", "login root " + Password) : null;
        farm.Dead.Add("10.0.0.11");
        farm.Dead.Add("fd00::13");

        var read = await Assert.ThrowsAsync<XenCoordinatorNotFoundException>(() => session.GetAllRecordsAsync<Vm>(CancellationToken.None));
        var write = await Assert.ThrowsAsync<XenWriteOutcomeUnknownException>(() => session.CallAsync<object>("VM.start", CancellationToken.None, "OpaqueRef:vm", false, false));
        farm.Override = (h, m) => m == "session.login_with_password" ? Wire.Failure("SESSION_AUTHENTICATION_FAILED", "root", Password) : null;
        farm.Dead.Clear();
        farm.Override = (h, m) => m == "VM.get_all_records" ? Wire.Failure("SESSION_INVALID", "x")
            : m == "session.login_with_password" ? Wire.Failure("SESSION_AUTHENTICATION_FAILED", "root", Password) : null;
        var relogin = await Assert.ThrowsAsync<XenApiException>(() => session.GetAllRecordsAsync<Vm>(CancellationToken.None));

        Assert.Equal("SESSION_AUTHENTICATION_FAILED", relogin.Code);
        foreach (var text in new[] { Everything(read), Everything(write), Everything(relogin), session.ToString() }.Concat(logged))
        {
            Assert.DoesNotContain(Password, text);
        }
    }

    [Theory]
    [InlineData("VM.get_all_records", true)]
    [InlineData("VM.get_record", true)]
    [InlineData("host.get_all_records_where", true)]
    [InlineData("pool.get_master", true)]
    [InlineData("system.listMethods", true)]
    [InlineData("event.from", true)]
    [InlineData("pool.ha_compute_max_host_failures_to_tolerate", true)]
    [InlineData("VM.assert_can_boot_here", true)]
    [InlineData("VM.start", false)]
    [InlineData("VM.set_name_label", false)]
    [InlineData("Async.VM.get_record", false)]
    [InlineData("pool.designate_new_master", false)]
    [InlineData("event.next", false)]
    [InlineData("", false)]
    public void ReadsAreRecognisedByName(string method, bool read) => Assert.Equal(read, XenSession.IsReadOnlyMethod(method));
}
