using System.Collections;
using System.Linq;
using System.Management.Automation;

namespace XenHa.Infrastructure;

/// <summary>
/// Keeps connections out of a -Name parameter. Without it, <c>Get-XenConnection | Get-XenVM</c>
/// binds the connection to -Connection and then also its text to -Name ("No VM named 'xenpool
/// (192.0.2.10)'"). The refusal is a cast error, which the pipeline binder takes as "this
/// parameter does not take that object" and passes over.
/// </summary>
internal sealed class NotAConnectionAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var values = inputData is IList list && !(inputData is string) ? list.Cast<object?>() : new[] { inputData };
        if (values.Any(v => (v is PSObject wrapped ? wrapped.BaseObject : v) is Connection))
        {
            throw new ArgumentTransformationMetadataException(
                "A connection is not a name; give it to the Connection parameter.",
                new PSInvalidCastException("A connection is not a name."));
        }
        return inputData;
    }
}
