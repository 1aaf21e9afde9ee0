using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace XenHa.Client;

/// <summary>
/// The per-user settings file: the certificate policy of scope User and the pinned certificate
/// thumbprints (SHA-256, per host:port). Location: <c>$XENHA_CONFIG_DIR</c> when set; else
/// <c>%APPDATA%\XenHa</c> on Windows; else <c>$XDG_CONFIG_HOME/xenha</c> or <c>~/.config/xenha</c>.
/// Every change re-reads the file under a lock file, writes a temporary file and renames it over the
/// old one, so readers never see half a file and concurrent writers never lose each other's pins.
/// On Unix the directory is created 0700 and the file 0600; on Windows both inherit the user
/// profile's ACL (only the user, SYSTEM and Administrators).
/// </summary>
public sealed class TrustStore
{
    public const string FileName = "settings.conf";
    private const string PolicyKey = "certificate-policy";
    private const string PinKey = "pin";
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    public TrustStore(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new ArgumentException("A directory is required.", nameof(directory));
        }

        Directory = directory;
        FilePath = Path.Combine(directory, FileName);
    }

    public string Directory { get; }

    public string FilePath { get; }

    /// <summary>The documented per-user directory (see the class summary).</summary>
    public static string DefaultDirectory()
    {
        var overridden = Environment.GetEnvironmentVariable("XENHA_CONFIG_DIR");
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            return overridden!;
        }

        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "XenHa");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "xenha");
        }

        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrWhiteSpace(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return Path.Combine(home!, ".config", "xenha");
    }

    /// <summary>"host:port" as pins are keyed: the host lower-case (IPv6 in brackets), the port in decimal.</summary>
    public static string EndpointKey(string host, int port)
    {
        var h = (host ?? "").Trim().ToLowerInvariant();
        if (h.IndexOf(':') >= 0 && !h.StartsWith("[", StringComparison.Ordinal))
        {
            h = "[" + h + "]";
        }

        return h + ":" + port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>"host:port" of what a user types as a server (host, host:port, URL; https port 443 by default).</summary>
    public static string EndpointKey(string server)
    {
        var uri = ServerAddress.Parse(server);
        return EndpointKey(uri.Host, uri.Port);
    }

    /// <summary>
    /// A SHA-256 thumbprint as stored: 64 upper-case hex digits. Accepts lower case and the usual
    /// separators (colons, spaces, dashes); anything else is an ArgumentException.
    /// </summary>
    public static string NormalizeThumbprint(string thumbprint)
    {
        var hex = new string((thumbprint ?? "").Where(c => c != ':' && c != ' ' && c != '-').ToArray()).ToUpperInvariant();
        if (hex.Length != 64 || hex.Any(c => !Uri.IsHexDigit(c)))
        {
            throw new ArgumentException("'" + thumbprint + "' is not a SHA-256 thumbprint (64 hex digits, as Get-XenSimulator's Thumbprint or "
                                        + "'openssl x509 -noout -fingerprint -sha256' on the host show it).", nameof(thumbprint));
        }

        return hex;
    }

    /// <summary>The certificate policy of scope User, or null when none is set.</summary>
    public CertificatePolicy? ReadPolicy() => Read().Policy;

    /// <summary>Pinned thumbprints by host:port.</summary>
    public IReadOnlyDictionary<string, string> ReadPins() => Read().Pins;

    /// <summary>The thumbprint pinned for host:port, or null.</summary>
    public string? GetPin(string endpoint) => Read().Pins.TryGetValue(endpoint, out var pin) ? pin : null;

    /// <summary>Sets (or with null removes) the certificate policy of scope User.</summary>
    public void WritePolicy(CertificatePolicy? policy) => Update(content => content.Policy = policy);

    /// <summary>Pins a thumbprint for host:port, replacing any earlier pin.</summary>
    public void SetPin(string endpoint, string thumbprint)
    {
        var normalized = NormalizeThumbprint(thumbprint);
        Update(content => content.Pins[endpoint] = normalized);
    }

    /// <summary>
    /// Pins the thumbprint for host:port unless a pin exists already (checked under the lock, so two
    /// processes meeting a host for the first time at once agree). Returns the pin in force afterwards.
    /// </summary>
    public string PinIfAbsent(string endpoint, string thumbprint)
    {
        var normalized = NormalizeThumbprint(thumbprint);
        string result = normalized;
        Update(content =>
        {
            if (content.Pins.TryGetValue(endpoint, out var existing))
            {
                result = existing;
                return false;
            }

            content.Pins[endpoint] = normalized;
            return true;
        });
        return result;
    }

    /// <summary>Removes the pin of host:port; false when there was none.</summary>
    public bool RemovePin(string endpoint)
    {
        var removed = false;
        Update(content => removed = content.Pins.Remove(endpoint));
        return removed;
    }

    private sealed class Content
    {
        public CertificatePolicy? Policy;
        public readonly SortedDictionary<string, string> Pins = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }

    private Content Read()
    {
        string text;
        try
        {
            text = File.ReadAllText(FilePath, Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Content();
        }

        return Parse(text);
    }

    /// <summary>One setting per line: "certificate-policy Pin", "pin host:port THUMBPRINT"; '#' starts a comment; unknown lines are kept out.</summary>
    private static Content Parse(string text)
    {
        var content = new Content();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == PolicyKey && Enum.TryParse<CertificatePolicy>(parts[1], true, out var policy)
                && Enum.IsDefined(typeof(CertificatePolicy), policy))
            {
                content.Policy = policy;
            }
            else if (parts.Length == 3 && parts[0] == PinKey && parts[1].IndexOf(':') > 0)
            {
                try
                {
                    content.Pins[parts[1].ToLowerInvariant()] = NormalizeThumbprint(parts[2]);
                }
                catch (ArgumentException)
                {
                    // A damaged pin pins nothing: the host is then treated as never seen.
                }
            }
        }

        return content;
    }

    private static string Format(Content content)
    {
        var text = new StringBuilder();
        text.Append("# XenHa per-user settings (Set-XenConfiguration). One setting per line.\n");
        if (content.Policy is { } policy)
        {
            text.Append(PolicyKey).Append(' ').Append(policy.ToString()).Append('\n');
        }

        foreach (var pin in content.Pins)
        {
            text.Append(PinKey).Append(' ').Append(pin.Key).Append(' ').Append(pin.Value).Append('\n');
        }

        return text.ToString();
    }

    private void Update(Action<Content> change) => Update(content =>
    {
        change(content);
        return true;
    });

    /// <summary>Read, change and write back under the lock file; the write is a temporary file renamed over the old one.</summary>
    private void Update(Func<Content, bool> change)
    {
        EnsureDirectory();
        using (AcquireLock())
        {
            var content = Read();
            if (!change(content))
            {
                return;
            }

            var temp = Path.Combine(Directory, FileName + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    // Restrict before any content is written.
                    UserOnly(temp, 0x180); // 0600
                    var bytes = new UTF8Encoding(false).GetBytes(Format(content));
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }

                ReplaceWith(temp);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }
    }

    private void ReplaceWith(string temp)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (File.Exists(FilePath))
                {
                    File.Replace(temp, FilePath, null);
                }
                else
                {
                    File.Move(temp, FilePath);
                }

                return;
            }
            catch (IOException) when (attempt < 20)
            {
                // Windows: a reader holds the file open for a moment.
                Thread.Sleep(50);
            }
        }
    }

    private IDisposable AcquireLock()
    {
        var path = Path.Combine(Directory, FileName + ".lock");
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
            catch (IOException e)
            {
                throw new IOException("The XenHa settings file " + FilePath + " stayed locked by another process for " + LockWait.TotalSeconds + " s.", e);
            }
        }
    }

    private void EnsureDirectory()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            return;
        }

        System.IO.Directory.CreateDirectory(Directory);
        UserOnly(Directory, 0x1C0); // 0700
    }

    private static void UserOnly(string path, uint mode)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            return; // The user profile's inherited ACL already keeps other users out.
        }

        if (chmod(path, mode) != 0)
        {
            throw new IOException("Cannot restrict " + path + " to its owner (chmod failed with errno " + Marshal.GetLastWin32Error() + ").");
        }
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int chmod(string path, uint mode);
}
