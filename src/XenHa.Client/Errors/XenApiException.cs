using System;
using System.Collections.Generic;
using System.Linq;

namespace XenHa.Client;

/// <summary>
/// A XenAPI failure (<c>Status: Failure</c>), keyed by its error code, or a XenHa client failure
/// (codes starting with <c>XENHA_</c>, see the derived types).
/// </summary>
public class XenApiException : Exception
{
    private static readonly string[] NoStrings = new string[0];

    /// <summary>Creates the exception from a raw ErrorDescription (code first, then parameters).</summary>
    public XenApiException(IReadOnlyList<string> errorDescription, string? method = null, Exception? innerException = null)
        : base(MessageFor(errorDescription), innerException)
    {
        var description = Normalise(errorDescription);
        ErrorDescription = description;
        Code = description[0];
        Parameters = description.Skip(1).ToArray();
        Method = method;
        Kind = KindOf(Code);
    }

    /// <summary>For derived client-side errors: explicit code, parameters, message and kind.</summary>
    protected XenApiException(string code, IReadOnlyList<string> parameters, string message, XenErrorKind kind, string? method, Exception? innerException)
        : base(message, innerException)
    {
        Code = code;
        Parameters = parameters.ToArray();
        ErrorDescription = new[] { code }.Concat(parameters).ToArray();
        Method = method;
        Kind = kind;
    }

    /// <summary>The error code, e.g. <c>VM_BAD_POWER_STATE</c>.</summary>
    public string Code { get; }

    /// <summary>ErrorDescription[1..].</summary>
    public IReadOnlyList<string> Parameters { get; }

    /// <summary>The raw ErrorDescription, as received.</summary>
    public IReadOnlyList<string> ErrorDescription { get; }

    /// <summary>The call that failed, if known.</summary>
    public string? Method { get; }

    /// <summary>The broad class of the error (from the code table).</summary>
    public XenErrorKind Kind { get; }

    /// <summary>A message a person can act on, with the parameters substituted, followed by " (CODE)"; unknown codes read "CODE: p1, p2".</summary>
    public static string FriendlyMessage(string code, IReadOnlyList<string> parameters)
    {
        code ??= "";
        parameters ??= NoStrings;
        var entry = XenErrorTable.Find(code);
        if (entry?.Format is null)
        {
            return parameters.Count == 0 ? code : code + ": " + string.Join(", ", parameters);
        }

        return entry.Format(new ErrorParameters(parameters)) + " (" + code + ")";
    }

    /// <summary>The kind of an error code (Other for unknown codes).</summary>
    public static XenErrorKind KindOf(string code) => XenErrorTable.Find(code ?? "")?.Kind ?? XenErrorKind.Other;

    private static string MessageFor(IReadOnlyList<string>? description)
    {
        var d = Normalise(description);
        return FriendlyMessage(d[0], d.Skip(1).ToArray());
    }

    private static string[] Normalise(IReadOnlyList<string>? description)
    {
        if (description is null || description.Count == 0)
        {
            return new[] { "UNKNOWN_ERROR" };
        }

        return description.Select(s => s ?? "").ToArray();
    }
}

/// <summary>Safe indexed access to error parameters for message templates.</summary>
internal readonly struct ErrorParameters
{
    private readonly IReadOnlyList<string> _values;

    public ErrorParameters(IReadOnlyList<string> values)
    {
        _values = values;
    }

    public int Count => _values.Count;

    /// <summary>The parameter at <paramref name="index"/>, or "?" when the server sent fewer.</summary>
    public string this[int index] => index < _values.Count && _values[index].Length > 0 ? _values[index] : "?";

    public bool Has(int index) => index < _values.Count && _values[index].Length > 0;
}
