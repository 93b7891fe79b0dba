namespace Cleiss.Exchange.Adapters.As4.Model;

/// <summary>The SOAP version of the envelope (AS4 uses 1.2; ebMS3 allows 1.1).</summary>
public enum As4SoapVersion
{
    /// <summary>http://schemas.xmlsoap.org/soap/envelope/</summary>
    Soap11,
    /// <summary>http://www.w3.org/2003/05/soap-envelope</summary>
    Soap12,
}
