namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>
/// The shared corpus of real data nobody here wrote (../shared/data), found through the
/// <c>CLEISS_SHARED_DATA</c> environment variable (default: <c>../shared/data</c> beside the repository).
/// The same rule as the unit tests' RealData/Corpus.cs.
/// </summary>
internal static class Corpus
{
    public const string Variable = "CLEISS_SHARED_DATA";

    public static string Root { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured
        ? configured
        : Path.GetFullPath(Path.Combine(HubRig.RepositoryRoot, "..", "shared", "data"));

    public static bool IsPresent => Directory.Exists(Root);

    public static string File(string relative) => Path.Combine(Root, relative);
}

/// <summary>A fact that needs the real-data corpus; without it, it is reported skipped with the reason.</summary>
internal sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute()
    {
        if (!Corpus.IsPresent)
        {
            Skip = $"The real-data corpus is not at {Corpus.Root}; set {Corpus.Variable} to run this test.";
        }
    }
}
