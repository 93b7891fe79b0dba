using System.Text;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;

namespace Cleiss.Exchange.Hub.Samples;

/// <summary>One document of a scenario, in exchange order.</summary>
/// <param name="Name">File name, e.g. <c>02-A011-inbound.xml</c>.</param>
/// <param name="Direction">Outbound (a French institution sends) or inbound (a partner sends).</param>
/// <param name="Bytes">The SBDH + SED XML.</param>
public sealed record ScenarioDocument(string Name, Direction Direction, byte[] Bytes)
{
    /// <summary>The SED type, from the file name.</summary>
    public string SedType => Name.Split('-')[1];
}

/// <summary>
/// A shipped case scenario (<c>schemas/samples/cases/&lt;name&gt;/NN-&lt;SED&gt;-&lt;direction&gt;.xml</c>, see its
/// README): an ordered flow of one case, replayed by the demo, the end-to-end and case-flow tests.
/// </summary>
public sealed record SampleScenario(string Name, IReadOnlyList<ScenarioDocument> Documents)
{
    /// <summary>Every scenario under a <c>cases</c> folder, by name.</summary>
    public static IReadOnlyList<SampleScenario> LoadAll(string casesFolder) =>
        Directory.EnumerateDirectories(casesFolder).Order(StringComparer.Ordinal).Select(Load).ToList();

    /// <summary>One scenario folder.</summary>
    public static SampleScenario Load(string folder)
    {
        var documents = Directory.EnumerateFiles(folder, "*.xml").Order(StringComparer.Ordinal).Select(file =>
        {
            var name = Path.GetFileName(file);
            var direction = name.EndsWith("-inbound.xml", StringComparison.Ordinal) ? Direction.Inbound : Direction.Outbound;
            return new ScenarioDocument(name, direction, File.ReadAllBytes(file));
        }).ToList();
        return new SampleScenario(Path.GetFileName(folder), documents);
    }

    /// <summary>
    /// The same flow with new InstanceIdentifiers (parent references follow) and a new case id, so it
    /// can be replayed on a hub that has seen it before.
    /// </summary>
    public SampleScenario Fresh()
    {
        var replacements = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var document in Documents)
        {
            var header = Header(document.Bytes);
            replacements.TryAdd(header.InstanceIdentifier, Guid.NewGuid().ToString());
            replacements.TryAdd(header.CaseId, FreshCaseId(header.CaseId));
        }
        return this with { Documents = Documents.Select(d => d with { Bytes = Replace(d.Bytes, replacements) }).ToList() };
    }

    /// <summary>One document with a new InstanceIdentifier and a new case id (a new case, for a starter).</summary>
    public static byte[] FreshDocument(byte[] document)
    {
        var header = Header(document);
        return Replace(document, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [header.InstanceIdentifier] = Guid.NewGuid().ToString(),
            [header.CaseId] = FreshCaseId(header.CaseId),
        });
    }

    /// <summary>The routing facts of a document.</summary>
    public static SbdhHeader Header(byte[] document)
    {
        var xml = HardenedXml.TryLoad(document, new IntakeOptions(), "samples", out var error) ?? throw new InvalidOperationException(error!.Detail);
        return SbdhReader.TryRead(xml, out _, out var problem) ?? throw new InvalidOperationException(problem);
    }

    private static string FreshCaseId(string caseId)
    {
        var stem = caseId.Length > 48 ? caseId[..48] : caseId;
        return $"{stem}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    private static byte[] Replace(byte[] document, Dictionary<string, string> replacements)
    {
        var text = new StringBuilder(Encoding.UTF8.GetString(document));
        foreach (var (from, to) in replacements)
        {
            text.Replace('>' + from + '<', '>' + to + '<');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
