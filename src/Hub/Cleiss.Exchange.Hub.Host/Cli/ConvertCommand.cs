using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>
/// <c>cleiss convert FILE --to xml|json [--output FILE]</c>: SBDH + SED XML ↔ CDM-native JSON (the intake
/// envelope, or a bare SED), driven by the validation pack's schemas. Exit 0 converted, 1 the document
/// cannot be converted (malformed, no pack, not representable), 2 usage or I/O error.
/// </summary>
internal static class ConvertCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Build()
    {
        var file = new Argument<FileInfo>("file") { Description = "An SBDH+SED XML document, a JSON envelope, or a bare CDM-JSON SED." };
        var to = new Option<string>("--to") { Description = "xml or json.", Required = true };
        to.AcceptOnlyFromAmong("xml", "json");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write here instead of standard output." };
        var command = new Command("convert", "Convert a document between SBDH+SED XML and CDM-native JSON.") { file, to, output };
        command.SetAction(async (result, cancellationToken) =>
        {
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(result.GetValue(file)!.FullName, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"cleiss convert: cannot read the file: {ex.Message}");
                return 2;
            }
            var (converted, problem) = Convert(bytes, result.GetValue(to)!);
            if (converted is null)
            {
                await Console.Error.WriteLineAsync($"cleiss convert: {problem}");
                return problem!.StartsWith("usage:", StringComparison.Ordinal) ? 2 : 1;
            }
            if (result.GetValue(output) is { } target)
            {
                try
                {
                    await File.WriteAllBytesAsync(target.FullName, converted, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"cleiss convert: cannot write the output: {ex.Message}");
                    return 2;
                }
            }
            else
            {
                await using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(converted, cancellationToken);
                await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
            }
            return 0;
        });
        return command;
    }

    internal static (byte[]? Converted, string? Problem) Convert(byte[] bytes, string to)
    {
        var converter = new CdmJsonConverter(new PackRegistry(Options.Create(new HubOptions()), NullLogger<PackRegistry>.Instance));
        var isJson = FirstSignificant(bytes) == '{';
        if (isJson == (to == "json"))
        {
            return (null, $"usage: the input is already {to}.");
        }
        if (isJson)
        {
            var xml = converter.TryToXml(bytes, out var error);
            return xml is null ? (null, $"{error!.Code}: {error.Detail}") : (xml.Bytes, null);
        }
        var document = HardenedXml.TryLoad(bytes, new IntakeOptions(), "convert", out var parseError);
        if (document is null)
        {
            return (null, $"{parseError!.Code}: {parseError.Detail}");
        }
        var json = converter.TryToJson(document, out var problem);
        return json is null ? (null, problem) : (JsonSerializer.SerializeToUtf8Bytes(json, Json), null);
    }

    private static char FirstSignificant(byte[] bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF))
            {
                return (char)b;
            }
        }
        return '\0';
    }
}
