using System.Text;
using System.Text.Json.Nodes;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Samples;
using Cleiss.Exchange.Hub.Storage;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Host.Cli;

/// <summary>
/// <c>cleiss demo</c>: two hubs on loopback exchanging over AS4, the French liaison body's (FR:AP0001) and a second
/// one configured as the Belgian liaison body (BE:AP0001), each trusting the other's certificate; the shipped
/// samples fed both ways (outbound through the French hub's API, inbound through the Belgian hub's API, each run
/// with fresh InstanceIdentifiers), every document followed to its end state with its audit trail.
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
        var belgianData = Path.Combine(dataDirectory, "be-hub");
        output.WriteLine($"Cleiss.Exchange demo: data under {Path.GetFullPath(dataDirectory)}");

        // Each hub's P-Mode names the other's /as4 URL, so both addresses are fixed before either starts.
        var frenchUrl = WithFreePort(hubUrls);
        var belgianUrl = WithFreePort(partnerUrls);
        await using var belgium = HubApp.Build(new HubHostSettings
        {
            Urls = belgianUrl,
            DataDirectory = belgianData,
            Configuration = As4Configuration("BE:AP0001", "fr-hub", "FR:AP0001", frenchUrl),
        });
        await belgium.StartAsync(cancellationToken);
        Register(SigningKeyStore.CertificatePath(belgianData), TrustStore.Folder(hubData), "BE_AP0001.pem");
        await using var hub = HubApp.Build(new HubHostSettings
        {
            Urls = frenchUrl,
            DataDirectory = hubData,
            Configuration = As4Configuration("FR:AP0001", "be-hub", "BE:AP0001", belgianUrl),
        });
        await hub.StartAsync(cancellationToken);
        Register(SigningKeyStore.CertificatePath(hubData), TrustStore.Folder(belgianData), "FR_AP0001.pem");
        var hubBase = ServerAddress.Of(hub);
        output.WriteLine($"French hub (FR:AP0001) at {hubBase}   Belgian hub (BE:AP0001) at {ServerAddress.Of(belgium)}   AS4 both ways");
        output.WriteLine();

        using var api = new HttpClient { BaseAddress = hubBase, Timeout = TimeSpan.FromSeconds(30) };
        using var belgianApi = new HttpClient { BaseAddress = ServerAddress.Of(belgium), Timeout = TimeSpan.FromSeconds(30) };
        var tracked = new List<(string Label, HttpClient Api, Guid Id)>();
        var mismatches = 0;

        var receivers = new SortedSet<string>(StringComparer.Ordinal);
        var abroad = new SortedSet<string>(StringComparer.Ordinal);
        output.WriteLine("Cases: each shipped scenario replayed in order (outbound through the French hub, inbound through the Belgian hub),");
        output.WriteLine("each document followed until its AS4 receipt is verified before the next one of its case is sent");
        foreach (var scenario in SampleScenario.LoadAll(Path.Combine(samples, "cases")))
        {
            output.WriteLine($"  {scenario.Name}");
            foreach (var document in scenario.Fresh().Documents)
            {
                var label = $"{scenario.Name[..scenario.Name.IndexOf('-', StringComparison.Ordinal)]}/{Path.GetFileNameWithoutExtension(document.Name)}";
                var outbound = document.Direction == Abstractions.Direction.Outbound;
                var from = outbound ? api : belgianApi;
                var (id, text) = await PostAsync(from, document.Bytes, "application/xml", cancellationToken);
                (outbound ? abroad : receivers).Add(SampleScenario.Header(document.Bytes).Receivers[0].InstitutionId);
                if (id is { } accepted)
                {
                    var view = await WaitForEndAsync(from, accepted, cancellationToken);
                    mismatches += view?.Status == DocumentStatus.Delivered ? 0 : 1;
                    text = $"{text} by the {(outbound ? "French" : "Belgian")} hub, {Outcome(view)}";
                    tracked.Add((label, from, accepted));
                }
                else
                {
                    mismatches++;
                }
                output.WriteLine($"    {document.Name,-26} {text}");
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
                tracked.Add(("json/" + Path.GetFileNameWithoutExtension(file), api, accepted));
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
        var delivered = 0;
        foreach (var (label, from, id) in tracked)
        {
            var view = await WaitForEndAsync(from, id, cancellationToken);
            if (view is null)
            {
                output.WriteLine($"  {label,-30} did not finish within {SettleTimeout.TotalSeconds} s");
                mismatches++;
                continue;
            }
            delivered += view.Status == DocumentStatus.Delivered ? 1 : 0;
            foreach (var e in view.Events)
            {
                Count(e.Event);
            }
            var validated = view.Events.FirstOrDefault(e => e.Event == "validated");
            output.WriteLine($"  {label,-30} {(from == api ? "FR" : "BE")}: {string.Join(" → ", view.Events.Select(e => e.Event))}");
            output.WriteLine($"  {string.Empty,-30}   {Describe(validated ?? view.Events[^1])}; {Describe(view.Events[^1])}");
        }

        output.WriteLine();
        output.WriteLine("Inboxes of the French institutions (documents received over AS4 from BE:AP0001):");
        await DrainInboxesAsync(api, receivers, cancellationToken);
        output.WriteLine("Inboxes of the Belgian institutions (documents received over AS4 from FR:AP0001):");
        var received = await DrainInboxesAsync(belgianApi, abroad, cancellationToken);

        output.WriteLine();
        output.WriteLine("Tally: " + string.Join("  ", TallyOrder.Select(k => $"{k} {_tally.GetValueOrDefault(k)}")));
        output.WriteLine($"{delivered} document(s) delivered with a verified AS4 receipt; the Belgian inboxes held {received} from the French hub, each once.");
        mismatches += received == tracked.Count(t => t.Api == api) ? 0 : 1;
        output.WriteLine(mismatches == 0 ? "Every sample ended as expected." : $"{mismatches} sample(s) did not end as expected.");

        if (!exitWhenDone)
        {
            output.WriteLine();
            output.WriteLine($"The hubs keep running: French at {hubBase}, Belgian at {belgianApi.BaseAddress} (try GET /api/v1/documents/{{id}}, /metrics, /openapi/v1.json). Ctrl-C stops them.");
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
        await belgium.StopAsync(CancellationToken.None);
        output.WriteLine("Stopped.");
        return mismatches == 0 ? 0 : 1;
    }

    /// <summary>The document once it reached an end state (delivered, failed, acknowledged), or null after the settle timeout.</summary>
    private static async Task<DocumentView?> WaitForEndAsync(HttpClient api, Guid id, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        while (true)
        {
            var view = await api.GetFromJsonAsync<DocumentView>($"/api/v1/documents/{id}", cancellationToken);
            if (view!.Status is DocumentStatus.Delivered or DocumentStatus.Failed or DocumentStatus.Acknowledged)
            {
                return view;
            }
            if (DateTime.UtcNow > deadline)
            {
                return null;
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Lists and acknowledges what the institutions' inboxes hold; returns how many documents.</summary>
    private async Task<int> DrainInboxesAsync(HttpClient api, IEnumerable<string> institutions, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var institution in institutions)
        {
            var inbox = await api.GetFromJsonAsync<InboxView>($"/api/v1/institutions/{Uri.EscapeDataString(institution)}/inbox", cancellationToken);
            foreach (var item in inbox!.Items)
            {
                var view = (await api.GetFromJsonAsync<DocumentView>(item.Links.Document, cancellationToken))!;
                using var ack = await api.PostAsync(new Uri(item.Links.Acknowledge, UriKind.Relative), null, cancellationToken);
                output.WriteLine($"  {institution,-14} {item.SedType,-6} from {item.Sender,-12} case {item.CaseId}  {string.Join(" → ", view.Events.Select(e => e.Event))}, acknowledged ({(int)ack.StatusCode})");
                count++;
            }
        }
        return count;
    }

    private static string Outcome(DocumentView? view) => view switch
    {
        null => $"no end state within {SettleTimeout.TotalSeconds} s",
        { Status: DocumentStatus.Failed } => $"failed: {view.Events[^1].Code} {view.Events[^1].Facts.GetValueOrDefault("detail")}",
        _ => view.Events[^1].Facts.ContainsKey("as4MessageId")
            ? $"delivered over AS4, receipt {Short(view.ReceiptId)} verified"
            : view.Status,
    };

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

    /// <summary>A hub serving <paramref name="accessPointId"/> that sends over AS4 to the other hub's /as4.</summary>
    private static Dictionary<string, string?> As4Configuration(string accessPointId, string pmode, string partner, string partnerUrl) => new()
    {
        ["Hub:AccessPointId"] = accessPointId,
        ["Hub:Dispatch:Transport"] = "as4",
        ["Hub:As4:PModes:0:Id"] = pmode,
        ["Hub:As4:PModes:0:AccessPointId"] = partner,
        ["Hub:As4:PModes:0:Url"] = new Uri(new Uri(partnerUrl), "/as4").ToString(),
        ["Hub:Routing:EndpointOverrides:0:AccessPointId"] = partner,
        ["Hub:Routing:EndpointOverrides:0:Url"] = new Uri(new Uri(partnerUrl), "/as4").ToString(),
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    };

    /// <summary>The URL as given, or, when its port is 0, with a port free right now (the other hub needs it in advance).</summary>
    internal static string WithFreePort(string url)
    {
        var uri = new Uri(url.Split(';')[0]);
        if (uri.Port != 0)
        {
            return uri.GetLeftPart(UriPartial.Authority);
        }
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new UriBuilder(uri) { Port = port }.Uri.GetLeftPart(UriPartial.Authority);
    }

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
