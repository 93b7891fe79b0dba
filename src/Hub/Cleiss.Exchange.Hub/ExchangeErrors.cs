using System.Collections.Frozen;
using Cleiss.Exchange.Hub.Abstractions;

namespace Cleiss.Exchange.Hub;

/// <summary>One catalogued error code: its HTTP status when it answers an API call, and a short title in English and French.</summary>
public sealed record ErrorDefinition(string Code, int HttpStatus, string Title, string TitleFr);

/// <summary>
/// The catalogue of stable error codes, documented in docs/errors.md (a test keeps the two in step).
/// Tests assert codes, never message text.
/// </summary>
public static class ExchangeErrors
{
    public const string IngestMalformedXml = "INGEST.MALFORMED_XML";
    public const string IngestDtdProhibited = "INGEST.DTD_PROHIBITED";
    public const string IngestLimitExceeded = "INGEST.LIMIT_EXCEEDED";
    public const string IngestNotUtf8 = "INGEST.NOT_UTF8";
    public const string IngestTooLarge = "INGEST.TOO_LARGE";
    public const string IngestEmptyBody = "INGEST.EMPTY_BODY";
    public const string IngestUnsupportedMediaType = "INGEST.UNSUPPORTED_MEDIA_TYPE";
    public const string IngestMalformedJson = "INGEST.MALFORMED_JSON";
    public const string IngestDuplicateConflict = "INGEST.DUPLICATE_CONFLICT";
    public const string ValidateSbdhInvalid = "VALIDATE.SBDH_INVALID";
    public const string ValidateNoPack = "VALIDATE.NO_PACK";
    public const string ValidateTypeMismatch = "VALIDATE.TYPE_MISMATCH";
    public const string ValidateSchemaInvalid = "VALIDATE.SCHEMA_INVALID";
    public const string ValidateRuleViolation = "VALIDATE.RULE_VIOLATION";
    public const string ValidateCaseViolation = "VALIDATE.CASE_VIOLATION";
    public const string ValidateSenderNotAuthenticated = "VALIDATE.SENDER_NOT_AUTHENTICATED";
    public const string RouteUnknownSender = "ROUTE.UNKNOWN_SENDER";
    public const string RouteSenderNotServed = "ROUTE.SENDER_NOT_SERVED";
    public const string RouteUnknownRecipient = "ROUTE.UNKNOWN_RECIPIENT";
    public const string RouteNoCompetence = "ROUTE.NO_COMPETENCE";
    public const string RouteDomesticRecipient = "ROUTE.DOMESTIC_RECIPIENT";
    public const string RouteForeignRecipient = "ROUTE.FOREIGN_RECIPIENT";
    public const string RouteMultipleRecipients = "ROUTE.MULTIPLE_RECIPIENTS";
    public const string RouteNoEndpoint = "ROUTE.NO_ENDPOINT";
    public const string SignKeyUnavailable = "SIGN.KEY_UNAVAILABLE";
    public const string VerifySignatureMissing = "VERIFY.SIGNATURE_MISSING";
    public const string VerifySignatureInvalid = "VERIFY.SIGNATURE_INVALID";
    public const string VerifyPolicyViolation = "VERIFY.POLICY_VIOLATION";
    public const string VerifyUntrustedSender = "VERIFY.UNTRUSTED_SENDER";
    public const string VerifyCertificateNotValid = "VERIFY.CERTIFICATE_NOT_VALID";
    public const string VerifyCertificateUntrusted = "VERIFY.CERTIFICATE_UNTRUSTED";
    public const string VerifyCertificateUsage = "VERIFY.CERTIFICATE_USAGE";
    public const string VerifyCertificateRevoked = "VERIFY.CERTIFICATE_REVOKED";
    public const string VerifyRevocationUnknown = "VERIFY.REVOCATION_UNKNOWN";
    public const string DispatchUnreachable = "DISPATCH.UNREACHABLE";
    public const string DispatchPartnerError = "DISPATCH.PARTNER_ERROR";
    public const string DispatchPartnerRejected = "DISPATCH.PARTNER_REJECTED";
    public const string DispatchReceiptInvalid = "DISPATCH.RECEIPT_INVALID";
    public const string DispatchPartnerUntrusted = "DISPATCH.PARTNER_UNTRUSTED";
    public const string DispatchCircuitOpen = "DISPATCH.CIRCUIT_OPEN";
    public const string As4TooLarge = "AS4.TOO_LARGE";
    public const string As4UnrecognisedFormat = "AS4.UNRECOGNISED_FORMAT";
    public const string As4HttpMalformed = "AS4.HTTP_MALFORMED";
    public const string As4MimeMalformed = "AS4.MIME_MALFORMED";
    public const string As4MimeTruncated = "AS4.MIME_TRUNCATED";
    public const string As4MimeTooManyParts = "AS4.MIME_TOO_MANY_PARTS";
    public const string As4MimePartTooLarge = "AS4.MIME_PART_TOO_LARGE";
    public const string As4MimeNoStartPart = "AS4.MIME_NO_START_PART";
    public const string As4NotSoapEnvelope = "AS4.NOT_SOAP_ENVELOPE";
    public const string As4SignatureMissing = "AS4.SIGNATURE_MISSING";
    public const string As4SignaturePolicy = "AS4.SIGNATURE_POLICY";
    public const string As4SignatureCoverage = "AS4.SIGNATURE_COVERAGE";
    public const string As4SignatureKeyUnavailable = "AS4.SIGNATURE_KEY_UNAVAILABLE";
    public const string As4SignatureReference = "AS4.SIGNATURE_REFERENCE";
    public const string As4DigestMismatch = "AS4.DIGEST_MISMATCH";
    public const string As4SignatureInvalid = "AS4.SIGNATURE_INVALID";
    public const string As4DecryptionFailed = "AS4.DECRYPTION_FAILED";
    public const string As4DecompressionFailed = "AS4.DECOMPRESSION_FAILED";
    public const string ApiNotFound = "API.NOT_FOUND";
    public const string ApiBadRequest = "API.BAD_REQUEST";
    public const string ApiUnauthenticated = "API.UNAUTHENTICATED";
    public const string ApiForbidden = "API.FORBIDDEN";
    public const string ApiConflict = "API.CONFLICT";
    public const string HubInternal = "HUB.INTERNAL";
    public const string HubStorageUnavailable = "HUB.STORAGE_UNAVAILABLE";

    /// <summary>Every catalogued code.</summary>
    public static FrozenDictionary<string, ErrorDefinition> All { get; } = new ErrorDefinition[]
    {
        new(IngestMalformedXml, 400, "The document is not well-formed XML.", "Le document n'est pas un XML bien formé."),
        new(IngestDtdProhibited, 400, "Document type declarations (DTDs, entities) are not accepted.", "Les déclarations de type de document (DTD, entités) ne sont pas acceptées."),
        new(IngestLimitExceeded, 400, "The document exceeds a structural limit (depth, attributes, name length).", "Le document dépasse une limite de structure (profondeur, attributs, longueur de nom ou de valeur)."),
        new(IngestNotUtf8, 400, "Only UTF-8 documents are accepted.", "Seuls les documents en UTF-8 sont acceptés."),
        new(IngestTooLarge, 413, "The document is larger than the configured limit.", "Le document dépasse la taille autorisée."),
        new(IngestEmptyBody, 400, "The request has no body.", "La requête n'a pas de corps."),
        new(IngestUnsupportedMediaType, 415, "The content type is not supported.", "Ce type de contenu n'est pas pris en charge."),
        new(IngestMalformedJson, 400, "The JSON envelope is malformed.", "L'enveloppe JSON est mal formée."),
        new(IngestDuplicateConflict, 409, "A different document was already accepted with this InstanceIdentifier.", "Un autre document a déjà été accepté avec cet InstanceIdentifier."),
        new(ValidateSbdhInvalid, 422, "The Standard Business Document Header is missing or invalid.", "L'en-tête SBDH est absent ou invalide."),
        new(ValidateNoPack, 422, "No validation pack covers this SED type and version.", "Aucun paquet de validation ne couvre ce type de SED et cette version."),
        new(ValidateTypeMismatch, 422, "The SBDH document type does not match the SED element.", "Le type de document du SBDH ne correspond pas à l'élément SED."),
        new(ValidateSchemaInvalid, 422, "The document does not conform to its schema.", "Le document n'est pas conforme à son schéma."),
        new(ValidateRuleViolation, 422, "The document breaks a business rule (dates, identification numbers, code lists, competences).", "Le document enfreint une règle métier (dates, numéros d'identification, listes de codes, compétences)."),
        new(ValidateCaseViolation, 422, "The document is not allowed in its case now (BUC flow, closed or unknown case, version).", "Le document n'est pas admis dans son dossier à ce stade (déroulé du BUC, dossier clos ou inconnu, version)."),
        new(ValidateSenderNotAuthenticated, 403, "The sender named in the header is not one the caller is authenticated for.", "L'émetteur indiqué dans l'en-tête n'est pas une institution pour laquelle l'appelant est authentifié."),
        new(RouteUnknownSender, 422, "The sending institution is not in the directory.", "L'institution émettrice ne figure pas dans l'annuaire."),
        new(RouteSenderNotServed, 422, "The sender is not served by this hub in this direction.", "L'émetteur n'est pas desservi par ce hub dans ce sens."),
        new(RouteUnknownRecipient, 422, "The receiving institution is not in the directory.", "L'institution destinataire ne figure pas dans l'annuaire."),
        new(RouteNoCompetence, 422, "The receiving institution is not competent for this BUC and role.", "L'institution destinataire n'est pas compétente pour ce BUC et ce rôle."),
        new(RouteDomesticRecipient, 422, "An outbound document must be addressed to a foreign institution.", "Un document sortant doit être adressé à une institution étrangère."),
        new(RouteForeignRecipient, 422, "An inbound document must be addressed to a French institution.", "Un document entrant doit être adressé à une institution française."),
        new(RouteMultipleRecipients, 422, "Documents with several receivers are not supported yet.", "Les documents à plusieurs destinataires ne sont pas encore pris en charge."),
        new(RouteNoEndpoint, 422, "The receiving institution's access point has no endpoint.", "Le point d'accès de l'institution destinataire n'a pas d'adresse."),
        new(SignKeyUnavailable, 503, "The signing key is not available.", "La clé de signature n'est pas disponible."),
        new(VerifySignatureMissing, 400, "The document carries no business signature.", "Le document ne porte pas de signature métier."),
        new(VerifySignatureInvalid, 400, "The business signature does not verify.", "La signature métier n'est pas valide."),
        new(VerifyPolicyViolation, 400, "The signature uses an algorithm, transform or structure outside the policy.", "La signature utilise un algorithme, une transformation ou une structure hors politique."),
        new(VerifyUntrustedSender, 403, "No trusted certificate is registered for the sender's access point.", "Aucun certificat de confiance n'est enregistré pour le point d'accès de l'émetteur."),
        new(VerifyCertificateNotValid, 403, "The sender's certificate was not valid between the document's time and its receipt.", "Le certificat de l'émetteur n'était pas valide entre la date du document et sa réception."),
        new(VerifyCertificateUntrusted, 403, "The sender's certificate does not chain to a trust anchor.", "Le certificat de l'émetteur ne remonte pas à une autorité de confiance."),
        new(VerifyCertificateUsage, 403, "The sender's certificate may not sign documents (key usage, or a CA certificate).", "Le certificat de l'émetteur ne peut pas signer de documents (usage de clé, ou certificat d'autorité)."),
        new(VerifyCertificateRevoked, 403, "The sender's certificate, or one of its issuers, is revoked.", "Le certificat de l'émetteur, ou l'un de ses émetteurs, est révoqué."),
        new(VerifyRevocationUnknown, 503, "The revocation status of the sender's certificate cannot be established; the policy is hard-fail.", "Le statut de révocation du certificat de l'émetteur ne peut être établi ; la politique est stricte."),
        new(DispatchUnreachable, 503, "The partner access point could not be reached.", "Le point d'accès partenaire est injoignable."),
        new(DispatchPartnerError, 502, "The partner access point answered with a server error.", "Le point d'accès partenaire a répondu par une erreur serveur."),
        new(DispatchPartnerRejected, 502, "The partner access point refused the document.", "Le point d'accès partenaire a refusé le document."),
        new(DispatchReceiptInvalid, 502, "The partner's receipt is missing, unsigned or does not match what was sent.", "L'accusé de réception du partenaire est absent, non signé ou ne correspond pas à l'envoi."),
        new(DispatchCircuitOpen, 503, "Too many recent exchanges with the partner access point failed; none is tried until its circuit closes.", "Trop d'échanges récents avec le point d'accès partenaire ont échoué ; aucun n'est tenté avant la fermeture du circuit."),
        new(DispatchPartnerUntrusted, 502, "No certificate is registered for the partner access point, so its receipts cannot be checked.", "Aucun certificat n'est enregistré pour le point d'accès partenaire : ses accusés ne peuvent pas être vérifiés."),
        new(As4TooLarge, 413, "The AS4 message is larger than the configured limit.", "Le message AS4 dépasse la taille autorisée."),
        new(As4UnrecognisedFormat, 400, "The bytes are neither an HTTP capture, a MIME multipart/related message nor a SOAP envelope.", "Les octets ne sont ni une capture HTTP, ni un message MIME multipart/related, ni une enveloppe SOAP."),
        new(As4HttpMalformed, 400, "The HTTP or MIME header block is malformed.", "Le bloc d'en-têtes HTTP ou MIME est mal formé."),
        new(As4MimeMalformed, 400, "The MIME structure is malformed or not multipart/related.", "La structure MIME est mal formée ou n'est pas multipart/related."),
        new(As4MimeTruncated, 400, "The MIME message ends before its closing boundary.", "Le message MIME s'arrête avant sa délimitation finale."),
        new(As4MimeTooManyParts, 400, "The MIME message has more parts than allowed.", "Le message MIME compte plus de parties qu'autorisé."),
        new(As4MimePartTooLarge, 413, "A MIME part is larger than allowed.", "Une partie MIME dépasse la taille autorisée."),
        new(As4MimeNoStartPart, 400, "The MIME message has no SOAP start part.", "Le message MIME n'a pas de partie de départ SOAP."),
        new(As4NotSoapEnvelope, 400, "The XML is not a SOAP 1.1 or 1.2 envelope.", "Le XML n'est pas une enveloppe SOAP 1.1 ou 1.2."),
        new(As4SignatureMissing, 400, "The AS4 message carries no WS-Security signature (ebMS EBMS:0103).", "Le message AS4 ne porte pas de signature WS-Security (ebMS EBMS:0103)."),
        new(As4SignaturePolicy, 400, "The AS4 signature uses an algorithm, transform, reference or key outside the policy (ebMS EBMS:0103).", "La signature AS4 utilise un algorithme, une transformation, une référence ou une clé hors politique (ebMS EBMS:0103)."),
        new(As4SignatureCoverage, 400, "The AS4 signature does not cover eb:Messaging, the Body and every attachment (ebMS EBMS:0103).", "La signature AS4 ne couvre pas eb:Messaging, le Body et chaque pièce jointe (ebMS EBMS:0103)."),
        new(As4SignatureKeyUnavailable, 400, "No usable key verifies the AS4 signature (ebMS EBMS:0101).", "Aucune clé utilisable ne permet de vérifier la signature AS4 (ebMS EBMS:0101)."),
        new(As4SignatureReference, 400, "A reference of the AS4 signature is ambiguous or cannot be resolved (ebMS EBMS:0101).", "Une référence de la signature AS4 est ambiguë ou introuvable (ebMS EBMS:0101)."),
        new(As4DigestMismatch, 400, "A part signed in the AS4 message was changed: its digest does not match (ebMS EBMS:0101).", "Une partie signée du message AS4 a été modifiée : son empreinte ne correspond pas (ebMS EBMS:0101)."),
        new(As4SignatureInvalid, 400, "The AS4 signature value does not verify with the key (ebMS EBMS:0101).", "La valeur de la signature AS4 n'est pas valide pour la clé (ebMS EBMS:0101)."),
        new(As4DecryptionFailed, 400, "An encrypted AS4 payload cannot be decrypted (ebMS EBMS:0102).", "Une charge utile AS4 chiffrée ne peut pas être déchiffrée (ebMS EBMS:0102)."),
        new(As4DecompressionFailed, 400, "A compressed AS4 payload cannot be decompressed within the limits (ebMS EBMS:0303).", "Une charge utile AS4 compressée ne peut pas être décompressée dans les limites (ebMS EBMS:0303)."),
        new(ApiNotFound, 404, "No such resource.", "Ressource introuvable."),
        new(ApiBadRequest, 400, "The request is invalid.", "La requête est invalide."),
        new(ApiUnauthenticated, 401, "The API key is missing or unknown.", "La clé d'API est absente ou inconnue."),
        new(ApiForbidden, 403, "This API key may not use this operation (operators only).", "Cette clé d'API ne permet pas cette opération (réservée aux opérateurs)."),
        new(ApiConflict, 409, "The resource is not in a state that allows this operation.", "La ressource n'est pas dans un état qui permet cette opération."),
        new(HubInternal, 500, "An unexpected error occurred; it has been logged.", "Une erreur inattendue s'est produite ; elle a été journalisée."),
        new(HubStorageUnavailable, 503, "The store cannot durably accept documents right now.", "Le stockage ne peut pas accepter de documents de façon durable pour le moment."),
    }.ToFrozenDictionary(d => d.Code, StringComparer.Ordinal);

    /// <summary>Builds a non-transient error.</summary>
    public static ExchangeError Permanent(string code, string stage, string detail) => new(code, stage, false, detail);

    /// <summary>Builds a transient error.</summary>
    public static ExchangeError Transient(string code, string stage, string detail) => new(code, stage, true, detail);
}
