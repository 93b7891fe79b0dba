using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Storage.Audit;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Storage.Evidence;

/// <summary>A certificate the archive holds, with what the audit trail recorded about its check at the time.</summary>
public sealed record EvidenceCertificate(string Role, string KeyId, string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string? RevocationAtTheTime, string File);

/// <summary>One file of the archive and its SHA-256.</summary>
public sealed record EvidenceFile(string Name, string Sha256, long Bytes, string Description);

/// <summary>The archive's manifest (<c>manifest.json</c>).</summary>
public sealed record EvidenceManifest(
    string Format, Guid DocumentId, string Direction, string SedType, string CaseId, string Sender, string Receiver, string AccessPoint, string Status,
    DateTimeOffset ExportedAt, IReadOnlyList<EvidenceFile> Files, IReadOnlyList<string> Missing);

/// <summary>
/// <c>cleiss evidence export</c>: one zip per document with everything needed to show what happened to it, each file
/// listed with its SHA-256 in <c>manifest.json</c>: the payload as accepted, the signed document, the exchange as it went
/// over the wire (AS4 message and receipt, either way), a validation report (the document run again through the
/// current pack; the pack it was accepted under is in its <c>validated</c> audit event), the routing decision, the
/// certificates used with their revocation status as recorded at the time, and every audit event of the document with
/// its inclusion proof against the newest signed checkpoint (check with <c>cleiss audit check-proof</c>). What the hub
/// does not have (e.g. a proof for events newer than the last checkpoint) is listed under <c>missing</c>, not invented.
/// </summary>
public sealed class EvidenceExporter(
    IHubStore store, IAuditLedgerStore ledger, IEvidenceStore evidence, SigningKeyStore keys, TrustStore trust,
    PackRegistry packs, BusinessRules rules, IOptions<IntakeOptions> limits, TimeProvider time)
{
    public const string Format = "cleiss-evidence/v1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes the archive of <paramref name="documentId"/> to <paramref name="output"/>; null when no such document.</summary>
    public async Task<EvidenceManifest?> ExportAsync(Guid documentId, Stream output, CancellationToken cancellationToken)
    {
        var (document, events) = await store.GetDocumentWithTrailAsync(documentId, cancellationToken);
        if (document is null)
        {
            return null;
        }
        var files = new List<EvidenceFile>();
        var missing = new List<string>();
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        void Add(string name, byte[] content, string description)
        {
            var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
            entry.LastWriteTime = document.UpdatedAt;
            using (var stream = entry.Open())
            {
                stream.Write(content);
            }
            files.Add(new EvidenceFile(name, Convert.ToHexStringLower(SHA256.HashData(content)), content.Length, description));
        }
        byte[] JsonBytes(object value) => JsonSerializer.SerializeToUtf8Bytes(value, Json);

        Add("payload.xml", document.Payload, "The document as accepted (SBDH + SED).");
        if (document.SignedPayload is { } signed)
        {
            Add("signed.xml", signed, "The document as signed by the hub and sent.");
        }
        foreach (var item in await evidence.GetEvidenceAsync(documentId, cancellationToken))
        {
            Add($"exchange/{item.Kind}{Extension(item.MediaType)}", item.Content, $"{Describe(item.Kind)} ({item.MediaType}, {item.At:O}).");
        }
        if (document.Direction == Direction.Outbound && document.Status == DocumentStatus.Delivered && document.SignedPayload is not null
            && !files.Exists(f => f.Name.StartsWith("exchange/" + EvidenceKinds.PartnerReceipt, StringComparison.Ordinal)))
        {
            missing.Add("the partner's receipt (delivered before the hub kept exchange evidence)");
        }

        var (error, packId) = await Revalidation.RunAsync(document, packs, rules, limits, cancellationToken);
        Add("validation-report.json", JsonBytes(new
        {
            regeneratedAt = time.GetUtcNow(),
            pack = packId,
            acceptedUnder = events.FirstOrDefault(e => e.Event == "validated")?.Facts,
            valid = error is null,
            code = error?.Code,
            detail = error?.Detail,
            findings = error?.Findings,
        }), "The document run again through the current pack's schema and rules; the facts of its validation at acceptance.");
        Add("routing.json", JsonBytes(events.FirstOrDefault(e => e.Event == "routed")?.Facts ?? new Dictionary<string, string>()), "The routing decision and the directory rule that made it.");

        var certificates = new List<EvidenceCertificate>();
        void Certificate(string role, X509Certificate2? certificate, string? revocation, string? keyId)
        {
            if (certificate is null)
            {
                missing.Add($"the {role} certificate (key {keyId ?? "unknown"}) is no longer in the key or trust store");
                return;
            }
            var id = SigningKeyStore.KeyId(certificate);
            var file = $"certificates/{role}-{id[..16]}.pem";
            Add(file, Encoding.ASCII.GetBytes(certificate.ExportCertificatePem()), $"The {role} certificate.");
            certificates.Add(new EvidenceCertificate(role, id, certificate.Subject, certificate.Issuer, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(), revocation, file));
        }
        if (events.FirstOrDefault(e => e.Event == "signed")?.Facts is { } signing && signing.TryGetValue("keyId", out var signingKey))
        {
            Certificate("hub-signing", keys.FindCertificate(signing.GetValueOrDefault("keyOwner") ?? string.Empty, signingKey), null, signingKey);
        }
        if (events.LastOrDefault(e => e.Event == "delivered")?.Facts is { } delivered && delivered.TryGetValue("receiptKeyId", out var receiptKey))
        {
            Certificate("partner-receipt", FindTrusted(delivered.GetValueOrDefault("receiptIssuer"), receiptKey), delivered.GetValueOrDefault("receiptRevocation"), receiptKey);
        }
        if (events.FirstOrDefault(e => e.Event == "verified")?.Facts is { } verified && verified.TryGetValue("keyId", out var senderKey))
        {
            Certificate("sender-signature", FindTrusted(verified.GetValueOrDefault("accessPoint"), senderKey), verified.GetValueOrDefault("revocation"), senderKey);
        }
        Add("certificates.json", JsonBytes(certificates), "The certificates used, with their revocation status as the audit trail recorded it at the time.");

        var proofs = await AuditLedger.ProveManyAsync(ledger, events.Select(e => e.Sequence).ToList(), cancellationToken);
        var audit = events.Select(e => new { e.Sequence, e.At, e.Stage, e.Event, e.Code, e.Facts, proof = proofs[e.Sequence].Proof, noProof = proofs[e.Sequence].Problem }).ToList();
        missing.AddRange(audit.Where(a => a.proof is null).Select(a => $"an inclusion proof for audit entry {a.Sequence}: {a.noProof}"));
        Add("audit.json", JsonBytes(audit), "Every audit event of the document with its inclusion proof against the newest signed checkpoint (cleiss audit check-proof).");

        var manifest = new EvidenceManifest(Format, document.Id, document.Direction.ToWireName(), document.SedType, document.CaseId, document.SenderId, document.ReceiverId,
            document.AccessPointId, document.Status, time.GetUtcNow(), files, missing);
        var manifestEntry = zip.CreateEntry("manifest.json", CompressionLevel.Optimal);
        await using (var stream = manifestEntry.Open())
        {
            await JsonSerializer.SerializeAsync(stream, manifest, Json, cancellationToken);
        }
        return manifest;
    }

    private X509Certificate2? FindTrusted(string? name, string keyId) =>
        name is null ? null : trust.FindAll(name).FirstOrDefault(c => string.Equals(SigningKeyStore.KeyId(c), keyId, StringComparison.Ordinal));

    private static string Extension(string mediaType) => mediaType switch
    {
        _ when mediaType.StartsWith("multipart/", StringComparison.Ordinal) => ".mime",
        _ when mediaType.Contains("xml", StringComparison.Ordinal) => ".xml",
        _ => ".bin",
    };

    private static string Describe(string kind) => kind switch
    {
        EvidenceKinds.SentMessage => "The message as sent to the partner access point",
        EvidenceKinds.PartnerReceipt => "The partner's signed receipt that proved delivery",
        EvidenceKinds.ReceivedMessage => "The message as received from the partner access point",
        EvidenceKinds.HubReceipt => "The hub's signed receipt for it",
        _ => kind,
    };
}
