using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenHa.Client.Transport;
using XenHa.Client.XmlRpc;

namespace XenHa.Client.Tests;

/// <summary>Certificate policy (Fail, Pin, Warn, Ignore), pins and the per-user settings file.</summary>
public sealed class CertificateTrustTests : IDisposable
{
    private const SslPolicyErrors Untrusted = SslPolicyErrors.RemoteCertificateChainErrors;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "xenha-trust-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    private TrustStore Store() => new TrustStore(_dir);

    private static X509Certificate2 SelfSigned(string name = "xennode01")
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=" + name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    [Fact]
    public void FailRefusesAnUntrustedCertificateAndSaysHowToTrustIt()
    {
        using var cert = SelfSigned();
        var trust = new CertificateTrust(CertificatePolicy.Fail, Store());
        var decision = trust.Check("XenNode01", 443, cert, Untrusted);
        var thumbprint = cert.GetCertHashString(HashAlgorithmName.SHA256);
        Assert.False(decision.Accepted);
        Assert.Equal(CertificateTrust.UntrustedCode, decision.RefusalCode);
        Assert.Equal("xennode01:443", decision.Endpoint);
        Assert.Equal(thumbprint, decision.Presented);
        Assert.Contains($"Set-XenConfiguration -Server 'xennode01:443' -CertificateThumbprint '{thumbprint}'", decision.Message);
        Assert.Empty(Store().ReadPins());
        Assert.False(File.Exists(Store().FilePath));
    }

    [Fact]
    public void FailAcceptsACertificateTheOperatingSystemTrustsWithoutPinningIt()
    {
        using var cert = SelfSigned();
        var decision = new CertificateTrust(CertificatePolicy.Fail, Store()).Check("xennode01", 443, cert, SslPolicyErrors.None);
        Assert.True(decision.Accepted);
        Assert.Empty(Store().ReadPins());
    }

    [Fact]
    public void PinTrustsOnFirstUseThenRefusesAnotherCertificateNamingBoth()
    {
        using var first = SelfSigned();
        using var second = SelfSigned();
        var notices = new List<string>();
        var trust = new CertificateTrust(CertificatePolicy.Pin, Store()) { Notify = notices.Add };
        Assert.True(trust.Check("xennode01", 443, first, Untrusted).Accepted);
        Assert.True(trust.Check("xennode01", 443, first, Untrusted).Accepted);
        var pinned = first.GetCertHashString(HashAlgorithmName.SHA256);
        Assert.Equal(pinned, Store().GetPin("xennode01:443"));
        Assert.Single(notices);
        Assert.Contains(pinned, notices[0]);

        var changed = trust.Check("xennode01", 443, second, Untrusted);
        var presented = second.GetCertHashString(HashAlgorithmName.SHA256);
        Assert.False(changed.Accepted);
        Assert.Equal(CertificateTrust.ChangedCode, changed.RefusalCode);
        Assert.Equal(pinned, changed.Pinned);
        Assert.Contains(pinned, changed.Message);
        Assert.Contains(presented, changed.Message);
        Assert.Contains($"Set-XenConfiguration -Server 'xennode01:443' -CertificateThumbprint '{presented}'", changed.Message);
        Assert.Equal(pinned, Store().GetPin("xennode01:443"));

        // Another port of the same host is another endpoint.
        Assert.True(trust.Check("xennode01", 8443, second, Untrusted).Accepted);
    }

    [Theory]
    [InlineData(CertificatePolicy.Fail, SslPolicyErrors.None)]
    [InlineData(CertificatePolicy.Warn, SslPolicyErrors.RemoteCertificateChainErrors)]
    [InlineData(CertificatePolicy.Pin, SslPolicyErrors.None)]
    public void APinnedHostRefusesAnyOtherCertificateEvenOneTheSystemTrusts(CertificatePolicy policy, SslPolicyErrors errors)
    {
        using var pinned = SelfSigned();
        using var other = SelfSigned();
        Store().SetPin("xennode02:443", pinned.GetCertHashString(HashAlgorithmName.SHA256));
        var trust = new CertificateTrust(policy, Store());
        Assert.True(trust.Check("xennode02", 443, pinned, Untrusted).Accepted);
        var decision = trust.Check("xennode02", 443, other, errors);
        Assert.False(decision.Accepted);
        Assert.Equal(CertificateTrust.ChangedCode, decision.RefusalCode);
    }

    [Fact]
    public void WarnAcceptsWithANoticeAndPinsNothing()
    {
        using var cert = SelfSigned();
        var notices = new List<string>();
        var trust = new CertificateTrust(CertificatePolicy.Warn, Store()) { Notify = notices.Add };
        Assert.True(trust.Check("xennode01", 443, cert, Untrusted).Accepted);
        Assert.True(trust.Check("xennode01", 443, cert, Untrusted).Accepted);
        Assert.Single(notices);
        Assert.Contains("Warn", notices[0]);
        Assert.Empty(Store().ReadPins());
    }

    [Fact]
    public void IgnoreAcceptsEvenAChangedCertificateAndTouchesNoPin()
    {
        using var pinned = SelfSigned();
        using var other = SelfSigned();
        Store().SetPin("xennode01:443", pinned.GetCertHashString(HashAlgorithmName.SHA256));
        var decision = new CertificateTrust(CertificatePolicy.Ignore, Store()).Check("xennode01", 443, other, Untrusted);
        Assert.True(decision.Accepted);
        Assert.Equal(pinned.GetCertHashString(HashAlgorithmName.SHA256), Store().GetPin("xennode01:443"));
    }

    [Fact]
    public void PinsAndPolicyPersistInTheFileForANewStoreObject()
    {
        var store = Store();
        store.WritePolicy(CertificatePolicy.Pin);
        store.SetPin("[fd00::13]:443", new string('a', 64));
        store.SetPin("xennode01:443", string.Join(":", Enumerable.Repeat("0B", 32)));
        var fresh = new TrustStore(_dir);
        Assert.Equal(CertificatePolicy.Pin, fresh.ReadPolicy());
        Assert.Equal(new string('A', 64), fresh.GetPin("[fd00::13]:443"));
        Assert.Equal(string.Concat(Enumerable.Repeat("0B", 32)), fresh.GetPin("xennode01:443"));
        Assert.True(fresh.RemovePin("xennode01:443"));
        Assert.Null(new TrustStore(_dir).GetPin("xennode01:443"));
        fresh.WritePolicy(null);
        Assert.Null(new TrustStore(_dir).ReadPolicy());
    }

    [Theory]
    [InlineData("xennode01", "xennode01:443")]
    [InlineData("XenNode01:8443", "xennode01:8443")]
    [InlineData("https://192.0.2.5/", "192.0.2.5:443")]
    [InlineData("http://192.0.2.5:8080/", "192.0.2.5:8080")]
    [InlineData("fd00::13", "[fd00::13]:443")]
    public void EndpointKeysAreHostAndPort(string server, string key) => Assert.Equal(key, TrustStore.EndpointKey(server));

    [Theory]
    [InlineData("abc")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0000000000000000000000000000000000000000")]
    public void AThumbprintThatIsNotSha256IsRefused(string thumbprint) =>
        Assert.Throws<ArgumentException>(() => TrustStore.NormalizeThumbprint(thumbprint));

    [Fact]
    public void TheFileIsReadableByItsOwnerOnlyOnUnix()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Windows: the user profile's inherited ACL; nothing to set.
        }

        Store().SetPin("xennode01:443", new string('1', 64));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Store().FilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
    }

    [Fact]
    public void AWriteReplacesTheFileInsteadOfRewritingItInPlace()
    {
        var store = Store();
        store.SetPin("xennode01:443", new string('1', 64));
        using var before = new FileStream(store.FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        store.SetPin("xennode02:443", new string('2', 64));
        using var reader = new StreamReader(before);
        var old = reader.ReadToEnd();
        Assert.Contains("xennode01:443", old);
        Assert.DoesNotContain("xennode02:443", old); // the handle still sees the old, complete file
        Assert.Equal(2, store.ReadPins().Count);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public async Task ConcurrentWritersLoseNothingAndReadersNeverSeeHalfAFile()
    {
        const int Writers = 6;
        const int PinsEach = 15;
        var stop = false;
        var readerFailures = 0;
        var reader = Task.Run(() =>
        {
            var seen = 0;
            while (!Volatile.Read(ref stop))
            {
                var count = new TrustStore(_dir).ReadPins().Count;
                if (count < seen)
                {
                    Interlocked.Increment(ref readerFailures);
                }

                seen = Math.Max(seen, count);
            }
        });
        Parallel.For(0, Writers, w =>
        {
            for (var i = 0; i < PinsEach; i++)
            {
                new TrustStore(_dir).SetPin($"host{w}-{i}:443", (w * 100 + i).ToString("D64"));
            }
        });
        Volatile.Write(ref stop, true);
        await reader;
        var pins = Store().ReadPins();
        Assert.Equal(Writers * PinsEach, pins.Count);
        Assert.Equal(0, readerFailures);
        Assert.Equal(3.ToString("D64"), pins["host0-3:443"]);
    }

    [Fact]
    public void TheDefaultDirectoryFollowsXenhaConfigDir()
    {
        var saved = Environment.GetEnvironmentVariable("XENHA_CONFIG_DIR");
        try
        {
            Environment.SetEnvironmentVariable("XENHA_CONFIG_DIR", _dir);
            Assert.Equal(_dir, TrustStore.DefaultDirectory());
            Environment.SetEnvironmentVariable("XENHA_CONFIG_DIR", null);
            var expected = OperatingSystem.IsWindows() ? "XenHa" : "xenha";
            Assert.EndsWith(expected, TrustStore.DefaultDirectory());
        }
        finally
        {
            Environment.SetEnvironmentVariable("XENHA_CONFIG_DIR", saved);
        }
    }

    /// <summary>An HTTPS server on 127.0.0.1:0 answering every request with one XML-RPC success.</summary>
    private sealed class TlsServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        public TlsServer(X509Certificate2 certificate)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }

                    _ = Task.Run(() => ServeAsync(client, certificate));
                }
            });
        }

        public Uri Uri => new Uri("https://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/");

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }

        private static async Task ServeAsync(TcpClient client, X509Certificate2 certificate)
        {
            using (client)
            {
                try
                {
                    using var tls = new SslStream(client.GetStream());
                    await tls.AuthenticateAsServerAsync(certificate);
                    var buffer = new byte[65536];
                    var read = 0;
                    while (!Encoding.ASCII.GetString(buffer, 0, read).Contains("</methodCall>"))
                    {
                        var n = await tls.ReadAsync(buffer.AsMemory(read));
                        if (n == 0)
                        {
                            return;
                        }

                        read += n;
                    }

                    var body = Wire.Success("<value>ok</value>");
                    var response = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\nConnection: close\r\n\r\n" + body;
                    await tls.WriteAsync(Encoding.UTF8.GetBytes(response));
                }
                catch (Exception)
                {
                    // The client refused the certificate: the handshake fails on this side too.
                }
            }
        }
    }

    private static Task<object?> Call(HttpXenTransport transport, Uri uri) =>
        transport.PostAsync(uri, s => XmlRpcRequestWriter.Write(s, "system.isAlive", Array.Empty<object?>()), s => XmlRpcResponseReader.ReadGeneric(s), CancellationToken.None);

    [Fact]
    public async Task TheTransportRefusesPerPolicyWithTheCertificateErrorAndNotAConnectionError()
    {
        using var cert = SelfSigned();
        using var server = new TlsServer(cert);
        using (var failing = new HttpXenTransport(new XenSessionOptions { CertificateTrust = new CertificateTrust(CertificatePolicy.Fail, Store()) }))
        {
            var ex = await Assert.ThrowsAsync<XenCertificateException>(() => Call(failing, server.Uri));
            Assert.Equal(CertificateTrust.UntrustedCode, ex.Code);
            Assert.Equal(XenErrorKind.Security, ex.Kind);
            Assert.Equal(new[] { "127.0.0.1:" + server.Uri.Port, cert.GetCertHashString(HashAlgorithmName.SHA256), "" }, ex.Parameters);
        }

        using (var pinning = new HttpXenTransport(new XenSessionOptions { CertificateTrust = new CertificateTrust(CertificatePolicy.Pin, Store()) }))
        {
            Assert.Equal("ok", await Call(pinning, server.Uri));
        }

        // A fresh transport under Fail now accepts the pinned certificate.
        using (var pinned = new HttpXenTransport(new XenSessionOptions { CertificateTrust = new CertificateTrust(CertificatePolicy.Fail, Store()) }))
        {
            Assert.Equal("ok", await Call(pinned, server.Uri));
        }

        // -SkipCertificateCheck wins over a pin that no longer matches.
        Store().SetPin("127.0.0.1:" + server.Uri.Port, new string('F', 64));
        using (var skipping = new HttpXenTransport(new XenSessionOptions { SkipCertificateCheck = true, CertificateTrust = new CertificateTrust(CertificatePolicy.Fail, Store()) }))
        {
            Assert.Equal("ok", await Call(skipping, server.Uri));
        }

        using (var changed = new HttpXenTransport(new XenSessionOptions { CertificateTrust = new CertificateTrust(CertificatePolicy.Pin, Store()) }))
        {
            var ex = await Assert.ThrowsAsync<XenCertificateException>(() => Call(changed, server.Uri));
            Assert.Equal(CertificateTrust.ChangedCode, ex.Code);
            Assert.Equal(new string('F', 64), ex.Parameters[2]);
        }
    }
}
