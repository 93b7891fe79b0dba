namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>A case (BUC instance) as the hub tracks it.</summary>
/// <param name="CaseId">The case id from the SBDH business scope.</param>
/// <param name="Buc">BUC type, e.g. <c>LA_BUC_01</c>.</param>
/// <param name="Version">The version pinned for the case's life (<c>sedGVer.sedVer</c>, e.g. <c>4.4</c>).</param>
/// <param name="Status"><c>open</c> or <c>closed</c>.</param>
/// <param name="Participants">Institution ids taking part.</param>
/// <param name="Documents">Documents of the case by SBDH InstanceIdentifier.</param>
/// <param name="Revision">Incremented on every change; used for optimistic concurrency.</param>
public sealed record CaseState(
    string CaseId,
    string Buc,
    string Version,
    string Status,
    IReadOnlyList<string> Participants,
    IReadOnlyDictionary<string, CaseDocument> Documents,
    long Revision)
{
    /// <summary>When a BUC timer closes the case, if one runs (e.g. 60 days after an A011).</summary>
    public DateTimeOffset? CloseAt { get; init; }

    /// <summary>The rule that set <see cref="CloseAt"/>, e.g. <c>closed 60 days after A011</c>.</summary>
    public string? TimerRule { get; init; }

    /// <summary>The hub document whose arrival started the timer; the closing is audited on it.</summary>
    public Guid? TimerDocumentId { get; init; }
}

/// <summary>A document of a case.</summary>
/// <param name="SedType">Its SED type.</param>
/// <param name="Invalidated">True once an X008 invalidated it.</param>
public sealed record CaseDocument(string SedType, bool Invalidated);

/// <summary>
/// What accepting a document does to its case: the new state, stored in the same transaction as the
/// document, on the condition that the case still has <see cref="ExpectedRevision"/> (0 = new case).
/// </summary>
/// <param name="NewState">The case after the document.</param>
/// <param name="ExpectedRevision">The revision the decision was taken on.</param>
/// <param name="Summary">A short account for the audit trail, e.g. <c>LA_BUC_01 opened by A001</c>.</param>
public sealed record CaseTransition(CaseState NewState, long ExpectedRevision, string Summary);
