namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>How a signature or an encrypted key names its certificate.</summary>
public enum As4KeyReferenceKind
{
    /// <summary>No KeyInfo.</summary>
    None,
    /// <summary>wsse:SecurityTokenReference/wsse:Reference to a wsse:BinarySecurityToken of the message.</summary>
    BinarySecurityToken,
    /// <summary>wsse:KeyIdentifier of value type X509SubjectKeyIdentifier, or ds:X509SKI.</summary>
    SubjectKeyIdentifier,
    /// <summary>ds:X509IssuerSerial (in a SecurityTokenReference or directly in KeyInfo).</summary>
    IssuerSerial,
    /// <summary>wsse:KeyIdentifier of another value type (thumbprint, ...).</summary>
    KeyIdentifier,
    /// <summary>ds:X509Data/ds:X509Certificate directly in KeyInfo.</summary>
    X509Certificate,
    /// <summary>ds:KeyName or ds:KeyValue, or something else.</summary>
    Other,
}
