using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml;

namespace XenHa.Infrastructure;

/// <summary>
/// A template's other_config:disks provisioning recipe (reference §6.4):
/// &lt;provision&gt;&lt;disk device="0" size="..." sr="" bootable="true" type="system"/&gt;&lt;/provision&gt;.
/// Built-in templates leave sr empty; the client fills in the repository's UUID before VM.provision.
/// </summary>
internal sealed class ProvisionRecipe
{
    public const string Key = "disks";
    private const double GiB = 1024.0 * 1024 * 1024;

    private readonly XmlDocument _document;

    private ProvisionRecipe(XmlDocument document)
    {
        _document = document;
    }

    /// <summary>The recipe of a VM or template record; an empty recipe when it has none.</summary>
    public static ProvisionRecipe Of(IReadOnlyDictionary<string, string> otherConfig)
    {
        var document = new XmlDocument { XmlResolver = null };
        if (otherConfig.TryGetValue(Key, out var text) && !string.IsNullOrWhiteSpace(text))
        {
            try
            {
                using var reader = XmlReader.Create(new StringReader(text),
                    new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
                document.Load(reader);
            }
            catch (XmlException)
            {
                document = new XmlDocument { XmlResolver = null };
            }
        }
        return new ProvisionRecipe(document);
    }

    private IEnumerable<XmlElement> DiskElements =>
        _document.DocumentElement?.ChildNodes.OfType<XmlElement>().Where(e => e.Name == "disk") ?? Enumerable.Empty<XmlElement>();

    public bool IsEmpty => !DiskElements.Any();

    public IReadOnlyList<TemplateDisk> Disks => DiskElements.Select(e =>
    {
        long.TryParse(e.GetAttribute("size"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var size);
        return new TemplateDisk
        {
            Device = e.GetAttribute("device"),
            SizeBytes = size,
            SizeGB = Math.Round(size / GiB, 2),
            Bootable = string.Equals(e.GetAttribute("bootable"), "true", StringComparison.OrdinalIgnoreCase),
            Type = e.HasAttribute("type") ? e.GetAttribute("type") : "system",
        };
    }).ToList();

    public long TotalBytes => Disks.Sum(d => d.SizeBytes);

    /// <summary>The recipe with every disk placed on the SR with this UUID.</summary>
    public string WithRepository(string srUuid)
    {
        var copy = (XmlDocument)_document.CloneNode(true);
        foreach (var disk in copy.DocumentElement?.ChildNodes.OfType<XmlElement>().Where(e => e.Name == "disk") ?? Enumerable.Empty<XmlElement>())
        {
            disk.SetAttribute("sr", srUuid);
        }
        return copy.DocumentElement?.OuterXml ?? "";
    }
}
