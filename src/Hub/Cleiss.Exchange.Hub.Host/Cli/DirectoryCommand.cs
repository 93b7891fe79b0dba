using System.CommandLine;
using Cleiss.Exchange.Hub.Stages.Routing;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary><c>cleiss directory import-nav FILE --output FILE</c>: NAV's institution list → the hub's directory format.</summary>
internal static class DirectoryCommand
{
    public static Command Build()
    {
        var file = new Argument<FileInfo>("file") { Description = "NAV's institution list (e.g. deltakere_p_buc_01_all.json)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The directory file to write (hub format).", Required = true };
        var version = new Option<string>("--version") { Description = "Version recorded in routing decisions.", DefaultValueFactory = _ => "nav-import" };
        var import = new Command("import-nav", "Import NAV's view of the EESSI institution repository.") { file, output, version };
        import.SetAction(async (result, cancellationToken) =>
        {
            DirectoryFile content;
            try
            {
                content = NavDirectoryImporter.Import(result.GetValue(file)!.FullName, result.GetValue(version)!);
                await using var stream = File.Create(result.GetValue(output)!.FullName);
                InstitutionDirectory.Write(content, stream);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"cleiss directory import-nav: {ex.Message}");
                return 2;
            }
            Console.WriteLine($"{content.Institutions.Count} institutions, {content.AccessPoints.Count} access points (one per country, no endpoint), {content.Institutions.Sum(i => i.Competences.Count)} competences");
            return 0;
        });
        return new Command("directory", "Directory (institution repository) tools.") { import };
    }
}
