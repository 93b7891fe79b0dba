using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Host.Endpoints;
using Cleiss.Exchange.Hub.Host.Simulation;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
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

        output.WriteLine("Outbound: French institutions → hub → BE:AP0001");
        var outbound = Directory.EnumerateFiles(Path.Combine(samples, "valid"), "*-outbound-*.xml").Order(StringComparer.Ordinal)
            .Concat(Directory.EnumerateFiles(Path.Combine(samples, "valid", "json"), "*.json").Order(StringComparer.Ordinal)).ToList();
        byte[]? firstSent = null;
        foreach (var file in outbound)
        {
            var isJson = file.EndsWith(".json", StringComparison.Ordinal);
            var bytes = isJson ? FreshJson(await File.ReadAllBytesAsync(file, cancellationToken)) : FreshXml(await File.ReadAllBytesAsync(file, cancellationToken));
            firstSent ??= bytes;
            var (id, text) = await PostAsync(api, bytes, isJson ? "application/json" : "application/xml", cancellationToken);
            output.WriteLine($"  {Path.GetFileName(file),-34} {text}");
            if (id is { } accepted)
            {
                tracked.Add((Path.GetFileNameWithoutExtension(file), accepted));
            }
            else
            {
                mismatches++;
            }
        }
        if (firstSent is not null)
        {
            var (_, again) = await PostAsync(api, firstSent, "application/xml", cancellationToken);
            output.WriteLine($"  {"(first document sent again)",-34} {again}");
        }

        output.WriteLine();
        output.WriteLine("Refused at the door (shipped invalid samples and their expected codes):");
        var expected = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(samples, "invalid", "expected.json"), cancellationToken))!.AsObject();
        foreach (var (name, code) in expected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(samples, "invalid", name), cancellationToken);
            var (_, text) = await PostAsync(api, bytes, "application/xml", cancellationToken);
            var ok = text.Contains(code!.GetValue<string>(), StringComparison.Ordinal);
            mismatches += ok ? 0 : 1;
            Count("rejected");
            output.WriteLine($"  {name,-45} {text}{(ok ? string.Empty : $"   << expected {code}")}");
        }

        output.WriteLine();
        output.WriteLine("Inbound: BE:AP0001 → hub → French institutions' inboxes");
        var receivers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(samples, "valid"), "*-inbound-*.xml").Order(StringComparer.Ordinal))
        {
            var bytes = FreshXml(await File.ReadAllBytesAsync(file, cancellationToken));
            var result = await partner.SendAsync(bytes, cancellationToken);
            var header = SbdhReader.TryRead(HardenedXml.TryLoad(bytes, new IntakeOptions(), "demo", out _)!, out _, out _)!;
            receivers.Add(header.Receivers[0].InstitutionId);
            output.WriteLine(result.ReceiptValid
                ? $"  {Path.GetFileName(file),-34} receipt {result.ReceiptId} from FR:AP0001 verified"
                : $"  {Path.GetFileName(file),-34} refused {result.StatusCode} {result.ProblemCode}");
            if (result.ReceiptValid && Guid.TryParse(result.ReceiptId, out var id))
            {
                tracked.Add((Path.GetFileNameWithoutExtension(file), id));
            }
            else
            {
                mismatches++;
            }
        }

        output.WriteLine();
        output.WriteLine("Progress (audit events as they are written):");
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
        var seen = tracked.ToDictionary(t => t.Id, _ => 0L);
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
                foreach (var e in view!.Events.Where(e => e.Sequence > seen[id]))
                {
                    seen[id] = e.Sequence;
                    Count(e.Event);
                    output.WriteLine($"  {label,-24} {e.Event,-16} {Describe(e)}");
                }
                if (view.Status is DocumentStatus.Delivered or DocumentStatus.Failed or DocumentStatus.Acknowledged)
                {
                    pending.Remove(id);
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
        "validated" => $"pack {e.Facts.GetValueOrDefault("pack")}",
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
        return (null, $"{(int)response.StatusCode} {json["code"]}");
    }

    private void Count(string name) => _tally[name] = _tally.GetValueOrDefault(name) + 1;

    private static string Short(string? value) => value is null ? string.Empty : value.Length <= 12 ? value : value[..12] + "…";

    private static void Register(string certificate, string trustFolder, string name)
    {
        Directory.CreateDirectory(trustFolder);
        File.Copy(certificate, Path.Combine(trustFolder, name), overwrite: true);
    }

    /// <summary>Gives a sample a new InstanceIdentifier so every demo run sends new documents.</summary>
    internal static byte[] FreshXml(byte[] sample)
    {
        var xml = HardenedXml.TryLoad(sample, new IntakeOptions(), "demo", out var error) ?? throw new InvalidOperationException(error!.Detail);
        var manager = new XmlNamespaceManager(xml.NameTable);
        manager.AddNamespace("sbdh", SbdhReader.Namespace);
        var node = xml.SelectSingleNode("/sbdh:StandardBusinessDocument/sbdh:StandardBusinessDocumentHeader/sbdh:DocumentIdentification/sbdh:InstanceIdentifier", manager)!;
        node.InnerText = Guid.NewGuid().ToString();
        return Encoding.UTF8.GetBytes(xml.OuterXml);
    }

    private static byte[] FreshJson(byte[] sample)
    {
        var json = JsonNode.Parse(sample)!;
        json["sbdh"]!["documentIdentification"]!["instanceIdentifier"] = Guid.NewGuid().ToString();
        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }
}
