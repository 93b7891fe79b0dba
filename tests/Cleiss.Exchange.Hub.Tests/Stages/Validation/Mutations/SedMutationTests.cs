using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Stages.Validation;

namespace Cleiss.Exchange.Hub.Tests.Stages.Validation.Mutations;

/// <summary>
/// For each reference-pack SED, generated variants of its valid sample that break one rule each are
/// rejected by ingest + validate with that rule's finding code.
/// </summary>
public sealed class SedMutationTests
{
    public static TheoryData<string, string> Mutants()
    {
        var data = new TheoryData<string, string>();
        foreach (var (file, mutants) in SedMutants.BySample)
        {
            foreach (var mutant in mutants)
            {
                data.Add(file, mutant.Name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Mutants))]
    public async Task A_mutant_that_breaks_one_rule_is_rejected_with_that_rule_code(string file, string mutation)
    {
        var mutant = SedMutants.Get(file, mutation);

        var context = Builders.Ingested(mutant.Bytes);
        var outcome = await Builders.Validator().ExecuteAsync(context, CancellationToken.None);

        Assert.True(outcome.Kind == StageOutcomeKind.Rejected, $"{mutation} at {mutant.Target} was accepted.");
        var findings = outcome.Error!.Findings!;
        var seen = string.Join(", ", findings.Select(f => $"{f.Code} at {f.Location}"));
        Assert.Equal(mutant.Expected.StartsWith("SCHEMA.", StringComparison.Ordinal) ? ExchangeErrors.ValidateSchemaInvalid : ExchangeErrors.ValidateRuleViolation, outcome.Error.Code);
        if (mutant.Consequential.Count == 0)
        {
            Assert.True(findings.Count == 1 && findings[0].Code == mutant.Expected, $"{mutation} at {mutant.Target}: expected only {mutant.Expected}, got {seen}.");
        }
        else
        {
            Assert.All(findings, f => Assert.Contains(f.Code, mutant.Consequential.Append(mutant.Expected)));
        }
        Assert.Contains(findings, f => f.Code == mutant.Expected && f.Location == mutant.Location);
    }

    [Fact]
    public async Task Every_SED_sample_is_valid_and_gets_at_least_three_mutants()
    {
        var samples = SedMutants.Samples().ToList();
        Assert.Equal(Builders.Packs.Packs.Sum(p => p.SedTypes.Count), samples.Count);
        foreach (var file in samples)
        {
            var outcome = await Builders.Validator().ExecuteAsync(Builders.Ingested(Builders.Sample(Path.Combine("valid", file))), CancellationToken.None);
            Assert.True(outcome.Kind == StageOutcomeKind.Continue, $"{file}: {outcome.Error?.Detail}");
            var mutants = SedMutants.BySample[file];
            Assert.True(mutants.Count >= 3, $"{file} has only {mutants.Count} applicable mutations: {string.Join(", ", mutants.Select(m => m.Name))}.");
        }
    }

    [Fact]
    public void Every_mutation_applies_to_at_least_one_SED()
    {
        var applied = SedMutants.BySample.Values.SelectMany(m => m).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        string[] codes = [.. SedMutants.BySample.Values.SelectMany(m => m).Select(m => m.Expected).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

        Assert.Equal(11, applied.Count);
        Assert.Equal(
            [FindingCatalogue.RuleCodeUnknown, FindingCatalogue.RuleDateInFuture, FindingCatalogue.RuleDateOrder,
             FindingCatalogue.SchemaInvalidValue, FindingCatalogue.SchemaMissingElement, FindingCatalogue.SchemaNotInList,
             FindingCatalogue.SchemaPattern, FindingCatalogue.SchemaTooLong, FindingCatalogue.SchemaUnexpectedElement],
            codes);
    }
}
