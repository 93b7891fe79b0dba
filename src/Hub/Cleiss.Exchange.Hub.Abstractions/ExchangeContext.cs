using System.Xml;

namespace Cleiss.Exchange.Hub.Abstractions;

/// <summary>
/// Everything the stages know about one document on its way through the hub (one per message).
/// Stages fill it in; the runner records <see cref="Facts"/> in the audit event of each transition.
/// </summary>
public sealed class ExchangeContext
{
    private readonly Dictionary<string, string> _facts = new(StringComparer.Ordinal);
    private readonly List<PendingAuditEvent> _extraEvents = [];

    /// <summary>Creates the context for a document.</summary>
    public ExchangeContext(Guid documentId, Direction direction, ReadOnlyMemory<byte> payload)
    {
        DocumentId = documentId;
        Direction = direction;
        Payload = payload;
    }

    /// <summary>The hub's id of the document.</summary>
    public Guid DocumentId { get; }

    /// <summary>Outbound (France to abroad) or inbound.</summary>
    public Direction Direction { get; }

    /// <summary>The bytes as received, never changed.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The parsed document (after the ingest stage).</summary>
    public XmlDocument? Document { get; set; }

    /// <summary>
    /// For a document converted from JSON: the JSON Pointer of each element, keyed by the element's
    /// XPath, so findings point into what the sender wrote. Null for XML input.
    /// </summary>
    public IReadOnlyDictionary<string, string>? SourcePointers { get; set; }

    /// <summary>The SBDH routing facts (after the ingest stage).</summary>
    public SbdhHeader? Header { get; set; }

    /// <summary>
    /// Set when the document was schema-validated while it was parsed and had no schema error: the
    /// label of the pack used. The validate stage then skips a second schema pass.
    /// </summary>
    public string? SchemaValidatedWith { get; set; }

    /// <summary>The validation pack used (after validation).</summary>
    public string? PackId { get; set; }

    /// <summary>The senders the adapter authenticated the caller for; null when the channel has no caller identity.</summary>
    public IReadOnlySet<string>? AuthorizedSenders { get; set; }

    /// <summary>What accepting this document does to its case (after validation).</summary>
    public CaseTransition? CaseTransition { get; set; }

    /// <summary>The route (after routing).</summary>
    public RouteDecision? Route { get; set; }

    /// <summary>The signed document bytes (after signing, or as received inbound).</summary>
    public ReadOnlyMemory<byte>? SignedPayload { get; set; }

    /// <summary>The partner's receipt id (after delivery).</summary>
    public string? ReceiptId { get; set; }

    /// <summary>Which attempt of the current stage this is (1 for the first).</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>Facts for the audit event of the current stage's transition.</summary>
    public IReadOnlyDictionary<string, string> Facts => _facts;

    /// <summary>Events recorded by the current stage before its completion event.</summary>
    public IReadOnlyList<PendingAuditEvent> ExtraEvents => _extraEvents;

    /// <summary>Adds a fact to the current stage's audit event.</summary>
    public void AddFact(string key, string value) => _facts[key] = value;

    /// <summary>Records an extra audit event (written before the stage's own event).</summary>
    public void AddEvent(string name, IReadOnlyDictionary<string, string> facts) => _extraEvents.Add(new PendingAuditEvent(name, facts));

    /// <summary>Called by the runner between stages.</summary>
    public void ResetStageFacts()
    {
        _facts.Clear();
        _extraEvents.Clear();
    }
}
