using System.Security.Cryptography;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Pipeline;

/// <summary>How an intake ended.</summary>
public enum IntakeOutcome
{
    /// <summary>Stored durably for the first time.</summary>
    Accepted,
    /// <summary>The same document was already accepted; nothing new was stored.</summary>
    Duplicate,
    /// <summary>Refused; only an audit entry was stored.</summary>
    Rejected,
}

/// <summary>The answer to a sender.</summary>
public sealed record IntakeResult(IntakeOutcome Outcome, Guid DocumentId, string Status, ExchangeError? Error, string? InstanceIdentifier = null);

/// <summary>
/// Runs a direction's intake segment while the sender waits, then commits the document, its audit
/// trail and its stage-log record in one durable transaction. Only then is the document accepted.
/// A rejected document leaves exactly one audit event and nothing else. Re-sending the same SBDH
/// InstanceIdentifier returns the first id; the same id with other bytes is a conflict.
/// </summary>
public sealed class IntakeService(
    HubPipeline pipeline,
    StageRunner runner,
    IHubStore store,
    HubMetrics metrics,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<IntakeService> logger)
{
    private readonly int _partitions = options.Value.Partitions;

    private const int CaseConflictRetries = 5;

    /// <summary>Takes a document in. Throws <see cref="HubStorageException"/> when it cannot be stored durably.</summary>
    /// <param name="direction">Outbound (from a French institution) or inbound (from a partner access point).</param>
    /// <param name="payload">The SBDH + SED XML.</param>
    /// <param name="cancellationToken">Cancels the intake.</param>
    /// <param name="authorizedSenders">The institutions the caller is authenticated for, or null when the channel has no caller identity.</param>
    /// <param name="sourcePointers">For JSON input: XPath → JSON Pointer, so findings point into what the sender wrote.</param>
    public async Task<IntakeResult> SubmitAsync(Direction direction, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken,
        IReadOnlySet<string>? authorizedSenders = null, IReadOnlyDictionary<string, string>? sourcePointers = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await SubmitOnceAsync(direction, payload, authorizedSenders, sourcePointers, cancellationToken);
            if (result is not null || attempt > CaseConflictRetries)
            {
                // Contention on one case that does not settle: nothing was stored; the sender may retry (503).
                return result ?? throw new HubStorageException("The case kept changing during the intake.", new TimeoutException());
            }
        }
    }

    /// <summary>One try; null when the case changed under the decision (then decide again).</summary>
    private async Task<IntakeResult?> SubmitOnceAsync(Direction direction, ReadOnlyMemory<byte> payload,
        IReadOnlySet<string>? authorizedSenders, IReadOnlyDictionary<string, string>? sourcePointers, CancellationToken cancellationToken)
    {
        var context = new ExchangeContext(Guid.CreateVersion7(time.GetUtcNow()), direction, payload)
        {
            AuthorizedSenders = authorizedSenders,
            SourcePointers = sourcePointers,
        };
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload.Span));
        var sink = new BufferingSink();
        var stages = pipeline.Intake(direction);
        var directionName = direction.ToWireName();

        // The first stages read the header (and inbound, authenticate it); a re-send is answered before any further work.
        var dedupPoint = HubPipeline.StagesBeforeDedup(direction);
        var first = await runner.RunAsync(stages, 0, context, sink, cancellationToken, endIndex: dedupPoint);
        if (first.Kind == StageOutcomeKind.Rejected || first.Kind == StageOutcomeKind.DeadLetter)
        {
            return await RejectAsync(context, sink, first.Error!, directionName, cancellationToken);
        }
        if (authorizedSenders is not null && !authorizedSenders.Contains(context.Header!.Sender.InstitutionId))
        {
            // Before the dedup lookup: a caller learns nothing about another institution's documents.
            var finding = FindingCatalogue.Error(FindingCatalogue.RuleSenderNotAuthenticated, NodePath.SbdhSender, context.Header.Sender.InstitutionId);
            var refusal = new ExchangeError(ExchangeErrors.ValidateSenderNotAuthenticated, stages[0].Name, false,
                $"1 business rule finding(s); first {finding.Code} at {finding.Location}.", [finding]);
            return await RejectAsync(context, sink, refusal, directionName, cancellationToken);
        }
        var known = await store.FindByInstanceAsync(direction, context.Header!.InstanceIdentifier, sha, cancellationToken);
        if (known is not null)
        {
            return await DuplicateAsync(context, sink, known, directionName, cancellationToken);
        }

        var rest = await runner.RunAsync(stages, dedupPoint, context, sink, cancellationToken);
        if (rest.Kind is StageOutcomeKind.Rejected or StageOutcomeKind.DeadLetter)
        {
            return await RejectAsync(context, sink, rest.Error!, directionName, cancellationToken);
        }

        var header = context.Header;
        var route = context.Route!;
        var now = time.GetUtcNow();
        var record = new DocumentRecord
        {
            Id = context.DocumentId,
            InstanceIdentifier = header.InstanceIdentifier,
            Direction = direction,
            SedType = header.SedType,
            CaseId = header.CaseId,
            BusinessService = header.BusinessService,
            SenderId = header.Sender.InstitutionId,
            ReceiverId = route.ReceiverId,
            AccessPointId = route.AccessPointId,
            Endpoint = route.Endpoint?.ToString(),
            PackId = context.PackId!,
            ContentSha256 = sha,
            Payload = payload.ToArray(),
            SignedPayload = direction == Direction.Inbound ? payload.ToArray() : null,
            Status = DocumentStatus.Accepted,
            LastStage = stages[^1].Name,
            Partition = PartitionOf(header.CaseId, _partitions),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var committed = await store.CommitIntakeAsync(record, sink.Events, HubPipeline.Topic(direction), cancellationToken, context.CaseTransition);
        if (committed.CaseConflict)
        {
            return null;
        }
        if (!committed.Created)
        {
            // Lost a race with a concurrent re-send of the same document: answer as a re-send.
            return await DuplicateAsync(context, sink, committed, directionName, cancellationToken);
        }
        metrics.IntakeResult(directionName, "accepted");
        Log.DocumentAccepted(logger, directionName, context.DocumentId, header.SedType);
        return new IntakeResult(IntakeOutcome.Accepted, context.DocumentId, DocumentStatus.Accepted, null, header.InstanceIdentifier);
    }

    /// <summary>Audits a document refused before it could be parsed (size, media type, JSON envelope).</summary>
    public async Task<IntakeResult> RefuseAsync(Direction direction, ExchangeError error, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(time.GetUtcNow());
        var directionName = direction.ToWireName();
        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["direction"] = directionName,
            ["stage"] = error.Stage,
            ["detail"] = error.Detail,
        };
        await store.AppendAuditAsync([new NewAuditEvent(id, time.GetUtcNow(), error.Stage, "rejected", error.Code, facts)], cancellationToken);
        metrics.IntakeResult(directionName, "rejected");
        return new IntakeResult(IntakeOutcome.Rejected, id, DocumentStatus.Rejected, error);
    }

    /// <summary>Stable partition of a case: FNV-1a of its id, so a case keeps its order.</summary>
    public static int PartitionOf(string caseId, int partitions)
    {
        var hash = 2166136261u;
        foreach (var c in caseId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % (uint)partitions);
    }

    private async Task<IntakeResult> DuplicateAsync(ExchangeContext context, BufferingSink sink, IntakeCommitResult known, string directionName, CancellationToken cancellationToken)
    {
        if (known.SameContent)
        {
            metrics.IntakeResult(directionName, "duplicate");
            Log.DuplicateAccepted(logger, known.DocumentId);
            return new IntakeResult(IntakeOutcome.Duplicate, known.DocumentId, known.Status, null, context.Header!.InstanceIdentifier);
        }
        var error = ExchangeErrors.Permanent(ExchangeErrors.IngestDuplicateConflict, "accept",
            $"InstanceIdentifier {context.Header!.InstanceIdentifier} was accepted before as document {known.DocumentId} with different content.");
        return await RejectAsync(context, sink, error, directionName, cancellationToken);
    }

    private async Task<IntakeResult> RejectAsync(ExchangeContext context, BufferingSink sink, ExchangeError error, string directionName, CancellationToken cancellationToken)
    {
        // One event tells the whole story: what was known about the document, where and why it stopped.
        var facts = new Dictionary<string, string>(StringComparer.Ordinal) { ["direction"] = directionName };
        foreach (var e in sink.Events)
        {
            foreach (var (key, value) in e.Facts)
            {
                facts[key] = value;
            }
        }
        facts["stage"] = error.Stage;
        facts["detail"] = error.Detail;
        await store.AppendAuditAsync([new NewAuditEvent(context.DocumentId, time.GetUtcNow(), error.Stage, "rejected", error.Code, facts)], cancellationToken);
        metrics.IntakeResult(directionName, "rejected");
        return new IntakeResult(IntakeOutcome.Rejected, context.DocumentId, DocumentStatus.Rejected, error, context.Header?.InstanceIdentifier);
    }

    /// <summary>Keeps the intake's audit events until the commit.</summary>
    private sealed class BufferingSink : ITransitionSink
    {
        public List<NewAuditEvent> Events { get; } = [];

        public ValueTask OnTransitionAsync(IStage stage, ExchangeContext context, StageOutcome outcome, IReadOnlyList<NewAuditEvent> events, CancellationToken cancellationToken)
        {
            if (outcome.Kind is StageOutcomeKind.Continue or StageOutcomeKind.Completed)
            {
                Events.AddRange(events);
            }
            return ValueTask.CompletedTask;
        }
    }
}
