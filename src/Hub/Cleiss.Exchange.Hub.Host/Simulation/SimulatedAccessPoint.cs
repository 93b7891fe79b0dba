using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Host.Simulation;

/// <summary>Settings of a simulated foreign access point.</summary>
public sealed record SimulatedAccessPointSettings
{
    /// <summary>Its directory id. Default <c>BE:AP0001</c>.</summary>
    public string AccessPointId { get; init; } = "BE:AP0001";

    /// <summary>The hub's access point id, whose certificate it trusts. Default <c>FR:AP0001</c>.</summary>
    public string PartnerAccessPointId { get; init; } = "FR:AP0001";

    /// <summary>Where it listens. Default <c>http://127.0.0.1:5181</c>.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5181";

    /// <summary>Its own data folder (keys, trust).</summary>
    public string DataDirectory { get; init; } = Path.Combine("data", "simulated-ap");
}

/// <summary>What the simulated access point received. <c>Attempts</c> counts re-sends too; a document is delivered once.</summary>
public sealed record ReceivedDocument(string InstanceIdentifier, string SedType, string Sender, string Receiver, string Sha256, int Attempts, bool SignatureValid);

/// <summary>The result of sending a document to the hub.</summary>
public sealed record SendResult(int StatusCode, bool ReceiptValid, string? ProblemCode, string? ReceiptId);

/// <summary>
/// A foreign liaison body's access point, simulated on loopback for the demo and the tests: it
/// verifies the hub's business signature with the hub's registered certificate, deduplicates on the
/// InstanceIdentifier, answers with its own signed receipt, and sends signed documents to the hub.
/// The AS4 issue replaces it with a second hub configured as a foreign liaison body.
/// </summary>
public sealed class SimulatedAccessPoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SigningKeyStore _keys;
    private readonly TrustStore _trust;
    private readonly SimulatedAccessPointSettings _settings;
    private readonly IntakeOptions _limits = new();
    private readonly ConcurrentDictionary<string, (ReceivedDocument Document, byte[] Receipt)> _received = new(StringComparer.Ordinal);
    private readonly HttpClient _client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(30) };

    private SimulatedAccessPoint(SimulatedAccessPointSettings settings)
    {
        _settings = settings;
        var hubOptions = Options.Create(new HubOptions { DataDirectory = settings.DataDirectory, AccessPointId = settings.AccessPointId });
        _keys = new SigningKeyStore(hubOptions, TimeProvider.System, NullLogger<SigningKeyStore>.Instance);
        _trust = new TrustStore(hubOptions, NullLogger<TrustStore>.Instance);
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(settings.Urls);
        _app = builder.Build();
        _app.MapPost("/ap/v1/messages", ReceiveAsync);
        _app.MapGet("/received", () => TypedResults.Ok(Received));
    }

    /// <summary>The access point's id.</summary>
    public string AccessPointId => _settings.AccessPointId;

    /// <summary>The URL its endpoint listens on, once started.</summary>
    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Where the hub's inbound access point listens.</summary>
    public Uri? HubEndpoint { get; set; }

    /// <summary>Its certificate file (PEM), to register in the hub's trust store.</summary>
    public string CertificatePath => SigningKeyStore.CertificatePath(_settings.DataDirectory);

    /// <summary>The folder it reads trusted partner certificates from.</summary>
    public string TrustFolder => TrustStore.Folder(_settings.DataDirectory);

    /// <summary>Everything received so far.</summary>
    public IReadOnlyList<ReceivedDocument> Received => _received.Values.Select(v => v.Document).ToList();

    /// <summary>Creates its key if needed and starts listening.</summary>
    public static async Task<SimulatedAccessPoint> StartAsync(SimulatedAccessPointSettings settings, CancellationToken cancellationToken)
    {
        var ap = new SimulatedAccessPoint(settings);
        _ = ap._keys.Current;
        await ap._app.StartAsync(cancellationToken);
        ap.Endpoint = new Uri(ServerAddress.Of(ap._app), "/ap/v1/messages");
        return ap;
    }

    /// <summary>Signs an SBDH+SED document with this access point's key and sends it to the hub.</summary>
    public async Task<SendResult> SendAsync(byte[] document, CancellationToken cancellationToken)
    {
        var xml = HardenedXml.TryLoad(document, _limits, "simulate", out var error) ?? throw new InvalidOperationException(error!.Detail);
        var header = SbdhReader.TryRead(xml, out var sed, out var problem) ?? throw new InvalidOperationException(problem);
        BusinessSignature.Sign(xml, sed!, _keys.Current);
        var signed = System.Text.Encoding.UTF8.GetBytes(xml.OuterXml);
        using var content = new ByteArrayContent(signed);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };
        using var response = await _client.PostAsync(HubEndpoint ?? throw new InvalidOperationException("HubEndpoint is not set."), content, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            return new SendResult((int)response.StatusCode, false, code, null);
        }
        var hubCertificate = _trust.FindForAccessPoint(_settings.PartnerAccessPointId);
        var receipt = hubCertificate is null ? null : DeliveryReceipt.TryRead(body, hubCertificate, _limits, out _);
        var valid = receipt is not null && receipt.RefToInstanceIdentifier == header.InstanceIdentifier && receipt.ReceivedSha256 == DeliveryReceipt.Digest(signed);
        return new SendResult((int)response.StatusCode, valid, null, receipt?.ReceiptId);
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.ToArray();
        var xml = HardenedXml.TryLoad(bytes, _limits, "simulated-ap", out var error);
        if (xml is null)
        {
            return Refuse(400, error!.Code);
        }
        var header = SbdhReader.TryRead(xml, out var sed, out _);
        if (header is null || sed is null)
        {
            return Refuse(400, ExchangeErrors.ValidateSbdhInvalid);
        }
        var partner = _trust.FindForAccessPoint(_settings.PartnerAccessPointId);
        if (partner is null)
        {
            return Refuse(403, ExchangeErrors.VerifyUntrustedSender);
        }
        var check = BusinessSignature.Verify(xml, sed, partner);
        if (!check.IsValid)
        {
            return Refuse(400, check.Code!);
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var entry = _received.AddOrUpdate(header.InstanceIdentifier,
            _ => (new ReceivedDocument(header.InstanceIdentifier, header.SedType, header.Sender.InstitutionId, header.Receivers[0].InstitutionId, sha, 1, true),
                  DeliveryReceipt.Create(Guid.NewGuid().ToString(), header.InstanceIdentifier, bytes, _settings.AccessPointId, DateTimeOffset.UtcNow, _keys.Current)),
            (_, existing) => existing.Document.Sha256 == sha
                ? (existing.Document with { Attempts = existing.Document.Attempts + 1 }, existing.Receipt) // a re-send: same receipt, no second delivery
                : existing);
        if (entry.Document.Sha256 != sha)
        {
            return Refuse(409, ExchangeErrors.IngestDuplicateConflict);
        }
        return TypedResults.Bytes(entry.Receipt, DeliveryReceipt.MediaType);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refuse(int status, string code) =>
        TypedResults.Problem(statusCode: status, title: code, extensions: new Dictionary<string, object?> { ["code"] = code });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
