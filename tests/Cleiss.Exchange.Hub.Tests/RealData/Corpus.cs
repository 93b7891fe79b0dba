namespace Cleiss.Exchange.Hub.Tests.RealData;

/// <summary>
/// The shared corpus of real data nobody here wrote (../shared/data), found through the
/// <c>CLEISS_SHARED_DATA</c> environment variable (default: <c>../shared/data</c> beside the repository).
/// Shared by both test projects (the integration tests compile this file too).
/// </summary>
internal static class Corpus
{
    public const string Variable = "CLEISS_SHARED_DATA";

    public static string Root { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured
        ? configured
        : Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "data"));

    public static bool IsPresent => Directory.Exists(Root);

    public static string File(string relative) => Path.Combine(Root, relative);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Cleiss.Exchange.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cleiss.Exchange.sln not found above the test binaries.");
    }
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

/// <summary>A theory that needs the real-data corpus; without it, it is reported skipped with the reason.</summary>
internal sealed class CorpusTheoryAttribute : TheoryAttribute
{
    public CorpusTheoryAttribute()
    {
        if (!Corpus.IsPresent)
        {
            Skip = $"The real-data corpus is not at {Corpus.Root}; set {Corpus.Variable} to run this test.";
        }
    }
}
