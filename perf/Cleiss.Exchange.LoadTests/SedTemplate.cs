using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Cleiss.Exchange.Hub.Samples;

namespace Cleiss.Exchange.LoadTests;

/// <summary>
/// The ~20 KB SED the AS4 runs carry: the shipped P2100 sample (a survivor's pension claim, the starter of P_BUC_02,
/// FR:CIN0000001 → BE:SFP000001) with the claimant's career (EmploymentSelfEmploymentDetails, schema maxOccurs = 20)
/// repeated until the document reaches 20 KB. Each copy gets a fresh InstanceIdentifier and case id, so every message
/// opens its own case and nothing is a re-send.
/// </summary>
internal sealed partial class SedTemplate
{
    public const string Sample = "P2100-outbound-1.xml";
    public const int TargetBytes = 20 * 1024;
    private const int MaxEntries = 20;

    private readonly string _text;
    private readonly string _instanceId;
    private readonly string _caseId;

    public SedTemplate() : this(Sample, Expand(File.ReadAllText(SamplePath(Sample))))
    {
    }

    private SedTemplate(string name, (string Text, int Entries) document)
    {
        Name = name;
        _text = document.Text;
        Entries = document.Entries;
        var header = SampleScenario.Header(Encoding.UTF8.GetBytes(_text));
        _instanceId = header.InstanceIdentifier;
        _caseId = header.CaseId;
        Bytes = Encoding.UTF8.GetByteCount(_text);
    }

    /// <summary>A shipped sample (schemas/samples/valid/<paramref name="sample"/>) as it is, to copy fresh like the 20 KB one.</summary>
    public static SedTemplate Unchanged(string sample) => new(sample, (File.ReadAllText(SamplePath(sample)), 0));

    /// <summary>
    /// A shipped sample with its <paramref name="element"/> entries (at any indentation, one per line block) repeated in order,
    /// cycling, until the document reaches <paramref name="targetBytes"/>; <paramref name="maxEntries"/> is the schema's maxOccurs.
    /// </summary>
    public static SedTemplate Grown(string sample, string element, int targetBytes, int maxEntries)
    {
        var text = File.ReadAllText(SamplePath(sample));
        var entries = Regex.Matches(text, $@"[ ]*<{element}>.*?</{element}>\r?\n", RegexOptions.Singleline).Select(m => m.Value).ToList();
        if (entries.Count == 0)
        {
            throw new InvalidOperationException($"{sample} has no {element} to repeat.");
        }
        var close = text.IndexOf(entries[^1], StringComparison.Ordinal) + entries[^1].Length;
        var extra = new StringBuilder();
        var count = entries.Count;
        var bytes = Encoding.UTF8.GetByteCount(text);
        while (bytes + Encoding.UTF8.GetByteCount(extra.ToString()) < targetBytes)
        {
            if (count == maxEntries)
            {
                throw new InvalidOperationException($"{targetBytes} bytes need more {element} entries than the schema allows ({maxEntries}).");
            }
            extra.Append(entries[count % entries.Count]);
            count++;
        }
        return new SedTemplate(sample, (text.Insert(close, extra.ToString()), count));
    }

    /// <summary>The sample's file name.</summary>
    public string Name { get; }

    /// <summary>Size of the unsigned document.</summary>
    public int Bytes { get; }

    /// <summary>How many career entries the document has (0 for an unchanged sample: not counted).</summary>
    public int Entries { get; }

    /// <summary>A copy with a fresh InstanceIdentifier and case id (string replacement, as SampleScenario.FreshDocument does).</summary>
    public (byte[] Document, string InstanceId) Fresh()
    {
        var instance = Guid.NewGuid().ToString();
        var stem = _caseId.Length > 48 ? _caseId[..48] : _caseId;
        var text = new StringBuilder(_text)
            .Replace('>' + _instanceId + '<', '>' + instance + '<')
            .Replace('>' + _caseId + '<', '>' + $"{stem}-{Guid.NewGuid().ToString("N")[..8]}" + '<');
        return (Encoding.UTF8.GetBytes(text.ToString()), instance);
    }

    public static string RepositoryRoot =>
        Environment.GetEnvironmentVariable("CLEISS_REPO_ROOT") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : typeof(SedTemplate).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepositoryRoot").Value!;

    private static string SamplePath(string sample) => Path.Combine(RepositoryRoot, "schemas", "samples", "valid", sample);

    /// <summary>The P2100 sample with its career entries repeated until it reaches <see cref="TargetBytes"/>.</summary>
    private static (string Text, int Entries) Expand(string text)
    {
        var entries = Career().Matches(text).Select(m => m.Value).ToList();
        var close = text.IndexOf("    </ClaimantEmploymentSelfEmploymentDetails>", StringComparison.Ordinal);
        if (entries.Count == 0 || close < 0)
        {
            throw new InvalidOperationException($"{Sample} has no EmploymentSelfEmploymentDetails to repeat.");
        }
        var extra = new StringBuilder();
        var count = entries.Count;
        while (Encoding.UTF8.GetByteCount(text) + Encoding.UTF8.GetByteCount(extra.ToString()) < TargetBytes)
        {
            if (count == MaxEntries)
            {
                throw new InvalidOperationException("20 KB needs more career entries than the schema allows.");
            }
            extra.Append(entries[count % entries.Count]);
            count++;
        }
        return (text.Insert(close, extra.ToString()), count);
    }

    [GeneratedRegex(@"      <EmploymentSelfEmploymentDetails>.*?</EmploymentSelfEmploymentDetails>\r?\n", RegexOptions.Singleline)]
    private static partial Regex Career();
}
