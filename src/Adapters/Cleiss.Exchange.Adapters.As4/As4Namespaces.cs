namespace Cleiss.Exchange.Adapters.As4;

/// <summary>The namespaces an AS4 message uses.</summary>
public static class As4Namespaces
{
    public const string Soap11 = "http://schemas.xmlsoap.org/soap/envelope/";
    public const string Soap12 = "http://www.w3.org/2003/05/soap-envelope";
    public const string Ebms = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/";
    public const string EbbpSignals = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0";
    public const string Wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    public const string Wsse11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd";
    public const string Wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
    public const string Dsig = "http://www.w3.org/2000/09/xmldsig#";
    public const string Xenc = "http://www.w3.org/2001/04/xmlenc#";
    public const string Xenc11 = "http://www.w3.org/2009/xmlenc11#";
    public const string Wsa = "http://www.w3.org/2005/08/addressing";
    public const string MultiHop = "http://docs.oasis-open.org/ebxml-msg/ns/ebms/v3.0/multihop/200902/";
}
