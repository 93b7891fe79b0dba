namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>An eb:PartInfo: the payload reference and its part properties.</summary>
public sealed record As4PartInfo(string? Href, IReadOnlyList<As4Property> Properties)
{
    /// <summary>The MimeType part property, if any.</summary>
    public string? MimeType => Find("MimeType");

    /// <summary>The CompressionType part property, if any.</summary>
    public string? CompressionType => Find("CompressionType");

    private string? Find(string name)
    {
        foreach (var property in Properties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
            {
                return property.Value;
            }
        }
        return null;
    }
}
