using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.LoadTests;

/// <summary>One step of the breakdown: median and mean µs over the iterations, and bytes allocated per call.</summary>
internal sealed record Step(string Side, string Name, double MedianMicroseconds, double MeanMicroseconds, long AllocatedBytes);

/// <summary>
/// Where the time of one message goes: each step of the AS4 path timed alone, on one thread, with the same calls
/// the hubs make (As4PartnerTransport, As4Endpoints), on a message and a receipt from one real exchange. The
/// Belgian hub's intake (the inbound pipeline under /as4) is not repeated here: its stage times come from the
/// hub's own metrics during the runs.
/// </summary>
internal static class Breakdown
{
    public static async Task<(List<Step> Steps, int BodyBytesCompressed, int BodyBytesPlain, int SignedSedBytes)> RunAsync(TwoHubs hubs, SedTemplate sed, int iterations)
    {
        var fr = hubs.France.Services;
        var be = hubs.Belgium.Services;
        var frKey = fr.GetRequiredService<SigningKeyStore>().Current;
        var beKey = be.GetRequiredService<SigningKeyStore>().Current;
        var frValidator = fr.GetRequiredService<CertificateValidator>();
        var beValidator = be.GetRequiredService<CertificateValidator>();
        var frCertificate = be.GetRequiredService<TrustStore>().FindAll("FR:AP0001")[0];
        var beCertificate = fr.GetRequiredService<TrustStore>().FindAll(TwoHubs.BelgianAccessPoint)[0];
        var limits = new As4ReaderLimits();
        var steps = new List<Step>();
        void Time(string side, string name, Action action) => steps.Add(Measure(side, name, iterations, action));

        var (document, _) = sed.Fresh();
        var signed = As4Driver.BusinessSign(document, frKey);
        SbdhHeader Header()
        {
            var parsed = HardenedXml.TryLoad(signed, new IntakeOptions(), "dispatch", out _)!;
            return SbdhReader.TryRead(parsed, out _, out _)!;
        }
        var header = Header();
        As4UserMessageRequest Request() => new($"{Guid.NewGuid():N}@fr.ap0001.eessi", DateTimeOffset.UtcNow, header.Sender.InstitutionId, header.Receivers[0].InstitutionId, header.CaseId, signed,
            MessageProperties: [new("originalSender", header.Sender.InstitutionId), new("finalRecipient", header.Receivers[0].InstitutionId)]);
        var gz = new As4PMode { Id = TwoHubs.PModeId, AccessPointId = TwoHubs.BelgianAccessPoint, Url = hubs.BelgianAs4.ToString(), Compress = true };
        var plain = new As4PMode { Id = TwoHubs.PModeId, AccessPointId = TwoHubs.BelgianAccessPoint, Url = hubs.BelgianAs4.ToString(), Compress = false };

        Time("sender", "fresh copy of the SED (string replace)", () => sed.Fresh());
        Time("sender", "business signature (sign stage: parse + C14N + RSA + splice)", () => As4Driver.BusinessSign(document, frKey));
        Time("sender", "transport: parse the signed SED for its header", () => Header());
        Time("sender", "build + WS-Security sign + MIME, compression on", () => As4MessageBuilder.UserMessage(gz, Request(), frKey));
        Time("sender", "build + WS-Security sign + MIME, compression off", () => As4MessageBuilder.UserMessage(plain, Request(), frKey));
        Time("sender", "certificate check of the receipt's signer (CheckNowAsync)", () => frValidator.CheckNowAsync(beCertificate, CancellationToken.None).AsTask().GetAwaiter().GetResult());

        // One real exchange for the bytes on the wire.
        var sent = As4MessageBuilder.UserMessage(gz, Request(), frKey);
        var sentPlain = As4MessageBuilder.UserMessage(plain, Request(), frKey);
        using var http = new HttpClient();
        using var content = new ByteArrayContent(sent.Body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(sent.ContentType);
        using var answer = await http.PostAsync(hubs.BelgianAs4, content);
        var receiptBytes = await answer.Content.ReadAsByteArrayAsync();
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The breakdown's exchange was refused ({(int)answer.StatusCode}): {Encoding.UTF8.GetString(receiptBytes)}");
        }
        var framedMessage = Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(sent.Body).ToArray();
        var framedReceipt = Encoding.ASCII.GetBytes($"Content-Type: {answer.Content.Headers.ContentType}\r\n\r\n").Concat(receiptBytes).ToArray();
        var message = As4MessageReader.TryRead(framedMessage, limits, out _)!;
        var receipt = As4MessageReader.TryRead(framedReceipt, limits, out _)!;
        var attachment = message.Attachments[0].Content;

        Time("receiver", "frame + read the MIME message and envelope (As4MessageReader)", () => As4MessageReader.TryRead(Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(sent.Body).ToArray(), limits, out _));
        Time("receiver", "certificate check of the sender (CheckNowAsync)", () => beValidator.CheckNowAsync(frCertificate, CancellationToken.None).AsTask().GetAwaiter().GetResult());
        Time("receiver", "WS-Security verify (4 references + RSA verify)", () => Check(WsSecurityVerifier.Verify(message, new As4VerificationKeys { Override = frCertificate }).IsValid));
        Time("receiver", "gunzip the SED part", () => Gunzip(attachment));
        Time("receiver", "SHA-256 of the SED (MessageId register)", () => SHA256.HashData(signed));
        Time("receiver", "receipt: build + WS-Security sign", () => WsSecuritySigner.Sign(
            As4SignalBuilder.Receipt($"{Guid.NewGuid():N}@cleiss.exchange", DateTimeOffset.UtcNow, "x@fr", message.Security!.Signatures[0].References), [], beKey));
        Time("sender", "frame + read the receipt (As4MessageReader)", () => As4MessageReader.TryRead(Encoding.ASCII.GetBytes($"Content-Type: {answer.Content.Headers.ContentType}\r\n\r\n").Concat(receiptBytes).ToArray(), limits, out _));
        Time("sender", "receipt lists every signed reference (ProvesDeliveryOf)", () => Check(As4SignalBuilder.ProvesDeliveryOf(receipt.Messaging!.SignalMessages[0].Receipt!, sent.SignedReferences)));
        Time("sender", "verify the receipt's signature (WsSecurityVerifier)", () => Check(WsSecurityVerifier.Verify(receipt, new As4VerificationKeys { Override = beCertificate }).IsValid));

        using var rsa = frCertificate.GetRSAPublicKey()!;
        var data = new byte[1200];
        var value = ((RSA)frKey.PrivateKey).SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Time("raw", "RSA-2048 SignData (SHA-256, PKCS#1), 1.2 KB", () => ((RSA)frKey.PrivateKey).SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Time("raw", "RSA-2048 VerifyData, 1.2 KB", () => Check(rsa.VerifyData(data, value, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
        Time("raw", "BouncyCastle: parse + verify a self-signed certificate (CertificateValidator.IsSignedBy)", () =>
        {
            var parser = new Org.BouncyCastle.X509.X509CertificateParser();
            parser.ReadCertificate(frCertificate.RawData).Verify(new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(frCertificate.RawData).GetPublicKey());
        });
        return (steps, sent.Body.Length, sentPlain.Body.Length, signed.Length);
    }

    private static void Check(bool valid)
    {
        if (!valid)
        {
            throw new InvalidOperationException("A breakdown step did not verify.");
        }
    }

    private static byte[] Gunzip(ReadOnlyMemory<byte> compressed)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed.ToArray()), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static Step Measure(string side, string name, int iterations, Action action)
    {
        for (var i = 0; i < Math.Max(20, iterations / 5); i++)
        {
            action();
        }
        var samples = new double[iterations];
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / iterations;
        Array.Sort(samples);
        return new Step(side, name, samples[iterations / 2], samples.Average(), allocated);
    }
}
