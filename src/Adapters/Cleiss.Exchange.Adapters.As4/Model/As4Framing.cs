namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>How the envelope was carried.</summary>
public enum As4Framing
{
    /// <summary>A bare SOAP envelope.</summary>
    Soap,
    /// <summary>An HTTP capture (start line and/or headers) whose body is a SOAP envelope.</summary>
    HttpSoap,
    /// <summary>A MIME multipart/related message, with MIME headers or none.</summary>
    Mime,
    /// <summary>An HTTP capture whose body is a MIME multipart/related message.</summary>
    HttpMime,
}
