using BenchmarkDotNet.Attributes;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Benchmarks;

/// <summary>
/// AS4 packaging of a business-signed SED as <see cref="As4PartnerTransport"/> does it before the POST, with the hub's
/// own access point key (RSA-2048, created by <see cref="SigningKeyStore"/> on first use in a temporary data folder, as
/// on a hub's first run) and the EESSI push P-Mode defaults (gzip-compressed payload, multi-hop headers, rsa-sha256):
/// <list type="bullet">
/// <item><see cref="SendPackaging"/> (baseline): the transport's per-message work up to the POST: parse the signed SED
/// (hardened) and read its SBDH header, derive the eb:MessageId, then <see cref="As4MessageBuilder.UserMessage"/> with
/// <c>SigningKeyStore.Current</c> (ebMS header, gzip, WS-Security signature over the timestamp, eb:Messaging, the Body,
/// the multi-hop headers and the compressed SED part, MIME multipart/related).</item>
/// <item><see cref="BuildSigned"/>: <c>As4MessageBuilder.UserMessage</c> alone (header already known, credentials held).</item>
/// <item><see cref="BuildUnsigned"/>: the same without WS-Security (ebMS header, gzip, MIME): the difference to
/// <see cref="BuildSigned"/> is the WS-Security signature.</item>
/// <item><see cref="ReadReceipt"/>: the sender's side of the answer: read the partner's signed receipt (framed as the
/// transport frames it), check that it lists every signed reference with its digest, verify its WS-Security signature
/// with the partner's certificate. The certificate check (CertificateValidator.CheckNowAsync, trust store lookup) that
/// As4ReceiptVerifier also runs is not included.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class As4PackagingBenchmarks
{
    private const string PartnerAccessPoint = "BE:AP0001";
    private readonly List<string> _folders = [];
    private SigningKeyStore _keys = null!;
    private SigningCredentials _credentials = null!;
    private SigningCredentials _partner = null!;
    private As4PMode _pmode = null!;
    private string _hubAccessPoint = string.Empty;
    private byte[] _signedSed = [];
    private As4UserMessageRequest _request = null!;
    private As4OutboundMessage _sent = null!;
    private byte[] _framedReceipt = [];
    private readonly As4ReaderLimits _limits = new();

    [Params("5KB", "50KB")]
    public string Size { get; set; } = "5KB";

    [GlobalSetup]
    public void Setup()
    {
        var stored = Size == "5KB" ? HubWorkload.SmallDocument() : HubWorkload.LargeDocument();
        _keys = KeyStore("FR:AP0001");
        _hubAccessPoint = "FR:AP0001";
        _credentials = _keys.Current;
        _partner = KeyStore(PartnerAccessPoint).Current;
        _pmode = new As4PMode { Id = "bench-be", AccessPointId = PartnerAccessPoint, Url = "https://127.0.0.1:5181/as4" };

        // The SED as the sign stage leaves it: business-signed with the hub's key.
        var document = HardenedXml.TryLoad(stored, new IntakeOptions(), "sign", out var error) ?? throw new InvalidOperationException(error!.Detail);
        _signedSed = BusinessSignature.SignBytes(stored, document, SbdhReader.SedElement(document)!, _credentials, out _);

        _sent = SendPackaging();
        _request = RequestFor(_signedSed, out _);
        // What the partner answers: a receipt listing the references of the message's signature, signed with its key.
        var framed = Framed(_sent.ContentType, _sent.Body);
        var message = As4MessageReader.TryRead(framed, _limits, out var readError) ?? throw new InvalidOperationException(readError!.Detail);
        if (!WsSecurityVerifier.Verify(message, new As4VerificationKeys { Override = _credentials.Certificate }).IsValid)
        {
            throw new InvalidOperationException("The packaged message's WS-Security signature does not verify.");
        }
        var user = message.Messaging!.UserMessages[0];
        var receipt = As4SignalBuilder.Receipt($"{Guid.NewGuid():N}@cleiss.exchange", DateTimeOffset.UtcNow, user.MessageInfo!.MessageId!,
            message.Security!.Signatures[0].References, multiHopOf: message.MultiHop is null ? null : user);
        var signedReceipt = WsSecuritySigner.Sign(receipt, [], _partner, DateTimeOffset.UtcNow).Envelope;
        _framedReceipt = Framed("application/soap+xml; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(signedReceipt));
        if (!ReadReceipt())
        {
            throw new InvalidOperationException("The partner's receipt does not prove the delivery.");
        }
        Console.WriteLine($"// document: {Size} = {stored.Length} bytes, business-signed {_signedSed.Length} bytes; AS4 message {_sent.Body.Length} bytes " +
            $"({_sent.SignedReferences.Count} signed references); receipt {_framedReceipt.Length} bytes; key {_credentials.AlgorithmName}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The transport's work per message before the POST: parse, SBDH header, message id, signed AS4 user message.</summary>
    [Benchmark(Baseline = true)]
    public As4OutboundMessage SendPackaging()
    {
        var request = RequestFor(_signedSed, out var receiver);
        return As4MessageBuilder.UserMessage(_pmode, request with { Mpc = _pmode.MpcFor(receiver) }, _keys.Current);
    }

    /// <summary>The signed AS4 user message alone (ebMS header, gzip, WS-Security, MIME).</summary>
    [Benchmark]
    public As4OutboundMessage BuildSigned() => As4MessageBuilder.UserMessage(_pmode, _request, _credentials);

    /// <summary>The AS4 user message without WS-Security (ebMS header, gzip, MIME).</summary>
    [Benchmark]
    public As4OutboundMessage BuildUnsigned() => As4MessageBuilder.UserMessage(_pmode, _request);

    /// <summary>Read the partner's receipt, match its references with those signed, verify its signature.</summary>
    [Benchmark]
    public bool ReadReceipt()
    {
        var signal = As4MessageReader.TryRead(_framedReceipt, _limits, out _);
        return signal?.Messaging?.SignalMessages is [{ Receipt: { } receipt }]
            && As4SignalBuilder.ProvesDeliveryOf(receipt, _sent.SignedReferences)
            && WsSecurityVerifier.Verify(signal, new As4VerificationKeys { Override = _partner.Certificate }).IsValid;
    }

    /// <summary>As the transport: parse the signed SED, read its header, derive the message id.</summary>
    private As4UserMessageRequest RequestFor(byte[] signedSed, out string receiver)
    {
        var document = HardenedXml.TryLoad(signedSed, new IntakeOptions(), "dispatch", out var error) ?? throw new InvalidOperationException(error!.Detail);
        var header = SbdhReader.TryRead(document, out _, out var problem) ?? throw new InvalidOperationException(problem);
        var messageId = $"{header.InstanceIdentifier}@{_hubAccessPoint.Replace(':', '.').ToLowerInvariant()}.eessi";
        receiver = header.Receivers[0].InstitutionId;
        return new As4UserMessageRequest(messageId, DateTimeOffset.UtcNow, header.Sender.InstitutionId, receiver, header.CaseId, signedSed,
            MessageProperties: [new("originalSender", header.Sender.InstitutionId), new("finalRecipient", receiver)]);
    }

    /// <summary>An HTTP body framed for As4MessageReader as the transport frames it (As4HttpAnswer.Framed, internal): Content-Type, blank line, body.</summary>
    private static byte[] Framed(string contentType, byte[] body) => [.. System.Text.Encoding.ASCII.GetBytes($"Content-Type: {contentType}\r\n\r\n"), .. body];

    /// <summary>A hub's key store in a fresh data folder: its access point key is created on first use.</summary>
    private SigningKeyStore KeyStore(string accessPointId)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"cleiss-bdn-as4-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _folders.Add(folder);
        return new SigningKeyStore(Options.Create(new HubOptions { DataDirectory = folder, AccessPointId = accessPointId }), TimeProvider.System,
            NullLogger<SigningKeyStore>.Instance);
    }
}
