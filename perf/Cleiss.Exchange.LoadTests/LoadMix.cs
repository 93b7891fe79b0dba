namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// The document mix of the <c>load</c> mode: starters of six BUCs of four families (LA, H, FB, P) (each copy opens its own case), 5–50 KB,
/// taken round-robin so every size arrives at the same rate: shipped samples unchanged, the 20 KB P2100 of the AS4 runs,
/// and a P5000 whose insurance periods are repeated to ~50 KB (as the benchmarks grow U002, which opens no case).
/// </summary>
internal static class LoadMix
{
    public static IReadOnlyList<SedTemplate> Create() =>
    [
        SedTemplate.Unchanged("A001-outbound-1.xml"),   // LA_BUC_01, applicable legislation
        SedTemplate.Grown("H020-outbound-1.xml", "CostItem", 10 * 1024, 50), // H_BUC_04, health, ~10 KB
        SedTemplate.Unchanged("F001-outbound-1.xml"),   // FB_BUC_01, family benefits
        SedTemplate.Unchanged("P10000-outbound-1.xml"), // P_BUC_06, pensions
        new SedTemplate(),                              // P2100 grown to 20 KB, P_BUC_02
        SedTemplate.Grown("P5000-outbound-1.xml", "InsurancePeriod", 50 * 1024, 100), // P_BUC_06, ~50 KB
    ];

    public static string Describe(IReadOnlyList<SedTemplate> mix) =>
        string.Join(", ", mix.Select(t => $"{t.Name.Replace("-outbound-1.xml", "", StringComparison.Ordinal)} {t.Bytes:N0} B")) +
        $" (round-robin, mean {mix.Average(t => t.Bytes) / 1024:0.0} KB)";
}
