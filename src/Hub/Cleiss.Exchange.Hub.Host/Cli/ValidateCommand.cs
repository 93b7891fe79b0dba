using System.CommandLine;
using System.Text.Json;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Routing;
using Cleiss.Exchange.Hub.Stages.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>The validation report the CLI prints.</summary>
internal sealed record ValidationReport(string File, bool Valid, string? Pack, string? SedType, string? Code, string? Detail, IReadOnlyList<Finding> Findings);

/// <summary><c>cleiss validate FILE [--format json]</c>: exit 0 valid, 1 invalid, 2 usage or I/O error.</summary>
internal static class ValidateCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Build()
    {
        var file = new Argument<FileInfo>("file") { Description = "An SBDH+SED XML document, or a JSON envelope (.json)." };
        var format = new Option<string>("--format") { Description = "text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("validate", "Validate a document against the validation packs and print the report.") { file, format };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(file)!;
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(path.FullName, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"cleiss validate: cannot read {path.FullName}: {ex.Message}");
                return 2;
            }
            var report = await ValidateAsync(path.Name, bytes, cancellationToken);
            if (result.GetValue(format) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(report, Json));
            }
            else
            {
                PrintText(report);
            }
            return report.Valid ? 0 : 1;
        });
        return command;
    }

    internal static async Task<ValidationReport> ValidateAsync(string name, byte[] bytes, CancellationToken cancellationToken)
    {
        var hub = Options.Create(new HubOptions());
        var limits = Options.Create(new IntakeOptions());
        var packs = new PackRegistry(hub, NullLogger<PackRegistry>.Instance);
        IReadOnlyDictionary<string, string>? pointers = null;
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var converted = new CdmJsonConverter(packs).TryToXml(bytes, out var jsonError);
            if (converted is null)
            {
                return new ValidationReport(name, false, null, null, jsonError!.Code, jsonError.Detail,
                    [new Finding(jsonError.Code, "error", "/", jsonError.Detail, ExchangeErrors.All[jsonError.Code].TitleFr)]);
            }
            (bytes, pointers) = (converted.Bytes, converted.Pointers);
        }
        var context = new ExchangeContext(Guid.Empty, Direction.Outbound, bytes) { SourcePointers = pointers };
        var directory = new InstitutionDirectory(Path.Combine(hub.Value.SchemasDirectory, "ir", "directory.json"));
        var rules = new BusinessRules(directory, new CodeLists(hub));
        // Case rules need the hub's case state: `cleiss validate` checks one document on its own.
        foreach (IStage stage in new IStage[] { new IngestStage(Direction.Outbound, limits), new ValidationStage(packs, rules) })
        {
            var outcome = await stage.ExecuteAsync(context, cancellationToken);
            if (outcome.Error is { } error)
            {
                // Errors found before the findings stage (malformed XML, no pack…) still report one finding, in both languages.
                var findings = error.Findings ?? [new Finding(error.Code, "error", "/", error.Detail, ExchangeErrors.All[error.Code].TitleFr)];
                return new ValidationReport(name, false, context.PackId, context.Header?.SedType, error.Code, error.Detail, findings);
            }
        }
        return new ValidationReport(name, true, context.PackId, context.Header?.SedType, null, null, []);
    }

    private static void PrintText(ValidationReport report)
    {
        Console.WriteLine(report.Valid
            ? $"{report.File}: valid {report.SedType} (pack {report.Pack})"
            : $"{report.File}: INVALID {report.Code}: {report.Detail}");
        foreach (var finding in report.Findings)
        {
            Console.WriteLine($"  {finding.Severity} {finding.Code} at {finding.Location}: {finding.Message}");
        }
    }
}
