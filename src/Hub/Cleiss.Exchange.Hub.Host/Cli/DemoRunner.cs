using System.Text;
using System.Text.Json.Nodes;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Samples;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>
/// <c>cleiss demo</c>: the hub and a simulated Belgian access point on loopback, the shipped samples
/// fed both ways (each run with fresh InstanceIdentifiers), every audit event printed as it happens.
/// </summary>
internal sealed class DemoRunner(string hubUrls, string partnerUrls, string dataDirectory, bool exitWhenDone, TextWriter output)
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(90);
    private static readonly string[] TallyOrder = ["accepted", "received", "validated", "routed", "signed", "delivered", "rejected", "failed"];
    private readonly Dictionary<string, int> _tally = new(StringComparer.Ordinal);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var samples = Path.Combine(AppContext.BaseDirectory, "schemas", "samples");
        var hubData = Path.Combine(dataDirectory, "hub");
        output.WriteLine($"Cleiss.Exchange demo: data under {Path.GetFullPath(dataDirectory)}");

        await using var partner = await SimulatedAccessPoint.StartAsync(new SimulatedAccessPointSettings
        {
            Urls = partnerUrls,
            DataDirectory = Path.Combine(dataDirectory, "simulated-be-ap"),
        }, cancellationToken);
        Register(partner.CertificatePath, TrustStore.Folder(hubData), "BE_AP0001.pem");

        await using var hub = HubApp.Build(new HubHostSettings
        {
            Urls = hubUrls,
            DataDirectory = hubData,
            Configuration = new Dictionary<string, string?>
            {
                ["Hub:Routing:EndpointOverrides:0:AccessPointId"] = partner.AccessPointId,
                ["Hub:Routing:EndpointOverrides:0:Url"] = partner.Endpoint.ToString(),
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            },
        });
        await hub.StartAsync(cancellationToken);
        var hubBase = ServerAddress.Of(hub);
        Register(SigningKeyStore.CertificatePath(hubData), partner.TrustFolder, "FR_AP0001.pem");
        partner.HubEndpoint = new Uri(hubBase, "/ap/v1/messages");
        output.WriteLine($"Hub (FR:AP0001) at {hubBase}   simulated Belgian access point (BE:AP0001) at {partner.Endpoint}");
        output.WriteLine();

        using var api = new HttpClient { BaseAddress = hubBase, Timeout = TimeSpan.FromSeconds(30) };
        var tracked = new List<(string Label, Guid Id)>();
        var mismatches = 0;

        var receivers = new SortedSet<string>(StringComparer.Ordinal);
        output.WriteLine("Cases: each shipped scenario replayed in order (outbound through the API, inbound from BE:AP0001)");
        foreach (var scenario in SampleScenario.LoadAll(Path.Combine(samples, "cases")))
        {
            output.WriteLine($"  {scenario.Name}");
            foreach (var document in scenario.Fresh().Documents)
            {
                var label = $"{scenario.Name[..scenario.Name.IndexOf('-', StringComparison.Ordinal)]}/{Path.GetFileNameWithoutExtension(document.Name)}";
                Guid? id;
                string text;
                if (document.Direction == Abstractions.Direction.Outbound)
                {
                    (id, text) = await PostAsync(api, document.Bytes, "application/xml", cancellationToken);
                }
                else
                {
                    var result = await partner.SendAsync(document.Bytes, cancellationToken);
                    receivers.Add(SampleScenario.Header(document.Bytes).Receivers[0].InstitutionId);
                    id = result.ReceiptValid && Guid.TryParse(result.ReceiptId, out var received) ? received : null;
                    text = id is null ? $"refused {result.StatusCode} {result.ProblemCode}" : $"received, hub receipt {result.ReceiptId} verified by BE:AP0001";
                }
                output.WriteLine($"    {document.Name,-26} {text}");
                if (id is { } accepted)
                {
                    tracked.Add((label, accepted));
                }
                else
                {
                    mismatches++;
                }
            }
        }

        output.WriteLine();
        output.WriteLine("JSON envelopes, and a re-send:");
        byte[]? firstSent = null;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(samples, "valid", "json"), "*.json").Order(StringComparer.Ordinal))
        {
            var bytes = FreshJson(await File.ReadAllBytesAsync(file, cancellationToken));
            firstSent ??= bytes;
            var (id, text) = await PostAsync(api, bytes, "application/json", cancellationToken);
            output.WriteLine($"  {Path.GetFileName(file),-34} {text}");
            if (id is { } accepted)
            {
                tracked.Add(("json/" + Path.GetFileNameWithoutExtension(file), accepted));
            }
            else
            {
                mismatches++;
            }
        }
        if (firstSent is not null)
        {
            var (_, again) = await PostAsync(api, firstSent, "application/json", cancellationToken);
            output.WriteLine($"  {"(first envelope sent again)",-34} {again}");
        }

        output.WriteLine();
        output.WriteLine("Refused at the door (shipped invalid samples and their expected codes):");
        foreach (var manifest in Directory.EnumerateFiles(Path.Combine(samples, "invalid"), "expected*.json").Order(StringComparer.Ordinal))
        {
            var expected = JsonNode.Parse(await File.ReadAllTextAsync(manifest, cancellationToken))!.AsObject();
            foreach (var (name, code) in expected.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(samples, "invalid", name), cancellationToken);
                var (_, text) = await PostAsync(api, bytes, "application/xml", cancellationToken);
                var ok = text.Contains(code!.GetValue<string>(), StringComparison.Ordinal);
                mismatches += ok ? 0 : 1;
                Count("rejected");
                output.WriteLine($"  {name,-45} {text}{(ok ? string.Empty : $"   << expected {code}")}");
            }
        }

        output.WriteLine();
        output.WriteLine("Progress (each document's audit trail once it reaches its end state):");
        var unfinished = await FollowAsync(api, tracked, cancellationToken);
        mismatches += unfinished;

        output.WriteLine();
        output.WriteLine("Inboxes:");
        foreach (var institution in receivers)
        {
            var inbox = await api.GetFromJsonAsync<InboxView>($"/api/v1/institutions/{Uri.EscapeDataString(institution)}/inbox", cancellationToken);
            foreach (var item in inbox!.Items)
            {
                using var ack = await api.PostAsync(new Uri(item.Links.Acknowledge, UriKind.Relative), null, cancellationToken);
                output.WriteLine($"  {institution,-14} {item.SedType,-6} from {item.Sender,-12} case {item.CaseId}  acknowledged ({(int)ack.StatusCode})");
            }
        }

        output.WriteLine();
        output.WriteLine("Tally: " + string.Join("  ", TallyOrder.Select(k => $"{k} {_tally.GetValueOrDefault(k)}")));
        output.WriteLine($"BE:AP0001 holds {partner.Received.Count} document(s), each delivered once (re-sends absorbed: {partner.Received.Sum(r => r.Attempts - 1)}).");
        output.WriteLine(mismatches == 0 ? "Every sample ended as expected." : $"{mismatches} sample(s) did not end as expected.");

        if (!exitWhenDone)
        {
            output.WriteLine();
            output.WriteLine($"The hub keeps running at {hubBase} (try GET /api/v1/documents/{{id}}, /metrics, /openapi/v1.json). Ctrl-C stops it.");
            // Ctrl-C reaches the command line's token or the hosts' console lifetime, whichever sees it first.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, hub.Lifetime.ApplicationStopping);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        await hub.StopAsync(CancellationToken.None);
        output.WriteLine("Stopped.");
        return mismatches == 0 ? 0 : 1;
    }

    private async Task<int> FollowAsync(HttpClient api, List<(string Label, Guid Id)> tracked, CancellationToken cancellationToken)
    {
        var pending = new HashSet<Guid>(tracked.Select(t => t.Id));
        var deadline = DateTime.UtcNow + SettleTimeout;
        while (pending.Count > 0 && DateTime.UtcNow < deadline)
        {
            foreach (var (label, id) in tracked)
            {
                if (!pending.Contains(id))
                {
                    continue;
                }
                var view = await api.GetFromJsonAsync<DocumentView>($"/api/v1/documents/{id}", cancellationToken);
                if (view!.Status is DocumentStatus.Delivered or DocumentStatus.Failed or DocumentStatus.Acknowledged)
                {
                    pending.Remove(id);
                    foreach (var e in view.Events)
                    {
                        Count(e.Event);
                    }
                    var validated = view.Events.FirstOrDefault(e => e.Event == "validated");
                    output.WriteLine($"  {label,-30} {string.Join(" → ", view.Events.Select(e => e.Event))}");
                    output.WriteLine($"  {string.Empty,-30}   {Describe(validated ?? view.Events[^1])}; {Describe(view.Events[^1])}");
                }
            }
            if (pending.Count > 0)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
        foreach (var id in pending)
        {
            output.WriteLine($"  {id} did not finish within {SettleTimeout.TotalSeconds} s");
        }
        return pending.Count;
    }

    private static string Describe(AuditEventView e) => e.Event switch
    {
        "accepted" or "received" => $"sender {e.Facts.GetValueOrDefault("sender")}, case {e.Facts.GetValueOrDefault("caseId")}",
        "verified" => $"signature of {e.Facts.GetValueOrDefault("accessPoint")} (key {Short(e.Facts.GetValueOrDefault("keyId"))})",
        "validated" => $"pack {e.Facts.GetValueOrDefault("pack")}, case: {e.Facts.GetValueOrDefault("case")}",
        "routed" => $"→ {e.Facts.GetValueOrDefault("receiver")} via {e.Facts.GetValueOrDefault("accessPoint")}",
        "signed" => $"key {Short(e.Facts.GetValueOrDefault("keyId"))}, digest {Short(e.Facts.GetValueOrDefault("digest"))}",
        "dispatched" => $"to {e.Facts.GetValueOrDefault("endpoint")} (HTTP {e.Facts.GetValueOrDefault("status")})",
        "delivered" => e.Facts.TryGetValue("receiptId", out var receipt) ? $"receipt {receipt} verified" : $"to the inbox of {e.Facts.GetValueOrDefault("institution")}",
        _ => $"{e.Code} {e.Facts.GetValueOrDefault("detail")}",
    };

    private static async Task<(Guid? Id, string Text)> PostAsync(HttpClient api, byte[] body, string mediaType, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        using var response = await api.PostAsync(new Uri("/api/v1/documents", UriKind.Relative), content, cancellationToken);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        if (response.IsSuccessStatusCode)
        {
            var id = Guid.Parse(json["id"]!.GetValue<string>());
            var duplicate = json["duplicate"]!.GetValue<bool>();
            return (duplicate ? null : id, duplicate ? $"{(int)response.StatusCode} same id {id} (duplicate, not sent twice)" : $"{(int)response.StatusCode} accepted as {id}");
        }
        var finding = json["findings"]?.AsArray().FirstOrDefault()?["code"];
        return (null, finding is null ? $"{(int)response.StatusCode} {json["code"]}" : $"{(int)response.StatusCode} {json["code"]} ({finding})");
    }

    private void Count(string name) => _tally[name] = _tally.GetValueOrDefault(name) + 1;

    private static string Short(string? value) => value is null ? string.Empty : value.Length <= 12 ? value : value[..12] + "…";

    private static void Register(string certificate, string trustFolder, string name)
    {
        Directory.CreateDirectory(trustFolder);
        File.Copy(certificate, Path.Combine(trustFolder, name), overwrite: true);
    }

    /// <summary>Gives a sample a new InstanceIdentifier and case id so every demo run sends new documents.</summary>
    internal static byte[] FreshXml(byte[] sample) => SampleScenario.FreshDocument(sample);

    private static byte[] FreshJson(byte[] sample)
    {
        var json = JsonNode.Parse(sample)!;
        json["sbdh"]!["documentIdentification"]!["instanceIdentifier"] = Guid.NewGuid().ToString();
        json["sbdh"]!["businessScope"]!["caseId"] = $"{json["sbdh"]!["businessScope"]!["caseId"]}-{Guid.NewGuid().ToString("N")[..8]}";
        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }
}
