using System.Xml;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Storage;
using static Cleiss.Exchange.Hub.Internal.XmlWalk;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>The case rules' verdict: a finding, or the transition to apply when the document is accepted.</summary>
public readonly record struct CaseDecision(Finding? Finding, CaseTransition? Transition);

/// <summary>
/// Case (BUC) rules (runs per message): a case starts with a starter SED; a SED must belong to the
/// case's BUC or be administrative; a reply needs its parent in the case, of an allowed type and not
/// invalidated; administrative SEDs have their effect (close, reopen, participants, forward,
/// invalidate); the case's version is pinned for its life; closed cases accept only what the rules
/// allow. The decision is taken on a revision of the case and stored with the document only if the
/// case has not changed meanwhile (optimistic concurrency; the intake retries on a conflict).
/// </summary>
public sealed class CaseRules(BucRules defaultBucs, ICaseStore store)
{
    private const string HeaderPath = "/sbdh:StandardBusinessDocument/sbdh:StandardBusinessDocumentHeader";

    /// <param name="context">The document.</param>
    /// <param name="sed">Its SED element.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <param name="packBucs">The BUC rules of the document's pack; the default rules when null.</param>
    public async ValueTask<CaseDecision> EvaluateAsync(ExchangeContext context, XmlElement sed, CancellationToken cancellationToken, BucRules? packBucs = null)
    {
        var bucs = packBucs ?? defaultBucs;
        var header = context.Header!;
        var type = header.SedType;
        var buc = bucs.Find(header.BucType);
        if (buc is null)
        {
            return Refuse(FindingCatalogue.CaseUnknownBuc, HeaderPath + "/sbdh:BusinessScope", header.BucType);
        }
        var admin = buc.Administrative.Contains(type) ? bucs.Administrative(type) : null;
        if (admin is null && !buc.Seds.ContainsKey(type) && !buc.Starters.Contains(type))
        {
            return Refuse(FindingCatalogue.CaseSedNotInBuc, HeaderPath + "/sbdh:DocumentIdentification/sbdh:Type", type);
        }
        var version = $"{sed.GetAttribute("sedGVer")}.{sed.GetAttribute("sedVer")}";
        var state = await store.GetCaseAsync(header.CaseId, cancellationToken);

        if (state is null)
        {
            if (!buc.Starters.Contains(type))
            {
                return Refuse(FindingCatalogue.CaseUnknownCase, HeaderPath + "/sbdh:BusinessScope", type);
            }
            var participants = new List<string> { header.Sender.InstitutionId };
            foreach (var receiver in header.Receivers)
            {
                AddOnce(participants, receiver.InstitutionId);
            }
            var opened = WithTimer(new CaseState(header.CaseId, buc.Id, version, "open", participants,
                new Dictionary<string, CaseDocument> { [header.InstanceIdentifier] = new(type, false) }, 1), buc, type, context);
            return Accept(opened, 0, $"{buc.Id} {version} opened by {type}");
        }

        if (state.Buc != buc.Id)
        {
            return Refuse(FindingCatalogue.CaseBucMismatch, HeaderPath + "/sbdh:BusinessScope", state.Buc);
        }
        if (state.Version != version)
        {
            return Refuse(FindingCatalogue.CaseVersionMismatch, NodePath.Of(sed), state.Version);
        }
        if (admin is null && buc.Starters.Count == 1 && buc.Starters[0] == type)
        {
            return Refuse(FindingCatalogue.CaseAlreadyStarted, HeaderPath + "/sbdh:DocumentIdentification/sbdh:Type", type);
        }
        var requires = admin?.Requires ?? "open";
        if (state.Status != requires)
        {
            return Refuse(requires == "open" ? FindingCatalogue.CaseClosed : FindingCatalogue.CaseNotClosed,
                HeaderPath + "/sbdh:DocumentIdentification/sbdh:Type", type);
        }

        var members = new List<string>(state.Participants);
        var documents = new Dictionary<string, CaseDocument>(state.Documents, StringComparer.Ordinal);
        var status = state.Status;
        var effect = admin?.Effect ?? "none";
        var named = admin?.ParticipantPath is { } path ? Text(sed, path) : null;
        if (effect is "add-participant" or "forward" && named is not null)
        {
            AddOnce(members, named);
        }
        if (!members.Contains(header.Sender.InstitutionId))
        {
            return Refuse(FindingCatalogue.CaseNotParticipant, HeaderPath + "/sbdh:Sender", header.Sender.InstitutionId);
        }
        foreach (var receiver in header.Receivers)
        {
            if (!members.Contains(receiver.InstitutionId))
            {
                return Refuse(FindingCatalogue.CaseNotParticipant, HeaderPath + "/sbdh:Receiver", receiver.InstitutionId);
            }
        }

        var replyTo = admin?.ReplyTo ?? (buc.Seds.TryGetValue(type, out var rule) ? rule.ReplyTo : []);
        string? parentId = null;
        if (replyTo.Count > 0)
        {
            var reference = Child(sed, "ReferenceToParentSED");
            parentId = Text(reference, "sedId");
            if (parentId is null || !documents.TryGetValue(parentId, out var parent))
            {
                return Refuse(FindingCatalogue.CaseParentMissing, reference is null ? NodePath.Of(sed) : NodePath.Of(reference), type);
            }
            if (parent.Invalidated)
            {
                return Refuse(FindingCatalogue.CaseParentInvalidated, NodePath.Of(reference!), type);
            }
            // The type the reply names for its parent must be the parent's, and one the rules allow.
            if ((!replyTo.Contains("*") && !replyTo.Contains(parent.SedType)) || (Text(reference, "sedType") is { } parentType && parentType != parent.SedType))
            {
                return Refuse(FindingCatalogue.CaseOutOfOrder, NodePath.Of(reference!), type);
            }
        }

        switch (effect)
        {
            case "close":
                status = "closed";
                break;
            case "reopen":
                status = "open";
                break;
            case "remove-participant" when named is not null:
                members.Remove(named);
                break;
            // X008 withdraws the sender's own SED, X011 refuses a received one: either way, no one replies to it any more.
            case "invalidate" or "reject" when parentId is not null:
                documents[parentId] = documents[parentId] with { Invalidated = true };
                break;
        }
        documents[header.InstanceIdentifier] = new CaseDocument(type, false);
        var next = WithTimer(state with { Status = status, Participants = members, Documents = documents, Revision = state.Revision + 1 }, buc, type, context);
        if (status == "closed" || effect == "reopen")
        {
            // Closed by hand, or reopened: no timer runs until a listed SED arrives again.
            next = next with { CloseAt = null, TimerRule = null, TimerDocumentId = null };
        }
        var summary = effect == "none" ? $"{buc.Id} {type} added" : $"{buc.Id} {type}: {effect}";
        return Accept(next, state.Revision, summary);
    }

    /// <summary>Starts (or restarts) the BUC's closing timer when this SED is one it waits for.</summary>
    private static CaseState WithTimer(CaseState state, BucDefinition buc, string type, ExchangeContext context)
    {
        foreach (var timer in buc.Timers)
        {
            if (timer.After.Contains(type)
                && DateTimeOffset.TryParse(context.Header!.CreationDateAndTime, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var created))
            {
                return state with
                {
                    CloseAt = created.AddDays(timer.CloseAfterDays),
                    TimerRule = $"closed {timer.CloseAfterDays} days after {type}",
                    TimerDocumentId = context.DocumentId,
                };
            }
        }
        return state;
    }

    private static CaseDecision Refuse(string code, string location, string subject) =>
        new(FindingCatalogue.Error(code, location, subject), null);

    private static CaseDecision Accept(CaseState state, long expectedRevision, string summary) =>
        new(null, new CaseTransition(state, expectedRevision, summary));

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }

    /// <summary>The trimmed text at a relative path of local names (<c>A/B/c</c>), or null.</summary>
    private static string? Text(XmlElement? from, string path)
    {
        var current = from;
        foreach (var step in path.Split('/'))
        {
            current = Child(current, step);
        }
        var text = current?.InnerText.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }
}
