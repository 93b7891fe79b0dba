using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cleiss.Exchange.Adapters.As4;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Adapters.As4.Model;
using Cleiss.Exchange.Adapters.As4.Security;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>
/// <c>cleiss as4 inspect FILE [--format text|json]</c>: what an AS4 message holds (framing, parts, ebMS headers,
/// signature references, key reference). Exit 0 parsed, 1 not an AS4 message or malformed, 2 usage or I/O error.
/// <c>cleiss as4 verify FILE [--cert PEM] [--format text|json] [--allow-unchecked-attachments]</c>: the WS-Security
/// signature, every reference's digest (attachments included) and the key used. Exit 0 valid, 1 invalid, 2 usage or I/O error.
/// </summary>
internal static class As4Command
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Printed for people and scripts, never embedded in HTML: keep '+' in base64 digests and '&' in URIs readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Command Build()
    {
        var as4 = new Command("as4", "AS4 (ebMS3) tools for operators and conformance teams.");
        as4.Subcommands.Add(BuildInspect());
        as4.Subcommands.Add(BuildVerify());
        return as4;
    }

    private static Command BuildVerify()
    {
        var file = new Argument<FileInfo>("file") { Description = "A raw AS4 message: HTTP capture, MIME multipart/related (with or without headers) or bare SOAP envelope." };
        var cert = new Option<FileInfo?>("--cert") { Description = "PEM certificate to verify with; overrides the message's BinarySecurityToken and resolves SubjectKeyIdentifier/IssuerSerial references." };
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var unchecked_ = new Option<bool>("--allow-unchecked-attachments") { Description = "Report cid: references whose attachment is absent or encrypted as not checked instead of failing (captures without attachments, encrypted messages)." };
        var minRsa = new Option<int>("--min-rsa-bits") { Description = "Smallest RSA key accepted (default 2048; conformance samples signed with 1024-bit test keys need 1024).", DefaultValueFactory = _ => 2048 };
        var key = new Option<FileInfo?>("--key") { Description = "PEM private key of the recipient: encrypted attachments are decrypted (RSA-OAEP, AES-GCM) and gunzipped, and their signed digests checked." };
        var command = new Command("verify", "Verify an AS4 message's WS-Security signature: SignatureValue, every reference digest (attachments included) and the key used.") { file, cert, format, unchecked_, minRsa, key };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(file)!;
            byte[] bytes;
            X509Certificate2? certificate = null;
            using var privateKey = RSA.Create();
            var decrypt = false;
            try
            {
                bytes = await File.ReadAllBytesAsync(path.FullName, cancellationToken);
                if (result.GetValue(cert) is { } pem)
                {
                    certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem.FullName, cancellationToken));
                }
                if (result.GetValue(key) is { } keyPem)
                {
                    privateKey.ImportFromPem(await File.ReadAllTextAsync(keyPem.FullName, cancellationToken));
                    decrypt = true;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"cleiss as4 verify: {ex.Message}");
                return 2;
            }
            var json = result.GetValue(format) == "json";
            var message = As4MessageReader.TryRead(bytes, new As4ReaderLimits(), out var error);
            if (message is null)
            {
                Console.WriteLine(json
                    ? JsonSerializer.Serialize(new { file = path.Name, valid = false, code = error!.Code, detail = error.Detail }, Json)
                    : $"NOT AN AS4 MESSAGE {error!.Code}: {error.Detail}");
                return 1;
            }
            var payloads = new List<object>();
            if (decrypt)
            {
                var decrypted = As4Decryptor.TryDecrypt(message, privateKey, out var decryptError);
                if (decrypted is null)
                {
                    Console.WriteLine(json
                        ? JsonSerializer.Serialize(new { file = path.Name, valid = false, code = decryptError!.Code, ebmsErrorCode = WsSecurityVerifier.EbmsCode(decryptError.Code), detail = decryptError.Detail }, Json)
                        : $"INVALID {decryptError!.Code} ({WsSecurityVerifier.EbmsCode(decryptError.Code)}): {decryptError.Detail}");
                    return 1;
                }
                message = decrypted;
                foreach (var attachment in message.Attachments.Where(a => a.Decrypted))
                {
                    var gzip = message.Messaging?.UserMessages.SelectMany(u => u.Parts).Any(p => p.Href == "cid:" + attachment.ContentId && p.CompressionType == "application/gzip") == true
                        || attachment.ContentType == "application/gzip";
                    long? gunzipped = null;
                    string? gunzipError = null;
                    if (gzip)
                    {
                        var plain = As4Decryptor.TryGunzip(attachment.Content, 64L * 1024 * 1024, out var unzipError);
                        gunzipped = plain?.Length;
                        gunzipError = unzipError?.Code;
                    }
                    payloads.Add(new { contentId = attachment.ContentId, decryptedBytes = attachment.Size, gunzippedBytes = gunzipped, gunzipError });
                    if (!json)
                    {
                        Console.WriteLine($"decrypted <{attachment.ContentId}>: {attachment.Size} bytes ({attachment.ContentType}){(gzip ? gunzipped is null ? $", gunzip failed {gunzipError}" : $", gunzipped {gunzipped} bytes" : "")}");
                    }
                }
            }
            var keys = new As4VerificationKeys { Override = certificate };
            var policy = new As4SignaturePolicy { AllowUncheckedAttachments = result.GetValue(unchecked_), MinRsaKeyBits = result.GetValue(minRsa) };
            var verification = WsSecurityVerifier.Verify(message, keys, policy);
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { file = path.Name, valid = verification.IsValid, decrypted = decrypt ? payloads : null, verification }, Json));
            }
            else
            {
                Console.Write(VerifyText(verification));
            }
            return verification.IsValid ? 0 : 1;
        });
        return command;
    }

    internal static string VerifyText(As4SignatureVerification verification)
    {
        var w = new StringWriter { NewLine = "\n" };
        if (verification.SignatureMethod is not null)
        {
            w.WriteLine($"signature: {verification.SignatureMethod}, c14n {verification.CanonicalizationMethod}");
        }
        if (verification.Key is { } key)
        {
            w.WriteLine($"key: {key.Algorithm} {key.KeySize} bits, {key.Subject} (SHA-1 {key.Thumbprint}), from {key.Source}");
        }
        foreach (var reference in verification.References)
        {
            w.WriteLine($"reference {reference.Uri} [{reference.Target}] {reference.DigestMethod}: {reference.Status}{(reference.Detail is null ? "" : $" ({reference.Detail})")}");
        }
        if (verification.SignatureValueValid is { } value)
        {
            w.WriteLine($"SignatureValue: {(value ? "valid" : "INVALID")}");
        }
        w.WriteLine(verification.IsValid
            ? "VALID"
            : $"INVALID {verification.Code} ({verification.EbmsErrorCode}): {verification.Detail}");
        return w.ToString();
    }

    private static Command BuildInspect()
    {
        var file = new Argument<FileInfo>("file") { Description = "A raw AS4 message: HTTP capture, MIME multipart/related (with or without headers) or bare SOAP envelope." };
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("inspect", "Print an AS4 message's parts, headers, signature references and key reference.") { file, format };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(file)!;
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(path.FullName, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"cleiss as4 inspect: cannot read {path.FullName}: {ex.Message}");
                return 2;
            }
            var message = As4MessageReader.TryRead(bytes, new As4ReaderLimits(), out var error);
            var json = result.GetValue(format) == "json";
            if (message is null)
            {
                if (json)
                {
                    Console.WriteLine(JsonSerializer.Serialize(new { file = path.Name, parsed = false, code = error!.Code, detail = error.Detail }, Json));
                }
                else
                {
                    Console.WriteLine($"NOT AN AS4 MESSAGE {error!.Code}: {error.Detail}");
                }
                return 1;
            }
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { file = path.Name, parsed = true, message }, Json));
            }
            else
            {
                Console.Write(Text(message));
            }
            return 0;
        });
        return command;
    }

    internal static string Text(As4Message message)
    {
        var w = new StringWriter { NewLine = "\n" };
        w.WriteLine($"framing: {message.Framing}, SOAP {(message.SoapVersion == As4SoapVersion.Soap12 ? "1.2" : "1.1")}");
        if (message.StartLine is not null)
        {
            w.WriteLine($"start line: {message.StartLine}");
        }
        foreach (var header in message.TransportHeaders)
        {
            w.WriteLine($"header: {header.Name}: {header.Value}");
        }
        if (message.SoapPart is { } soap)
        {
            w.WriteLine($"part (SOAP): <{soap.ContentId}> {soap.ContentType}, {soap.Size} bytes");
        }
        foreach (var attachment in message.Attachments)
        {
            w.WriteLine($"part: <{attachment.ContentId}> {attachment.ContentType}, {attachment.Size} bytes{(attachment.TransferEncoding is null ? "" : $", {attachment.TransferEncoding}")}");
        }
        if (message.MultiHop is { } hop)
        {
            w.WriteLine($"multi-hop: wsa:To {hop.To} (role {hop.ToRole}), wsa:Action {hop.Action}");
            if (hop.RoutingInput is { } routing)
            {
                w.WriteLine("  RoutingInput:");
                WriteUser(w, routing, "    ");
            }
        }
        if (message.Messaging is { } messaging)
        {
            w.WriteLine($"eb:Messaging{(messaging.Id is null ? "" : $" wsu:Id={messaging.Id}")}{(messaging.MustUnderstand ? " mustUnderstand" : "")}");
            foreach (var user in messaging.UserMessages)
            {
                w.WriteLine("  UserMessage:");
                WriteUser(w, user, "    ");
            }
            foreach (var signal in messaging.SignalMessages)
            {
                w.WriteLine("  SignalMessage:");
                WriteInfo(w, signal.MessageInfo, "    ");
                if (signal.Receipt is { } receipt)
                {
                    w.WriteLine($"    Receipt: {(receipt.EmbeddedUserMessage is not null ? $"embeds the UserMessage received ({receipt.EmbeddedUserMessage.MessageInfo?.MessageId})" : receipt.NonRepudiationNamespace is not null ? $"NRR, {receipt.NonRepudiationReferences.Count} reference(s)" : "empty")}");
                    foreach (var reference in receipt.NonRepudiationReferences)
                    {
                        w.WriteLine($"      {reference.Uri} digest {reference.DigestMethod}");
                    }
                }
                foreach (var error in signal.Errors)
                {
                    w.WriteLine($"    Error {error.ErrorCode} {error.ShortDescription} severity={error.Severity} refToMessageInError={error.RefToMessageInError}");
                }
                if (signal.PullRequest is { } pull)
                {
                    w.WriteLine($"    PullRequest mpc={pull.Mpc ?? "(default)"}");
                }
            }
        }
        if (message.Security is { } security)
        {
            w.WriteLine($"wsse:Security: {security.HeaderCount} header(s){(security.HasTimestamp ? ", timestamp" : "")}");
            foreach (var token in security.Tokens)
            {
                w.WriteLine($"  BinarySecurityToken {token.Id} {token.ValueType}");
            }
            foreach (var signature in security.Signatures)
            {
                w.WriteLine($"  Signature {signature.SignatureMethod}, c14n {signature.CanonicalizationMethod}");
                foreach (var reference in signature.References)
                {
                    w.WriteLine($"    Reference {reference.Uri} digest {reference.DigestMethod} transforms [{string.Join(", ", reference.Transforms)}]");
                }
                w.WriteLine($"    key: {Key(signature.KeyReference)}");
            }
            foreach (var key in security.EncryptedKeys)
            {
                w.WriteLine($"  EncryptedKey {key.Algorithm}{(key.DigestMethod is null ? "" : $" digest {key.DigestMethod}")}{(key.MaskGenerationFunction is null ? "" : $" mgf {key.MaskGenerationFunction}")}, key: {Key(key.KeyReference)}, data [{string.Join(", ", key.DataReferences)}]");
            }
            foreach (var data in security.EncryptedData)
            {
                w.WriteLine($"  EncryptedData {data.Id} {data.Algorithm} {data.CipherReference} ({data.MimeType})");
            }
        }
        if (message.Body.Fault is { } fault)
        {
            w.WriteLine($"SOAP Fault: {fault.Code} {fault.Subcode} {fault.Reason}");
        }
        w.WriteLine($"Body: {(message.Body.Children.Count == 0 ? "empty" : string.Join(", ", message.Body.Children))}{(message.Body.Id is null ? "" : $" (wsu:Id={message.Body.Id})")}");
        foreach (var other in message.OtherHeaders)
        {
            w.WriteLine($"other header: {other}");
        }
        foreach (var note in message.Notes)
        {
            w.WriteLine($"note: {note}");
        }
        return w.ToString();
    }

    private static string Key(As4KeyReference key) => key.Kind switch
    {
        As4KeyReferenceKind.BinarySecurityToken => $"BinarySecurityToken {key.Uri} ({key.ValueType}{(key.TokenPresent == true ? "" : ", token not in the message")})",
        As4KeyReferenceKind.SubjectKeyIdentifier => $"SubjectKeyIdentifier {key.Value}",
        As4KeyReferenceKind.IssuerSerial => $"IssuerSerial {key.Value}",
        _ => $"{key.Kind}{(key.Value is null ? "" : " " + key.Value)}",
    };

    private static void WriteInfo(StringWriter w, As4MessageInfo? info, string indent)
    {
        if (info is not null)
        {
            w.WriteLine($"{indent}MessageId {info.MessageId}, Timestamp {info.Timestamp}{(info.RefToMessageId is null ? "" : $", RefToMessageId {info.RefToMessageId}")}");
        }
    }

    private static void WriteUser(StringWriter w, As4UserMessage user, string indent)
    {
        WriteInfo(w, user.MessageInfo, indent);
        if (user.Mpc is not null)
        {
            w.WriteLine($"{indent}mpc {user.Mpc}");
        }
        static string Party(As4Party? party) => party is null ? "-" : $"{string.Join(" ", party.PartyIds.Select(p => p.Type is null ? p.Value : $"{p.Value} ({p.Type})"))} role {party.Role}";
        w.WriteLine($"{indent}From {Party(user.From)}");
        w.WriteLine($"{indent}To {Party(user.To)}");
        if (user.Collaboration is { } c)
        {
            w.WriteLine($"{indent}Service {c.Service}{(c.ServiceType is null ? "" : $" ({c.ServiceType})")}, Action {c.Action}, ConversationId {c.ConversationId}{(c.AgreementRef is null ? "" : $", AgreementRef {c.AgreementRef}")}");
        }
        foreach (var property in user.MessageProperties)
        {
            w.WriteLine($"{indent}property {property.Name}={property.Value}");
        }
        foreach (var part in user.Parts)
        {
            w.WriteLine($"{indent}PartInfo {part.Href ?? "(body)"} [{string.Join(", ", part.Properties.Select(p => $"{p.Name}={p.Value}"))}]");
        }
    }
}
