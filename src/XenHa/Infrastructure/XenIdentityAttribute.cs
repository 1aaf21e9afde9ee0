using System.Collections;
using System.Linq;
using System.Management.Automation;

namespace XenHa.Infrastructure;

/// <summary>
/// Lets a name-or-UUID string parameter take an object too: a XenHa object (template, repository,
/// host, network...) or any object with a Uuid property is passed on as its UUID, so
/// <c>-Template $t</c> and <c>-Template 'Debian Bookworm 12'</c> both work and the object is never
/// confused with another one of the same name.
/// </summary>
internal sealed class XenIdentityAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        if (inputData is IList list && !(inputData is string))
        {
            return list.Cast<object?>().Select(One).ToArray();
        }
        return One(inputData);
    }

    private static object? One(object? value)
    {
        var wrapped = value as PSObject;
        var inner = wrapped?.BaseObject ?? value;
        if (inner == null || inner is string)
        {
            return inner;
        }
        var uuid = (wrapped ?? PSObject.AsPSObject(inner)).Properties["Uuid"]?.Value as string;
        return string.IsNullOrEmpty(uuid) ? inner : uuid;
    }
}
