namespace Cleiss.Exchange.Hub.Configuration;

/// <summary>Where validation packs come from besides the reference packs under <c>schemas/sed</c>.</summary>
public sealed class ValidationOptions
{
    public const string SectionName = "Hub:Validation";

    /// <summary>
    /// A folder holding official CDM XSD packs, loaded unmodified: every <c>*.xsd</c> below it whose
    /// targetNamespace is <c>…/ns/&lt;G&gt;_&lt;V&gt;/&lt;SED&gt;</c> joins the pack of version G.V (with the SBDH schema
    /// found there, or the reference one). Null (default): none.
    /// </summary>
    public string? OfficialPacksDirectory { get; set; }
}
