using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Storage;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Pipeline;

/// <summary>Dead letters sharing a cause: error code, partner access point, SED type.</summary>
public sealed record DeadLetterGroup(string Code, string AccessPointId, string SedType, int Count, DateTimeOffset Oldest, IReadOnlyList<Guid> DocumentIds);

/// <summary>
/// What happened to one document an operator asked to replay: <c>replayed</c>, <c>invalid</c> (fails the current
/// pack: not replayed; Code and Detail say why), or <c>not-failed</c>.
/// </summary>
public sealed record ReplayResult(Guid DocumentId, string Outcome, string? Code = null, string? Detail = null);

/// <summary>
/// The operator's dead-letter queue: failed documents listed, grouped by cause, replayed (each re-validated against the
/// current validation pack first; a document that no longer validates stays failed, with a <c>replay-refused</c> audit
/// event) or discarded with a reason. Every action is an audit event naming the operator.
/// </summary>
public sealed class DeadLetterService(IHubStore store, PackRegistry packs, BusinessRules rules, IOptions<IntakeOptions> limits, TimeProvider time)
{
    /// <summary>Longest discard reason kept (operators should not paste documents in it).</summary>
    public const int MaxReasonLength = 200;

    public Task<IReadOnlyList<DeadLetter>> ListAsync(CancellationToken cancellationToken) => store.ListDeadLettersAsync(cancellationToken);

    /// <summary>The dead letters grouped by cause, largest group first.</summary>
    public static IReadOnlyList<DeadLetterGroup> Group(IReadOnlyList<DeadLetter> letters) =>
        letters
            .GroupBy(d => d.Cause)
            .Select(g => new DeadLetterGroup(g.Key.Code, g.Key.AccessPointId, g.Key.SedType, g.Count(), g.Min(d => d.FailedAt), g.Select(d => d.DocumentId).ToList()))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Code, StringComparer.Ordinal)
            .ToList();

    public async Task<ReplayResult> ReplayAsync(Guid documentId, string @operator, CancellationToken cancellationToken)
    {
        var record = await store.GetDocumentAsync(documentId, cancellationToken);
        if (record is null || record.Status != DocumentStatus.Failed)
        {
            return new ReplayResult(documentId, "not-failed");
        }
        var facts = new Dictionary<string, string>(StringComparer.Ordinal) { ["operator"] = @operator };
        if ((await Revalidation.RunAsync(record, packs, rules, limits, cancellationToken)).Error is { } error)
        {
            facts["detail"] = error.Detail;
            await store.RecordProgressAsync(documentId, new DocumentProgress(DocumentStatus.Failed, record.LastStage ?? "validate"),
                [new NewAuditEvent(documentId, time.GetUtcNow(), "operator", "replay-refused", error.Code, facts)], cancellationToken);
            return new ReplayResult(documentId, "invalid", error.Code, error.Detail);
        }
        facts["pack"] = record.PackId;
        return await store.RequeueAsync(documentId, new NewAuditEvent(documentId, time.GetUtcNow(), "operator", "replayed", null, facts), cancellationToken)
            ? new ReplayResult(documentId, "replayed")
            : new ReplayResult(documentId, "not-failed");
    }

    /// <summary>Replays every dead letter of a cause.</summary>
    public async Task<IReadOnlyList<ReplayResult>> ReplayGroupAsync(string code, string accessPointId, string sedType, string @operator, CancellationToken cancellationToken)
    {
        var results = new List<ReplayResult>();
        foreach (var letter in await store.ListDeadLettersAsync(cancellationToken))
        {
            if (letter.Cause == (code, accessPointId, sedType))
            {
                results.Add(await ReplayAsync(letter.DocumentId, @operator, cancellationToken));
            }
        }
        return results;
    }

    public async Task<bool> DiscardAsync(Guid documentId, string reason, string @operator, CancellationToken cancellationToken)
    {
        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["operator"] = @operator,
            ["reason"] = reason.Length <= MaxReasonLength ? reason : reason[..MaxReasonLength],
        };
        return await store.DiscardAsync(documentId, new NewAuditEvent(documentId, time.GetUtcNow(), "operator", "discarded", null, facts), cancellationToken);
    }
}
