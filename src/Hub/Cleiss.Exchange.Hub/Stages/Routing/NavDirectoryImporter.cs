using System.Globalization;
using System.Text.Json;

namespace Cleiss.Exchange.Hub.Stages.Routing;

/// <summary>
/// Imports NAV's view of the EESSI institution repository (the eux API's institution list:
/// <c>[{id, navn, akronym, landkode, tilegnetBucs: [{bucType, institusjonsrolle, gyldigStartDato, eessiklar}]}]</c>,
/// as in navikt/eessi-pensjon-prefill's <c>deltakere_p_buc_01_all.json</c>) into the hub's directory format.
/// The snapshot names no access points: every country gets one, <c>CC:APIMPORT</c>, without an endpoint
/// (configure <c>Hub:Routing:EndpointOverrides</c> to send to it). Competences that are not EESSI-ready are
/// left out; roles <c>CounterParty</c> become <c>Counterparty</c>; the validity start is the calendar day
/// the timestamp denotes (NAV writes local midnights in UTC, e.g. 22:00 or 23:00 of the day before).
/// </summary>
public static class NavDirectoryImporter
{
    /// <summary>Reads a NAV snapshot.</summary>
    public static DirectoryFile Import(string path, string version)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 16 });
        var institutions = new List<InstitutionEntry>();
        var countries = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var item in json.RootElement.EnumerateArray())
        {
            var id = item.GetProperty("id").GetString()!;
            if (institutions.Exists(i => i.Id == id))
            {
                throw new InvalidOperationException($"{path}: institution {id} appears twice.");
            }
            var country = item.GetProperty("landkode").GetString()!;
            var name = item.TryGetProperty("navn", out var n) ? n.GetString() ?? id : id;
            var byBuc = new SortedDictionary<string, (SortedSet<string> Roles, DateOnly? From)>(StringComparer.Ordinal);
            if (item.TryGetProperty("tilegnetBucs", out var bucs))
            {
                foreach (var buc in bucs.EnumerateArray())
                {
                    if (buc.TryGetProperty("eessiklar", out var ready) && ready.ValueKind == JsonValueKind.False)
                    {
                        continue;
                    }
                    var type = buc.GetProperty("bucType").GetString()!;
                    var role = buc.GetProperty("institusjonsrolle").GetString() switch
                    {
                        "CounterParty" => "Counterparty",
                        { } other => other,
                        null => "Counterparty",
                    };
                    var from = buc.TryGetProperty("gyldigStartDato", out var start) && start.GetString() is { } text ? Day(text) : null;
                    if (!byBuc.TryGetValue(type, out var entry))
                    {
                        entry = (new SortedSet<string>(StringComparer.Ordinal), from);
                    }
                    entry.Roles.Add(role);
                    byBuc[type] = (entry.Roles, Earliest(entry.From, from));
                }
            }
            countries.Add(country);
            institutions.Add(new InstitutionEntry(id, country, name, AccessPointOf(country),
                byBuc.Select(b => new Competence(b.Key, b.Value.Roles.ToList(), b.Value.From, null)).ToList()));
        }
        var accessPoints = countries.Select(c => new AccessPointEntry(AccessPointOf(c), c, $"{c} access point (imported, no endpoint)", null)).ToList();
        return new DirectoryFile(version, accessPoints, institutions);
    }

    private static string AccessPointOf(string country) => $"{country}:APIMPORT";

    private static DateOnly? Day(string timestamp) =>
        DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? DateOnly.FromDateTime(at.UtcDateTime.AddHours(12)) // nearest calendar day to a local midnight
            : null;

    private static DateOnly? Earliest(DateOnly? a, DateOnly? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
