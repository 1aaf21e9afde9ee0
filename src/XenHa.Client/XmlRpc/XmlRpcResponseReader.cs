using System;
using System.Collections.Generic;
using System.IO;

namespace XenHa.Client.XmlRpc;

/// <summary>
/// Reads an XML-RPC method response as xapi sends it: the <c>Status</c>/<c>Value</c>/<c>ErrorDescription</c>
/// struct (members in any order), a bare value (<c>system.listMethods</c>), or a <c>&lt;fault&gt;</c>
/// (never sent by xapi). The Value is decoded straight into the target type while streaming.
/// </summary>
public static class XmlRpcResponseReader
{
    /// <summary>Reads a response and decodes its Value into <typeparamref name="T"/>; Failure → <see cref="XenApiException"/>.</summary>
    public static T Read<T>(Stream stream) => (T)Read(stream, XmlRpcDecoders.For(typeof(T)), typeof(T))!;

    /// <summary>Reads a response and decodes its Value generically (string, long, bool, double, DateTime, object?[], Dictionary&lt;string, object?&gt;).</summary>
    public static object? ReadGeneric(Stream stream) => Read(stream, XmlRpcDecoders.Generic, typeof(object));

    /// <summary>Decodes one standalone <c>&lt;value&gt;...&lt;/value&gt;</c> fragment generically (e.g. a task's <c>result</c>).</summary>
    public static object? DecodeValueFragment(string fragment)
    {
        if (string.IsNullOrEmpty(fragment))
        {
            return null;
        }

        var reader = XmlRpcReader.Create(fragment);
        try
        {
            var root = reader.ReadRootElement();
            if (root != "value")
            {
                throw reader.Protocol("expected <value> but found <" + root + ">");
            }

            var value = XmlRpcDecoders.Decode(reader, XmlRpcDecoders.Generic);
            reader.ReadToEnd();
            return value;
        }
        catch (XmlRpcShapeException ex)
        {
            throw new XenProtocolException(ex.Message);
        }
    }

    internal static object? Read(Stream stream, ValueDecoder decoder, Type resultType, XmlRpcLimits? limits = null)
    {
        var reader = XmlRpcReader.Create(stream, limits);
        var root = reader.ReadRootElement();
        if (root != "methodResponse")
        {
            throw reader.Protocol("expected an XML-RPC <methodResponse> but the document starts with <" + root + ">");
        }

        if (!reader.EnterElement("methodResponse"))
        {
            throw reader.Protocol("empty <methodResponse>");
        }

        if (reader.AtElement("fault"))
        {
            throw ReadFault(reader);
        }

        if (!reader.EnterElement("params") || !reader.EnterElement("param"))
        {
            throw reader.Protocol("the response has no value");
        }

        var kind = reader.BeginValue(out var text);
        object? result;
        IReadOnlyList<string>? failure = null;
        if (kind == XmlRpcValueKind.Struct)
        {
            result = ReadEnvelope(reader, decoder, resultType, out failure);
        }
        else
        {
            // system.listMethods answers with a bare array (and system.isAlive echoes): no envelope.
            result = DecodeTop(reader, decoder, kind, text, resultType);
        }

        reader.LeaveElement("param");
        reader.LeaveElement("params");
        reader.LeaveElement("methodResponse");
        reader.ReadToEnd();

        if (failure is not null)
        {
            throw new XenApiException(failure);
        }

        return result;
    }

    private static object? ReadEnvelope(XmlRpcReader reader, ValueDecoder decoder, Type resultType, out IReadOnlyList<string>? failure)
    {
        failure = null;
        string? status = null;
        object? value = null;
        var hasValue = false;
        List<string>? errorDescription = null;
        var stringList = XmlRpcDecoders.For(typeof(List<string>));
        while (reader.NextMember(out var name))
        {
            switch (name)
            {
                case "Status":
                    var kind = reader.BeginValue(out var text);
                    if (kind is not (XmlRpcValueKind.Untyped or XmlRpcValueKind.String))
                    {
                        throw reader.Protocol("the Status member is not a string");
                    }

                    status = text;
                    break;
                case "Value":
                    var vkind = reader.BeginValue(out var vtext);
                    value = DecodeTop(reader, decoder, vkind, vtext, resultType);
                    hasValue = true;
                    break;
                case "ErrorDescription":
                    try
                    {
                        errorDescription = (List<string>)XmlRpcDecoders.Decode(reader, stringList)!;
                    }
                    catch (XmlRpcShapeException ex)
                    {
                        throw new XenProtocolException("ErrorDescription: " + ex.Message);
                    }

                    break;
                default:
                    reader.SkipValue();
                    break;
            }

            reader.EndMember();
        }

        switch (status)
        {
            case null:
                throw new XenProtocolException("the response struct has no Status member");
            case "Success":
                if (!hasValue)
                {
                    throw new XenProtocolException("Status is Success but the response has no Value");
                }

                return value;
            case "Failure":
                if (errorDescription is null || errorDescription.Count == 0)
                {
                    throw new XenProtocolException("Status is Failure but the response has no ErrorDescription");
                }

                failure = errorDescription;
                return null;
            default:
                throw new XenProtocolException("unknown Status '" + (status.Length > 60 ? status.Substring(0, 60) : status) + "'");
        }
    }

    private static object? DecodeTop(XmlRpcReader reader, ValueDecoder decoder, XmlRpcValueKind kind, string text, Type resultType)
    {
        try
        {
            var value = decoder(reader, kind, text);
            if (value is null && resultType.IsValueType && Nullable.GetUnderlyingType(resultType) is null)
            {
                return Activator.CreateInstance(resultType);
            }

            return value;
        }
        catch (XmlRpcShapeException ex)
        {
            throw new XenProtocolException("unexpected result: " + ex.Message);
        }
    }

    private static XenProtocolException ReadFault(XmlRpcReader reader)
    {
        reader.EnterElement("fault");
        object? fault;
        try
        {
            fault = XmlRpcDecoders.Decode(reader, XmlRpcDecoders.Generic);
        }
        catch (XmlRpcShapeException ex)
        {
            return new XenProtocolException("the server answered with a malformed XML-RPC fault: " + ex.Message);
        }

        string code = "?", message = "";
        if (fault is Dictionary<string, object?> map)
        {
            if (map.TryGetValue("faultCode", out var c) && c is not null)
            {
                code = Convert.ToString(c, System.Globalization.CultureInfo.InvariantCulture) ?? "?";
            }

            if (map.TryGetValue("faultString", out var s) && s is not null)
            {
                message = Convert.ToString(s, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
        }

        if (message.Length > 200)
        {
            message = message.Substring(0, 200) + "…";
        }

        return new XenProtocolException("the server answered with XML-RPC fault " + code + ": " + message + " (not a XenAPI server?)");
    }
}
