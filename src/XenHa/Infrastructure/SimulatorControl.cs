using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace XenHa.Infrastructure;

/// <summary>
/// The simulator's control plane (fault injection, clock): a small JSON-over-HTTP API on 127.0.0.1,
/// separate from XenAPI and authenticated with a bearer token that never leaves this object.
/// </summary>
internal sealed class SimulatorControl
{
    private static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

    private readonly Uri _baseUri;
    private readonly string _token;

    public SimulatorControl(Uri baseUri, string token)
    {
        _baseUri = baseUri.AbsoluteUri.EndsWith("/", StringComparison.Ordinal) ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        _token = token;
    }

    public Uri BaseUri => _baseUri;

    public Task<object?> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<object?> PostAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body ?? new Dictionary<string, object?>(), cancellationToken);

    public Task<object?> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>Sends one request; a non-2xx answer becomes a <see cref="SimulatorControlException"/>.</summary>
    public async Task<object?> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_baseUri, path.TrimStart('/')));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (body != null)
        {
            request.Content = new StringContent(MiniJson.Write(body), Encoding.UTF8, "application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new SimulatorControlException(0, "",
                $"The simulator's control plane at {_baseUri} did not answer: {e.GetBaseException().Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SimulatorControlException(0, "", $"The simulator's control plane at {_baseUri} did not answer in time.", e);
        }
        using (response)
        {
            var text = response.Content == null ? "" : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            object? parsed = null;
            if (text.Trim().Length > 0)
            {
                try
                {
                    parsed = MiniJson.Parse(text);
                }
                catch (FormatException) when (!response.IsSuccessStatusCode)
                {
                    parsed = null;
                }
                catch (FormatException e)
                {
                    throw new SimulatorControlException((int)response.StatusCode, "",
                        $"The simulator's control plane answered {method} /{path.TrimStart('/')} with text that is not JSON: {e.Message}", e);
                }
            }
            if (response.IsSuccessStatusCode)
            {
                return parsed;
            }
            var code = "";
            var message = text.Trim();
            if (parsed is Dictionary<string, object?> error)
            {
                code = Str(error, "code");
                var detail = Str(error, "message");
                if (detail.Length == 0)
                {
                    detail = error.TryGetValue("error", out var e) && e is string s ? s : "";
                }
                if (code.Length == 0 && error.TryGetValue("error", out var list) && list is List<object?> parts && parts.Count > 0)
                {
                    code = Convert.ToString(parts[0], CultureInfo.InvariantCulture) ?? "";
                    detail = string.Join(" ", parts.ConvertAll(p => Convert.ToString(p, CultureInfo.InvariantCulture)));
                }
                message = detail.Length > 0 ? detail : message;
            }
            throw new SimulatorControlException((int)response.StatusCode, code,
                $"The simulator's control plane refused {method} /{path.TrimStart('/')} ({(int)response.StatusCode}): {(message.Length > 0 ? message : response.ReasonPhrase)}", null);
        }
    }

    internal static string Str(IDictionary<string, object?> record, string key) =>
        record.TryGetValue(key, out var value) && value != null ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "" : "";

    internal static bool Bool(IDictionary<string, object?> record, string key) =>
        record.TryGetValue(key, out var value) && value is bool b && b;

    internal static double Number(IDictionary<string, object?> record, string key, double fallback = 0) =>
        record.TryGetValue(key, out var value) && value is long or double ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : fallback;

    internal static string[] Strings(IDictionary<string, object?> record, string key)
    {
        if (!record.TryGetValue(key, out var value) || value == null)
        {
            return Array.Empty<string>();
        }
        if (value is System.Collections.IEnumerable sequence && value is not string)
        {
            var items = new List<string>();
            foreach (var item in sequence)
            {
                items.Add(Convert.ToString(item, CultureInfo.InvariantCulture) ?? "");
            }
            return items.ToArray();
        }
        return new[] { Convert.ToString(value, CultureInfo.InvariantCulture) ?? "" };
    }
}

/// <summary>The control plane refused a request or could not be reached.</summary>
internal sealed class SimulatorControlException : Exception
{
    public SimulatorControlException(int status, string code, string message, Exception? inner)
        : base(message, inner)
    {
        Status = status;
        Code = code;
    }

    /// <summary>The HTTP status, 0 when there was no answer.</summary>
    public int Status { get; }

    /// <summary>The error code the control plane gave, "" when none.</summary>
    public string Code { get; }
}
