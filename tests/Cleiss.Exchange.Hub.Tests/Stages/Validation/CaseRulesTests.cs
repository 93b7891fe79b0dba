using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Samples;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Validation;
using Cleiss.Exchange.Hub.Storage;

namespace Cleiss.Exchange.Hub.Tests.Stages.Validation;

/// <summary>
/// Case (BUC) flows for every shipped scenario, i.e. every BUC family (LA, H, FB, UB, S, R, P and the
/// administrative SEDs): valid sequences pass; replies before their parent, replies to unknown or
/// invalidated parents, documents to closed cases, other versions and outsiders are refused.
/// </summary>
public sealed class CaseRulesTests
{
    public static TheoryData<string> Scenarios() =>
        [.. Directory.EnumerateDirectories(Path.Combine(Builders.Samples, "cases")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];

    private static SampleScenario Scenario(string name) => SampleScenario.Load(Path.Combine(Builders.Samples, "cases", name));

    private static async Task<CaseDecision> EvaluateAsync(InMemoryCases cases, ScenarioDocument document)
    {
        var context = Builders.Ingested(document.Bytes, document.Direction);
        return await new CaseRules(Builders.Bucs, cases).EvaluateAsync(context, SbdhReader.SedElement(context.Document!)!, CancellationToken.None);
    }

    /// <summary>Replays documents [0, count) and returns the case store.</summary>
    private static async Task<InMemoryCases> ReplayAsync(SampleScenario scenario, int count)
    {
        var cases = new InMemoryCases();
        foreach (var document in scenario.Documents.Take(count))
        {
            var decision = await EvaluateAsync(cases, document);
            Assert.True(decision.Finding is null, $"{scenario.Name}/{document.Name}: {decision.Finding?.Code} at {decision.Finding?.Location}");
            cases.Apply(decision.Transition!);
        }
        return cases;
    }

    /// <summary>The scenario replayed up to (not including) its first reply, or null when it has none.</summary>
    private static async Task<(SampleScenario Scenario, int Reply, InMemoryCases Cases)?> AtFirstReplyAsync(string name)
    {
        var scenario = Scenario(name);
        var reply = FirstReply(scenario);
        return reply < 0 ? null : (scenario, reply, await ReplayAsync(scenario, reply));
    }

    private static int FirstReply(SampleScenario scenario) =>
        scenario.Documents.ToList().FindIndex(d => Encoding.UTF8.GetString(d.Bytes).Contains("<ReferenceToParentSED>", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task The_scenario_is_a_valid_sequence(string name)
    {
        var scenario = Scenario(name);
        var cases = await ReplayAsync(scenario, scenario.Documents.Count);

        var state = Assert.Single(cases.All);
        Assert.Equal(scenario.Documents.Count, state.Documents.Count);
        Assert.Equal(scenario.Documents.Count, state.Revision);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task A_reply_cannot_open_a_case(string name)
    {
        var scenario = Scenario(name);
        var reply = FirstReply(scenario);
        if (reply < 0)
        {
            return; // a scenario of starters only
        }
        var decision = await EvaluateAsync(new InMemoryCases(), scenario.Documents[reply]);
        Assert.Equal(FindingCatalogue.CaseUnknownCase, decision.Finding?.Code);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task A_reply_to_an_unknown_parent_is_refused(string name)
    {
        if (await AtFirstReplyAsync(name) is not { } at)
        {
            return; // a scenario of starters only
        }
        var (scenario, reply, cases) = at;
        var document = scenario.Documents[reply];
        var text = Encoding.UTF8.GetString(document.Bytes);
        var start = text.IndexOf("<sedId>", StringComparison.Ordinal) + "<sedId>".Length;
        var end = text.IndexOf("</sedId>", start, StringComparison.Ordinal);
        var orphan = document with { Bytes = Encoding.UTF8.GetBytes(text[..start] + Guid.NewGuid() + text[end..]) };

        var decision = await EvaluateAsync(cases, orphan);

        Assert.Equal(FindingCatalogue.CaseParentMissing, decision.Finding?.Code);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task A_reply_to_a_document_of_the_wrong_type_is_refused(string name)
    {
        if (await AtFirstReplyAsync(name) is not { } at)
        {
            return; // a scenario of starters only
        }
        var (scenario, reply, cases) = at;
        var parentId = ParentId(scenario.Documents[reply]);
        var replyType = scenario.Documents[reply].SedType;
        var allowed = Builders.Bucs.Administrative(replyType)?.ReplyTo
            ?? Builders.Bucs.Find(cases.All.Single().Buc)!.Seds[replyType].ReplyTo;
        if (allowed.Contains("*"))
        {
            return; // any parent type is allowed
        }
        cases.Change(s => s with { Documents = new Dictionary<string, CaseDocument>(s.Documents) { [parentId] = new("ZZ999", false) } });

        var decision = await EvaluateAsync(cases, scenario.Documents[reply]);

        Assert.Equal(FindingCatalogue.CaseOutOfOrder, decision.Finding?.Code);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task A_reply_that_misnames_its_parents_type_is_refused(string name)
    {
        if (await AtFirstReplyAsync(name) is not { } at)
        {
            return; // a scenario of starters only
        }
        var (scenario, reply, cases) = at;
        var text = Encoding.UTF8.GetString(scenario.Documents[reply].Bytes);
        var start = text.IndexOf("<sedType>", StringComparison.Ordinal) + "<sedType>".Length;
        var end = text.IndexOf("</sedType>", start, StringComparison.Ordinal);
        var misnamed = scenario.Documents[reply] with { Bytes = Encoding.UTF8.GetBytes(text[..start] + "Z999" + text[end..]) };

        var decision = await EvaluateAsync(cases, misnamed);

        Assert.Equal(FindingCatalogue.CaseOutOfOrder, decision.Finding?.Code);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task A_reply_to_an_invalidated_document_is_refused(string name)
    {
        if (await AtFirstReplyAsync(name) is not { } at)
        {
            return; // a scenario of starters only
        }
        var (scenario, reply, cases) = at;
        var parentId = ParentId(scenario.Documents[reply]);
        cases.Change(s => s with { Documents = new Dictionary<string, CaseDocument>(s.Documents) { [parentId] = s.Documents[parentId] with { Invalidated = true } } });

        var decision = await EvaluateAsync(cases, scenario.Documents[reply]);

        Assert.Equal(FindingCatalogue.CaseParentInvalidated, decision.Finding?.Code);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task A_document_to_a_closed_case_is_refused(string name)
    {
        var scenario = Scenario(name);
        if (scenario.Documents.Count < 2 || Builders.Bucs.Administrative(scenario.Documents[1].SedType) is { Requires: "closed" })
        {
            return;
        }
        var cases = await ReplayAsync(scenario, 1);
        cases.Change(s => s with { Status = "closed" });

        var decision = await EvaluateAsync(cases, scenario.Documents[1]);

        Assert.Equal(FindingCatalogue.CaseClosed, decision.Finding?.Code);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task The_case_version_is_pinned_for_the_life_of_the_case(string name)
    {
        var scenario = Scenario(name);
        if (scenario.Documents.Count < 2)
        {
            return;
        }
        var cases = await ReplayAsync(scenario, 1);
        cases.Change(s => s with { Version = "4.3" });

        var decision = await EvaluateAsync(cases, scenario.Documents[1]);

        Assert.Equal(FindingCatalogue.CaseVersionMismatch, decision.Finding?.Code);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Only_participants_take_part(string name)
    {
        var scenario = Scenario(name);
        if (scenario.Documents.Count < 2 || scenario.Documents[1].SedType is "X005" or "X007")
        {
            return;
        }
        var cases = await ReplayAsync(scenario, 1);
        var sender = SampleScenario.Header(scenario.Documents[1].Bytes).Sender.InstitutionId;
        cases.Change(s => s with { Participants = s.Participants.Where(p => p != sender).ToList() });

        var decision = await EvaluateAsync(cases, scenario.Documents[1]);

        Assert.Equal(FindingCatalogue.CaseNotParticipant, decision.Finding?.Code);
    }

    [Fact]
    public async Task Administrative_documents_have_their_effect()
    {
        var closeAndReopen = Scenario("P_BUC_01-close-and-reopen");
        var cases = new InMemoryCases();
        var statuses = new List<string>();
        foreach (var document in closeAndReopen.Documents)
        {
            var decision = await EvaluateAsync(cases, document);
            Assert.Null(decision.Finding);
            cases.Apply(decision.Transition!);
            statuses.Add($"{document.SedType}:{cases.All.Single().Status}");
        }
        Assert.Equal(["P2000:open", "P5000:open", "X001:closed", "X002:closed", "X003:closed", "X004:open", "P5000:open"], statuses);

        var invalidation = Scenario("P_BUC_01-invalidation");
        var replayed = await ReplayAsync(invalidation, invalidation.Documents.Count);
        Assert.Contains(replayed.All.Single().Documents.Values, d => d.Invalidated);

        var participants = Scenario("P_BUC_01-participant-changes");
        var members = await ReplayAsync(participants, participants.Documents.Count);
        Assert.DoesNotContain("FR:0200000000", members.All.Single().Participants);
    }

    [Fact]
    public async Task A_document_rejected_with_X011_cannot_be_replied_to()
    {
        var scenario = Scenario("LA_BUC_01-exception-accepted");
        var cases = await ReplayAsync(scenario, 1);
        var starter = SampleScenario.Header(scenario.Documents[0].Bytes);
        // The X011 sample, moved into this case: the Belgian counterparty rejects the A001.
        var x011 = Encoding.UTF8.GetString(Builders.Sample("valid/X011-outbound-1.xml"));
        var header = SampleScenario.Header(Encoding.UTF8.GetBytes(x011));
        x011 = x011.Replace(header.BusinessService, starter.BusinessService, StringComparison.Ordinal)
            .Replace(">" + header.CaseId + "<", ">" + starter.CaseId + "<", StringComparison.Ordinal)
            .Replace(">" + header.Sender.InstitutionId + "<", ">" + starter.Receivers[0].InstitutionId + "<", StringComparison.Ordinal)
            .Replace(">" + header.Receivers[0].InstitutionId + "<", ">" + starter.Sender.InstitutionId + "<", StringComparison.Ordinal);
        var reference = x011.IndexOf("<ReferenceToParentSED>", StringComparison.Ordinal);
        var close = x011.IndexOf("</ReferenceToParentSED>", reference, StringComparison.Ordinal);
        x011 = x011[..reference] + $"<ReferenceToParentSED><sedType>A001</sedType><sedId>{starter.InstanceIdentifier}</sedId>" + x011[close..];
        var reject = await EvaluateAsync(cases, new ScenarioDocument("x-X011-inbound.xml", Direction.Inbound, Encoding.UTF8.GetBytes(x011)));
        Assert.True(reject.Finding is null, reject.Finding?.Code);
        cases.Apply(reject.Transition!);

        var reply = await EvaluateAsync(cases, scenario.Documents[1]);

        Assert.Equal(FindingCatalogue.CaseParentInvalidated, reply.Finding?.Code);
    }

    [Fact]
    public async Task A_BUC_timer_starts_when_a_listed_SED_is_accepted_and_stops_when_the_case_is_closed()
    {
        var scenario = Scenario("LA_BUC_01-exception-accepted"); // A001 → A011; LA_BUC_01 closes 60 days after A011
        var afterStarter = await ReplayAsync(scenario, 1);
        Assert.Null(afterStarter.All.Single().CloseAt);

        var cases = await ReplayAsync(scenario, 2);

        var state = cases.All.Single();
        var a011 = DateTimeOffset.Parse(SampleScenario.Header(scenario.Documents[1].Bytes).CreationDateAndTime, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(a011.AddDays(60), state.CloseAt);
        Assert.Equal("closed 60 days after A011", state.TimerRule);
        Assert.NotNull(state.TimerDocumentId);

        var closed = await ReplayAsync(Scenario("P_BUC_01-close-and-reopen"), 3); // X001 closes by hand
        Assert.Null(closed.All.Single().CloseAt);
    }

    [Fact]
    public async Task A_BUC_without_rules_is_refused_fail_closed()
    {
        var document = Scenario("LA_BUC_01-exception-accepted").Documents[0];
        var altered = document with { Bytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(document.Bytes).Replace("LA_BUC_01:4.4", "LA_BUC_99:4.4", StringComparison.Ordinal)) };

        var decision = await EvaluateAsync(new InMemoryCases(), altered);

        Assert.Equal(FindingCatalogue.CaseUnknownBuc, decision.Finding?.Code);
    }

    [Fact]
    public async Task A_SED_outside_the_BUC_is_refused()
    {
        var starter = Scenario("LA_BUC_01-exception-accepted").Documents[0];
        var cases = await ReplayAsync(Scenario("LA_BUC_01-exception-accepted"), 1);
        var caseId = SampleScenario.Header(starter.Bytes).CaseId;
        var h001 = Builders.Sample("valid/H001-outbound-1.xml");
        var header = SampleScenario.Header(h001);
        var foreign = Encoding.UTF8.GetString(h001).Replace(header.BusinessService, "LA_BUC_01:4.4", StringComparison.Ordinal).Replace(">" + header.CaseId + "<", ">" + caseId + "<", StringComparison.Ordinal);

        var decision = await EvaluateAsync(cases, new ScenarioDocument("x-H001-outbound.xml", Direction.Outbound, Encoding.UTF8.GetBytes(foreign)));

        Assert.Equal(FindingCatalogue.CaseSedNotInBuc, decision.Finding?.Code);
    }

    private static string ParentId(ScenarioDocument reply)
    {
        var text = Encoding.UTF8.GetString(reply.Bytes);
        var start = text.IndexOf("<sedId>", StringComparison.Ordinal) + "<sedId>".Length;
        return text[start..text.IndexOf("</sedId>", start, StringComparison.Ordinal)];
    }

    /// <summary>A case store in memory that applies transitions as the SQLite store does (revision checked).</summary>
    private sealed class InMemoryCases : ICaseStore
    {
        private readonly Dictionary<string, CaseState> _cases = new(StringComparer.Ordinal);

        public IEnumerable<CaseState> All => _cases.Values;

        public Task<CaseState?> GetCaseAsync(string caseId, CancellationToken cancellationToken) => Task.FromResult(_cases.GetValueOrDefault(caseId));

        public void Apply(CaseTransition transition)
        {
            var current = _cases.GetValueOrDefault(transition.NewState.CaseId);
            Assert.Equal(transition.ExpectedRevision, current?.Revision ?? 0);
            _cases[transition.NewState.CaseId] = transition.NewState;
        }

        public void Change(Func<CaseState, CaseState> change)
        {
            var single = _cases.Values.Single();
            _cases[single.CaseId] = change(single);
        }
    }
}
