using System.ComponentModel.DataAnnotations;

namespace Cleiss.Exchange.Hub.Configuration;

/// <summary>Limits applied to every document before it is parsed further.</summary>
public sealed class IntakeOptions
{
    public const string SectionName = "Hub:Intake";

    /// <summary>Largest accepted document, in bytes. Default 8 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxDocumentBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Deepest element nesting accepted. Default 64.</summary>
    [Range(8, 1024)]
    public int MaxDepth { get; set; } = 64;

    /// <summary>Most attributes (namespace declarations included) on one element. Default 32.</summary>
    [Range(4, 1024)]
    public int MaxAttributesPerElement { get; set; } = 32;

    /// <summary>Longest element or attribute name, or namespace URI, in characters. Default 256.</summary>
    [Range(16, 4096)]
    public int MaxNameLength { get; set; } = 256;

    /// <summary>Longest text node or attribute value, in characters. Default 64 KiB.</summary>
    [Range(256, 64 * 1024 * 1024)]
    public int MaxValueLength { get; set; } = 64 * 1024;
}
