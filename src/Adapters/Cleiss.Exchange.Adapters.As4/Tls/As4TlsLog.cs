using Microsoft.Extensions.Logging;

namespace Cleiss.Exchange.Adapters.As4.Tls;

/// <summary>
/// Log messages of mutual TLS between access points (event ids 4501–4504, beside the trust events 4xxx of
/// <c>HubEventIds</c>). They name access point ids and certificate key ids (SHA-256 thumbprints), never a message's content.
/// </summary>
public static partial class As4TlsLog
{
    [LoggerMessage(4501, LogLevel.Warning, "AS4 sending: the TLS server certificate {KeyId} of {Host} is not a certificate registered for {AccessPointId} that passes the certificate checks; connection refused")]
    public static partial void ServerCertificateRefused(ILogger logger, string keyId, string host, string accessPointId);

    [LoggerMessage(4502, LogLevel.Warning, "AS4 mutual TLS: client certificate {KeyId} (CN {Name}) from {Remote} refused at the handshake: {Reason}")]
    public static partial void ClientCertificateRefused(ILogger logger, string keyId, string name, string remote, string reason);

    [LoggerMessage(4503, LogLevel.Warning, "AS4 mutual TLS: message {MessageId} refused (FailedAuthentication): the client certificate {KeyId} is not one of {AccessPointId}, the sender's access point: {Reason}")]
    public static partial void BindingRefused(ILogger logger, string messageId, string keyId, string accessPointId, string reason);

    [LoggerMessage(4504, LogLevel.Warning, "AS4: /as4 refused on a connection without mutual TLS from {Remote} (Hub:As4:Tls:Required)")]
    public static partial void PlainRefused(ILogger logger, string remote);
}
