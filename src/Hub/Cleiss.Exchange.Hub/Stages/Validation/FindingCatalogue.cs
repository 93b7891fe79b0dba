using System.Collections.Frozen;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>A finding code with its message templates (<c>{0}</c> = the element or rule subject).</summary>
public sealed record FindingDefinition(string Code, string English, string French);

/// <summary>
/// Every finding code of validation (schema, business and case rules), with English and French
/// messages. Documented in docs/errors.md; a test keeps the two in step. Messages name elements and
/// rules, never the values found (they can be personal data).
/// </summary>
public static class FindingCatalogue
{
    public const string SchemaUnexpectedElement = "SCHEMA.UNEXPECTED_ELEMENT";
    public const string SchemaMissingElement = "SCHEMA.MISSING_ELEMENT";
    public const string SchemaInvalidValue = "SCHEMA.INVALID_VALUE";
    public const string SchemaPattern = "SCHEMA.PATTERN";
    public const string SchemaTooLong = "SCHEMA.TOO_LONG";
    public const string SchemaTooShort = "SCHEMA.TOO_SHORT";
    public const string SchemaNotInList = "SCHEMA.NOT_IN_LIST";
    public const string SchemaOutOfRange = "SCHEMA.OUT_OF_RANGE";
    public const string SchemaAttribute = "SCHEMA.ATTRIBUTE";
    public const string SchemaUnexpectedText = "SCHEMA.UNEXPECTED_TEXT";
    public const string SchemaOther = "SCHEMA.OTHER";

    public const string RulePinInvalid = "RULE.PIN_INVALID";
    public const string RuleDateOrder = "RULE.DATE_ORDER";
    public const string RuleDateInFuture = "RULE.DATE_IN_FUTURE";
    public const string RuleBirthAfterPeriod = "RULE.BIRTH_AFTER_PERIOD";
    public const string RuleCodeUnknown = "RULE.CODE_UNKNOWN";
    public const string RuleSenderNoCompetence = "RULE.SENDER_NO_COMPETENCE";
    public const string RuleSenderNotAuthenticated = "RULE.SENDER_NOT_AUTHENTICATED";

    public const string CaseUnknownBuc = "CASE.UNKNOWN_BUC";
    public const string CaseUnknownCase = "CASE.UNKNOWN_CASE";
    public const string CaseAlreadyStarted = "CASE.ALREADY_STARTED";
    public const string CaseSedNotInBuc = "CASE.SED_NOT_IN_BUC";
    public const string CaseBucMismatch = "CASE.BUC_MISMATCH";
    public const string CaseVersionMismatch = "CASE.VERSION_MISMATCH";
    public const string CaseParentMissing = "CASE.PARENT_MISSING";
    public const string CaseOutOfOrder = "CASE.OUT_OF_ORDER";
    public const string CaseParentInvalidated = "CASE.PARENT_INVALIDATED";
    public const string CaseClosed = "CASE.CLOSED";
    public const string CaseNotClosed = "CASE.NOT_CLOSED";
    public const string CaseNotParticipant = "CASE.NOT_A_PARTICIPANT";

    /// <summary>Every finding code.</summary>
    public static FrozenDictionary<string, FindingDefinition> All { get; } = new FindingDefinition[]
    {
        new(SchemaUnexpectedElement, "Element '{0}' is not allowed here.", "L'élément « {0} » n'est pas autorisé à cet endroit."),
        new(SchemaMissingElement, "Element '{0}' lacks a required child element.", "Il manque un élément obligatoire dans « {0} »."),
        new(SchemaInvalidValue, "The value of '{0}' does not have the required type.", "La valeur de « {0} » n'a pas le type attendu."),
        new(SchemaPattern, "The value of '{0}' does not have the required format.", "La valeur de « {0} » n'a pas le format attendu."),
        new(SchemaTooLong, "The value of '{0}' is too long.", "La valeur de « {0} » est trop longue."),
        new(SchemaTooShort, "The value of '{0}' is too short or empty.", "La valeur de « {0} » est trop courte ou vide."),
        new(SchemaNotInList, "The value of '{0}' is not one of the allowed codes.", "La valeur de « {0} » ne fait pas partie des codes autorisés."),
        new(SchemaOutOfRange, "The value of '{0}' is out of range (digits or bounds).", "La valeur de « {0} » est hors limites (chiffres ou bornes)."),
        new(SchemaAttribute, "Attribute problem on '{0}' (missing, unknown or invalid).", "Problème d'attribut sur « {0} » (manquant, inconnu ou invalide)."),
        new(SchemaUnexpectedText, "Element '{0}' cannot contain text.", "L'élément « {0} » ne peut pas contenir de texte."),
        new(SchemaOther, "'{0}' does not conform to the schema.", "« {0} » n'est pas conforme au schéma."),

        new(RulePinInvalid, "The personal identification number for {0} does not have that country's structure or check digits.", "Le numéro d'identification personnel pour {0} n'a pas la structure ou la clé de contrôle de ce pays."),
        new(RuleDateOrder, "Dates in '{0}' are in the wrong order.", "Les dates de « {0} » ne sont pas dans le bon ordre."),
        new(RuleDateInFuture, "'{0}' is later than the document's creation date.", "« {0} » est postérieure à la date de création du document."),
        new(RuleBirthAfterPeriod, "A period in '{0}' starts before the person's date of birth.", "Une période de « {0} » commence avant la date de naissance de la personne."),
        new(RuleCodeUnknown, "The code in '{0}' is not in its code list.", "Le code de « {0} » ne figure pas dans sa liste de codes."),
        new(RuleSenderNoCompetence, "The sending institution is not competent for {0} in its role.", "L'institution émettrice n'est pas compétente pour {0} dans son rôle."),
        new(RuleSenderNotAuthenticated, "The sender named in the header is not an institution the caller may act for ({0}).", "L'émetteur indiqué dans l'en-tête n'est pas une institution pour laquelle l'appelant peut agir ({0})."),

        new(CaseUnknownBuc, "No case rules exist for {0}.", "Aucune règle de dossier n'existe pour {0}."),
        new(CaseUnknownCase, "The case is unknown and {0} cannot start it.", "Le dossier est inconnu et {0} ne peut pas l'ouvrir."),
        new(CaseAlreadyStarted, "The case already exists; {0} can only start a case.", "Le dossier existe déjà ; {0} ne peut qu'ouvrir un dossier."),
        new(CaseSedNotInBuc, "{0} is not part of this BUC.", "{0} ne fait pas partie de ce BUC."),
        new(CaseBucMismatch, "The document's BUC differs from the case's ({0}).", "Le BUC du document diffère de celui du dossier ({0})."),
        new(CaseVersionMismatch, "The document's version differs from the version pinned for the case ({0}).", "La version du document diffère de celle fixée pour le dossier ({0})."),
        new(CaseParentMissing, "{0} must reply to a document of the case, and the one it names is not there.", "{0} doit répondre à un document du dossier, et celui qu'il désigne n'y figure pas."),
        new(CaseOutOfOrder, "{0} cannot reply to the document it names (wrong type).", "{0} ne peut pas répondre au document qu'il désigne (mauvais type)."),
        new(CaseParentInvalidated, "{0} replies to a document that was invalidated.", "{0} répond à un document qui a été invalidé."),
        new(CaseClosed, "The case is closed; {0} is not accepted.", "Le dossier est clos ; {0} n'est pas accepté."),
        new(CaseNotClosed, "{0} applies only to a closed case.", "{0} ne s'applique qu'à un dossier clos."),
        new(CaseNotParticipant, "{0} is not a participant of the case.", "{0} n'est pas participant du dossier."),
    }.ToFrozenDictionary(d => d.Code, StringComparer.Ordinal);

    /// <summary>Builds an error finding.</summary>
    public static Abstractions.Finding Error(string code, string location, string subject)
    {
        var definition = All[code];
        return new Abstractions.Finding(code, "error", location,
            string.Format(System.Globalization.CultureInfo.InvariantCulture, definition.English, subject),
            string.Format(System.Globalization.CultureInfo.InvariantCulture, definition.French, subject));
    }
}
