using System.CommandLine;
using System.Text.Json;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Pipeline;
using Cleiss.Exchange.Hub.Storage;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>
/// <c>cleiss dlq list|show|replay|discard</c>: the operators' dead-letter queue of a running hub, through its API
/// (<c>/api/v1/dead-letters</c>; the hub audits every action with the operator's client name). Exit 0 done, 1 refused
/// (not failed, fails the current pack), 2 usage, connection or authentication error.
/// </summary>
internal static class DeadLetterCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Build()
    {
        var hub = new Option<string>("--hub") { Description = "The hub's base URL.", DefaultValueFactory = _ => "http://127.0.0.1:5180" };
        var keyEnv = new Option<string?>("--api-key-env") { Description = "Environment variable holding an operator's API key (when Hub:Clients is configured)." };

        var list = new Command("list", "Failed documents grouped by cause (error code, partner access point, SED type), then each one.") { hub, keyEnv };
        list.SetAction((result, cancellationToken) => RunAsync(result, hub, keyEnv, async api =>
        {
            var letters = (await api.GetFromJsonAsync<DeadLetterList>("/api/v1/dead-letters", Json, cancellationToken))!;
            Console.WriteLine($"{letters.Items.Count} dead letter(s) in {letters.Groups.Count} group(s)");
            foreach (var group in letters.Groups)
            {
                Console.WriteLine($"  {group.Count,4} × {group.Code,-28} {group.AccessPointId,-11} {group.SedType,-7} oldest {group.Oldest:yyyy-MM-dd HH:mm:ss}Z");
            }
            foreach (var letter in letters.Items)
            {
                Console.WriteLine($"{letter.DocumentId} {letter.Direction,-8} {letter.SedType,-7} {letter.AccessPointId,-11} {letter.Stage,-9} {letter.Code} {letter.FailedAt:yyyy-MM-dd HH:mm:ss}Z");
            }
            return 0;
        }, cancellationToken));

        var id = new Argument<Guid>("id") { Description = "The document id." };
        var show = new Command("show", "One dead letter: its cause and the failure's detail.") { id, hub, keyEnv };
        show.SetAction((result, cancellationToken) => RunAsync(result, hub, keyEnv, async api =>
        {
            using var response = await api.GetAsync($"/api/v1/dead-letters/{result.GetValue(id)}", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await RefusedAsync(response, cancellationToken);
            }
            var letter = (await response.Content.ReadFromJsonAsync<DeadLetter>(Json, cancellationToken))!;
            Console.WriteLine($"document {letter.DocumentId} ({letter.Direction} {letter.SedType}, case {letter.CaseId})");
            Console.WriteLine($"failed at {letter.Stage} on {letter.FailedAt:O}: {letter.Code} for {letter.AccessPointId}");
            Console.WriteLine($"detail: {letter.Detail}");
            Console.WriteLine($"audit trail: GET /api/v1/documents/{letter.DocumentId}");
            return 0;
        }, cancellationToken));

        var one = new Argument<Guid?>("id") { Description = "The document id (or name a cause with --code, --access-point and --sed-type).", Arity = ArgumentArity.ZeroOrOne };
        var code = new Option<string?>("--code");
        var accessPoint = new Option<string?>("--access-point");
        var sedType = new Option<string?>("--sed-type");
        var replay = new Command("replay", "Re-validate against the current pack, then send again: one document, or every one of a cause.") { one, code, accessPoint, sedType, hub, keyEnv };
        replay.SetAction((result, cancellationToken) => RunAsync(result, hub, keyEnv, async api =>
        {
            var path = result.GetValue(one) is { } document
                ? $"/api/v1/dead-letters/{document}/replay"
                : $"/api/v1/dead-letters/replay?code={Uri.EscapeDataString(result.GetValue(code) ?? string.Empty)}&accessPoint={Uri.EscapeDataString(result.GetValue(accessPoint) ?? string.Empty)}&sedType={Uri.EscapeDataString(result.GetValue(sedType) ?? string.Empty)}";
            if (result.GetValue(one) is null && (result.GetValue(code) is null || result.GetValue(accessPoint) is null || result.GetValue(sedType) is null))
            {
                throw new ArgumentException("give a document id, or --code, --access-point and --sed-type");
            }
            using var response = await api.PostAsync(path, null, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await RefusedAsync(response, cancellationToken);
            }
            var results = result.GetValue(one) is null
                ? (await response.Content.ReadFromJsonAsync<List<ReplayResult>>(Json, cancellationToken))!
                : [(await response.Content.ReadFromJsonAsync<ReplayResult>(Json, cancellationToken))!];
            foreach (var replayed in results)
            {
                Console.WriteLine($"{replayed.DocumentId} {replayed.Outcome}{(replayed.Code is null ? string.Empty : $" {replayed.Code}: {replayed.Detail}")}");
            }
            return results.TrueForAll(r => r.Outcome == "replayed") ? 0 : 1;
        }, cancellationToken));

        var reason = new Option<string>("--reason") { Description = "Why (audited; no personal data).", Required = true };
        var discard = new Command("discard", "Discard a failed document with a reason: kept and audited, never sent.") { id, reason, hub, keyEnv };
        discard.SetAction((result, cancellationToken) => RunAsync(result, hub, keyEnv, async api =>
        {
            using var response = await api.PostAsJsonAsync($"/api/v1/dead-letters/{result.GetValue(id)}/discard", new DiscardRequest(result.GetValue(reason)), Json, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await RefusedAsync(response, cancellationToken);
            }
            Console.WriteLine($"{result.GetValue(id)} discarded");
            return 0;
        }, cancellationToken));

        return new Command("dlq", "Dead letters of a running hub: list by cause, show, replay, discard (operators).") { list, show, replay, discard };
    }

    /// <summary>Prints the hub's problem; 1 for a refusal about the document, 2 for access or usage problems.</summary>
    private static async Task<int> RefusedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
        var code = problem.TryGetProperty("code", out var c) ? c.GetString() : null;
        var detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
        Console.Error.WriteLine($"cleiss dlq: {(int)response.StatusCode} {code}: {detail}");
        return (int)response.StatusCode is 401 or 403 or 400 ? 2 : 1;
    }

    private static async Task<int> RunAsync(ParseResult result, Option<string> hub, Option<string?> keyEnv, Func<HttpClient, Task<int>> action, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(result.GetValue(hub), UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            Console.Error.WriteLine($"cleiss dlq: --hub must be an http(s) URL, not '{result.GetValue(hub)}'");
            return 2;
        }
        using var api = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (result.GetValue(keyEnv) is { } variable)
        {
            var key = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(key))
            {
                Console.Error.WriteLine($"cleiss dlq: the environment variable {variable} is empty");
                return 2;
            }
            api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("ApiKey", key);
        }
        try
        {
            return await action(api);
        }
        catch (Exception ex) when (ex is HttpRequestException or ArgumentException or JsonException or NotSupportedException
            || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Console.Error.WriteLine($"cleiss dlq: {ex.Message}");
            return 2;
        }
    }
}
