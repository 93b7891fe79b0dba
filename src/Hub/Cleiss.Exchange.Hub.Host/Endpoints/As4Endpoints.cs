using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Endpoints;

/// <summary>
/// The hub's AS4 receiving endpoint (push, issue 5; runs per message): reads the message (bounded), requires one
/// UserMessage whose WS-Security signature verifies with a certificate registered for the access point that
/// serves the sending institution and passes the certificate checks (the binding: S12/S13), covering eb:Messaging,
/// the Body and the SED part; eliminates duplicates on eb:MessageId (a resend gets a receipt again and delivers
/// nothing twice; the same id with other content is refused); hands the SED (gunzipped when compressed, with a
/// size cap) to the inbound intake; and answers a signed non-repudiation receipt listing the references it
/// verified, or a signed ebMS Error signal. Message-level encryption is refused (the EESSI P-Mode relies on TLS).
/// Not yet: pull, mTLS, reception awareness on the sending side.
/// </summary>
internal static class As4Endpoints
{
    private const string SoapMediaType = "application/soap+xml";

    /// <summary>Clock difference tolerated between access points for wsu:Timestamp.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static void MapAs4Endpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/as4", ReceiveAsync).WithTags("Access point")
            .WithSummary("Receive an AS4 user message (push); answers a signed NRR receipt or an ebMS error signal.")
            .Produces<string>(200, SoapMediaType);
    }

    private static async Task<IResult> ReceiveAsync(
        HttpRequest request, IntakeService intake, SigningKeyStore keys, TrustStore trust, CertificateValidator certificates,
        InstitutionDirectory directory, IMessageIdStore messageIds, TimeProvider time, IOptions<IntakeOptions> limits, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var readerLimits = new As4ReaderLimits { Xml = limits.Value };
        var (body, readError) = await BodyReader.ReadAsync(request, readerLimits.MaxMessageBytes, "receive", cancellationToken);
        if (body is null)
        {
            return Error(keys, time, null, EbmsErrors.Other, readError!.Detail, 413);
        }
        var framed = Encoding.ASCII.GetBytes($"Content-Type: {request.ContentType}\r\n\r\n").Concat(body).ToArray();
        var message = As4MessageReader.TryRead(framed, readerLimits, out var error);
        if (message is null)
        {
            // H14: a MIME structure refused by the reader (parts, part headers, boundaries) is a MimeInconsistency.
            var mime = error!.Code.StartsWith("AS4.MIME_", StringComparison.Ordinal);
            return Error(keys, time, null, mime ? EbmsErrors.MimeInconsistency : EbmsErrors.InvalidHeader, error.Code,
                ExchangeErrors.All.TryGetValue(error.Code, out var known) ? known.HttpStatus : 400);
        }
        if (message.Messaging is not { UserMessages: [var user] } || user.MessageInfo?.MessageId is not { Length: > 0 } messageId)
        {
            return Error(keys, time, null, EbmsErrors.InvalidHeader, "Exactly one eb:UserMessage with a MessageId is required.", 400);
        }
        if (user.Parts is not [var part] || user.From?.PartyIds is not [var from, ..])
        {
            return Error(keys, time, messageId, EbmsErrors.ValueInconsistent, "One PartInfo (the SED) and a From party are required.", 400);
        }
        if (IsEncrypted(message))
        {
            // S22/S26: the EESSI P-Mode has no message-level encryption (TLS protects the link), so nothing is decrypted
            // here: no crafted EncryptedKey/EncryptedData is ever processed, no CipherReference followed, and no decrypted
            // content of an unauthenticated message can reach the intake.
            return Error(keys, time, messageId, EbmsErrors.PolicyNoncompliance, "Message-level encryption is not in the hub's P-Mode; the message is refused unread.", 403);
        }
        var sedPart = SedAttachment(message, part, out var partProblem);
        if (sedPart is null)
        {
            return Error(keys, time, messageId, partProblem!.Value.Code, partProblem.Value.Why, 400);
        }

        // Binding: only the certificates registered for the access point serving the claimed sender count.
        var accessPoint = directory.FindInstitution(from.Value)?.AccessPoint;
        var verification = accessPoint is null ? null : await VerifyAsync(message, trust.FindAll(accessPoint), certificates, cancellationToken);
        if (verification is not { IsValid: true })
        {
            var code = verification?.Code is { } failure ? WsSecurityVerifier.EbmsCode(failure) : null;
            return Error(keys, time, messageId, code == EbmsErrors.PolicyNoncompliance.Code ? EbmsErrors.PolicyNoncompliance : EbmsErrors.FailedAuthentication,
                verification?.Code ?? "No certificate registered for the sender's access point passes the checks.", 403);
        }

        if (TimestampProblem(message, verification, time.GetUtcNow()) is { } stale)
        {
            return Error(keys, time, messageId, stale.Code, stale.Why, 403);
        }

        var payload = Payload(sedPart, part, limits.Value.MaxDocumentBytes);
        if (payload is null)
        {
            return Error(keys, time, messageId, EbmsErrors.DecompressionFailure, "The SED part is missing, not gzip, or too large.", 400);
        }
        // The MessageId is recorded (or found) before anything else is stored: other content under a known id is
        // refused with nothing accepted, even when two such messages race.
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload));
        var registered = await messageIds.RegisterAsync(messageId, sha, Guid.Empty, time.GetUtcNow(), cancellationToken);
        if (registered.State == MessageIdState.Conflict)
        {
            HostLog.As4MessageIdConflict(loggers.CreateLogger(typeof(As4Endpoints).FullName!), messageId);
            return Error(keys, time, messageId, EbmsErrors.Other, "This MessageId was received before with other content.", 409);
        }
        var result = await intake.SubmitAsync(Direction.Inbound, payload, cancellationToken);
        if (result.Outcome == IntakeOutcome.Rejected)
        {
            return Error(keys, time, messageId, EbmsErrors.Other, result.Error!.Code, ExchangeErrors.All.TryGetValue(result.Error.Code, out var definition) ? definition.HttpStatus : 400);
        }
        await messageIds.AssignAsync(messageId, result.DocumentId, cancellationToken);
        var receipt = As4SignalBuilder.Receipt(NewMessageId(), time.GetUtcNow(), messageId, message.Security!.Signatures[0].References);
        return Signal(WsSecuritySigner.Sign(receipt, [], keys.Current).Envelope, 200);
    }

    /// <summary>
    /// S21: a wsu:Timestamp, when the message has one, must be signed and current (Created not after now + skew,
    /// Expires not before now − skew). Without one the message is accepted (not every AS4 stack writes it).
    /// </summary>
    private static (EbmsErrorCode Code, string Why)? TimestampProblem(As4Message message, As4SignatureVerification verification, DateTimeOffset now)
    {
        var security = message.Envelope?.DocumentElement is { } root ? Hub.Internal.XmlWalk.Descendants(root, "Security", As4Namespaces.Wsse) : [];
        var stamps = security.Count == 1 ? Hub.Internal.XmlWalk.Descendants(security[0], "Timestamp", As4Namespaces.Wsu) : [];
        if (stamps.Count == 0)
        {
            return null;
        }
        if (stamps.Count > 1 || !verification.VerifiedElements.Contains(stamps[0]))
        {
            return (EbmsErrors.PolicyNoncompliance, "The wsu:Timestamp must be single and signed.");
        }
        static DateTimeOffset? At(XmlElement? element) =>
            DateTimeOffset.TryParse(element?.InnerText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var value) ? value : null;
        var created = At(Hub.Internal.XmlWalk.Child(stamps[0], "Created", As4Namespaces.Wsu));
        var expires = At(Hub.Internal.XmlWalk.Child(stamps[0], "Expires", As4Namespaces.Wsu));
        return created is null || created > now + ClockSkew || (expires is { } end && end < now - ClockSkew)
            ? (EbmsErrors.FailedAuthentication, "The wsu:Timestamp is missing its Created time, in the future, or expired.")
            : null;
    }

    /// <summary>The first registered certificate that passes the certificate checks and verifies the message.</summary>
    private static async Task<As4SignatureVerification?> VerifyAsync(As4Message message, IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> registered,
        CertificateValidator certificates, CancellationToken cancellationToken)
    {
        As4SignatureVerification? first = null;
        foreach (var certificate in registered)
        {
            if (!(await certificates.CheckNowAsync(certificate, cancellationToken)).IsValid)
            {
                continue;
            }
            var verification = WsSecurityVerifier.Verify(message, new As4VerificationKeys { Override = certificate });
            if (verification.IsValid)
            {
                return verification;
            }
            first ??= verification;
        }
        return first;
    }

    /// <summary>Any xenc/xenc11 element in the envelope (an EncryptedKey, EncryptedData, or a fragment of one).</summary>
    private static bool IsEncrypted(As4Message message) =>
        message.Envelope is { } envelope
        && (envelope.GetElementsByTagName("*", As4Namespaces.Xenc).Count > 0 || envelope.GetElementsByTagName("*", As4Namespaces.Xenc11).Count > 0);

    /// <summary>
    /// S23: the PartInfo must name, by <c>cid:</c>, exactly one attachment of the message (nothing is fetched), and the
    /// message must carry no other attachment: a missing part is an ExternalPayloadError, an extra one ValueInconsistent.
    /// </summary>
    private static As4Attachment? SedAttachment(As4Message message, As4PartInfo part, out (EbmsErrorCode Code, string Why)? problem)
    {
        problem = null;
        var id = part.Href is { } href && href.StartsWith("cid:", StringComparison.Ordinal) ? Uri.UnescapeDataString(href[4..]) : null;
        var named = id is null ? [] : message.Attachments.Where(a => a.ContentId == id).ToList();
        if (named.Count != 1)
        {
            problem = (EbmsErrors.ExternalPayloadError, id is null
                ? "The PartInfo does not name a MIME part (cid:); nothing outside the message is fetched."
                : $"The PartInfo names {named.Count} MIME parts with that Content-ID; exactly one is required.");
            return null;
        }
        if (message.Attachments.Count != 1)
        {
            problem = (EbmsErrors.ValueInconsistent, $"The message carries {message.Attachments.Count} attachments; only the one the PartInfo names is allowed.");
            return null;
        }
        return named[0];
    }

    /// <summary>The SED: the attachment's content, gunzipped when the PartInfo's CompressionType says so, at most <paramref name="maxBytes"/>.</summary>
    private static byte[]? Payload(As4Attachment attachment, As4PartInfo part, int maxBytes)
    {
        if (part.CompressionType is null)
        {
            return attachment.Content.Length <= maxBytes ? attachment.Content.ToArray() : null;
        }
        if (part.CompressionType != "application/gzip")
        {
            return null;
        }
        try
        {
            using var gzip = new GZipStream(new MemoryStream(attachment.Content.ToArray()), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                if (output.Length + read > maxBytes)
                {
                    return null; // S24: a decompression bomb stops at the cap
                }
                output.Write(buffer, 0, read);
            }
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Error(SigningKeyStore keys, TimeProvider time, string? refTo, EbmsErrorCode code, string description, int status)
    {
        var signal = As4SignalBuilder.Error(NewMessageId(), time.GetUtcNow(), refTo, code, description);
        return Signal(WsSecuritySigner.Sign(signal, [], keys.Current).Envelope, status);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Signal(string envelope, int status) =>
        TypedResults.Text(envelope, $"{SoapMediaType}; charset=utf-8", Encoding.UTF8, status);

    private static string NewMessageId() => $"{Guid.NewGuid():N}@cleiss.exchange";
}
