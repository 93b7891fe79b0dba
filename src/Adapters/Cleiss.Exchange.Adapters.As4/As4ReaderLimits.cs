using Cleiss.Exchange.Hub.Configuration;

namespace Cleiss.Exchange.Adapters.As4;

/// <summary>Bounds on what the AS4 message reader accepts, checked before any part is parsed further.</summary>
public sealed class As4ReaderLimits
{
    /// <summary>Largest whole message (headers, envelope and attachments), in bytes. Default 16 MiB.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Most MIME parts (the SOAP part included), counted on the boundary lines before MimeKit parses. Default 32.</summary>
    public int MaxParts { get; init; } = 32;

    /// <summary>Largest MIME part once its transfer encoding is decoded, in bytes. Default 8 MiB.</summary>
    public int MaxPartBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Most header lines in the HTTP or MIME header block, and in each MIME part's header block (folded lines count). Default 100.</summary>
    public int MaxHeaderLines { get; init; } = 100;

    /// <summary>Longest header line (message or part header), in bytes. Default 8 KiB.</summary>
    public int MaxHeaderLineBytes { get; init; } = 8 * 1024;

    /// <summary>Limits of the hardened XML reader for the envelope (the hub's intake limits by default).</summary>
    public IntakeOptions Xml { get; init; } = new();
}
