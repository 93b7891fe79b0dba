using Cleiss.Exchange.Hub.Stages.Routing;

namespace Cleiss.Exchange.Hub.Tests.RealData;

/// <summary>
/// The real institution directory snapshot of NAV's test environment (navikt/eessi-pensjon-prefill, MIT):
/// 248 institutions of 29 countries, imported and queried for competences and roles.
/// </summary>
public sealed class NavDirectorySnapshotTests
{
    private const string Snapshot = "sed-samples/eessi-pensjon-prefill/src/test/resources/json/institusjoner/deltakere_p_buc_01_all.json";

    private static readonly Lazy<InstitutionDirectory> Real = new(() =>
        new InstitutionDirectory(NavDirectoryImporter.Import(Corpus.File(Snapshot), "nav-test"), Snapshot));

    private static readonly DateOnly Today = new(2026, 11, 26);

    [CorpusFact]
    public void The_snapshot_imports_248_institutions_of_29_countries()
    {
        var institutions = Real.Value.Institutions.ToList();
        Assert.Equal(248, institutions.Count);
        Assert.Equal(29, institutions.Select(i => i.Country).Distinct().Count());
        Assert.All(institutions, i => Assert.Matches("^[A-Z]{2}:[A-Za-z0-9]{4,10}$", i.Id));
    }

    [CorpusFact]
    public void CLEISS_is_counterparty_for_86_BUCs_and_case_owner_for_H_BUC_01_05_06()
    {
        var cleiss = Real.Value.FindInstitution("FR:CLEISS0002")!;

        var asCounterparty = cleiss.Competences.Where(c => c.Roles.Contains("Counterparty")).Select(c => c.Buc).ToList();
        var asOwner = cleiss.Competences.Where(c => c.Roles.Contains("CaseOwner")).Select(c => c.Buc).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(86, asCounterparty.Count);
        Assert.Equal(["H_BUC_01", "H_BUC_05", "H_BUC_06"], asOwner);
        Assert.NotNull(cleiss.FindCompetence("H_BUC_01", "CaseOwner", Today));
        Assert.Null(cleiss.FindCompetence("P_BUC_01", "CaseOwner", Today));
        Assert.NotNull(cleiss.FindCompetence("P_BUC_01", "Counterparty", Today));
    }

    [CorpusFact]
    public void Competences_are_checked_at_the_document_date()
    {
        var cnav = Real.Value.FindInstitution("FR:CIN0000001")!;
        var p01 = cnav.Competences.Single(c => c.Buc == "P_BUC_01");

        Assert.NotNull(p01.ValidFrom);
        Assert.NotNull(cnav.FindCompetence("P_BUC_01", p01.Roles[0], p01.ValidFrom!.Value));
        Assert.Null(cnav.FindCompetence("P_BUC_01", p01.Roles[0], p01.ValidFrom!.Value.AddDays(-1)));
    }

    [CorpusFact]
    public void Routing_on_the_real_directory_finds_competent_French_institutions_and_refuses_others()
    {
        var real = Real.Value;
        Assert.NotNull(real.FindInstitution("FR:0200000000"));
        Assert.Equal("FR:APIMPORT", real.FindInstitution("FR:CIN0000001")!.AccessPoint);
        Assert.Null(real.FindAccessPoint("FR:APIMPORT")!.Endpoint);
        var noCompetence = real.Institutions.First(i => i.FindCompetence("LA_BUC_01", "Counterparty", Today) is null);
        Assert.Null(noCompetence.FindCompetence("LA_BUC_01", "Counterparty", Today));
        Assert.Contains(real.Institutions, i => i.Country == "NO" && i.FindCompetence("P_BUC_01", "CaseOwner", Today) is not null);
    }
}
