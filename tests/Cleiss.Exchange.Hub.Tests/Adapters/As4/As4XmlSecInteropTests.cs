using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cleiss.Exchange.Adapters.As4;
using Cleiss.Exchange.Adapters.As4.Security;
using Cleiss.Exchange.Adapters.As4.Sending;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Adapters.As4;

/// <summary>
/// AS4 messages signed by the hub (As4MessageBuilder + WsSecuritySigner, and a signed NRR receipt) verify in an
/// independent implementation, xmlsec1, for their XML references: wsu:Timestamp, eb:Messaging and the SOAP Body,
/// by wsu:Id (<c>--id-attr</c>). xmlsec1 has no SwA Attachment-Content-Signature-Transform, so the cid: reference of
/// a user message is checked by the hub only (see SOURCES.md); xmlsec1 sees the same signature without it, and the
/// receipt (no attachment) is checked by xmlsec1 exactly as the hub sends it. Skipped with the reason when xmlsec1 is
/// absent (./test.sh installs it).
/// </summary>
public sealed class As4XmlSecInteropTests : IDisposable
{
    private static readonly As4PMode PMode = new() { Id = "eessi-push-be", AccessPointId = "BE:AP0001", Url = "https://be.example/as4" };
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private static SigningCredentials NewKey()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=FR AP0001 test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return new SigningCredentials(X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null), "test");
    }

    private static As4UserMessageRequest Request() =>
        new($"{Guid.NewGuid():N}@fr.ap0001.eessi", DateTimeOffset.UtcNow, "FR:CLEISS0002", "BE:ONSS00001", "FR-2026-LA01-000123", Builders.Sample("valid/A001-outbound-1.xml"));

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder.Path, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private string CertificatePem(SigningCredentials key) => Write("hub.crt.pem", key.Certificate.ExportCertificatePem());

    /// <summary>xmlsec1 --verify with the hub's certificate as the key (KeyInfo holds a wsse:SecurityTokenReference xmlsec1 does not follow) and wsu:Id declared as the id of the three signed elements.</summary>
    private static (int Exit, string Output) Verify(string certificate, string file) => XmlSec1(
        "--verify", "--pubkey-cert-pem", certificate, "--enabled-reference-uris", "same-doc",
        "--id-attr:Id", $"{As4Namespaces.Ebms}:Messaging",
        "--id-attr:Id", $"{As4Namespaces.Soap12}:Body",
        "--id-attr:Id", $"{As4Namespaces.Wsu}:Timestamp",
        "--id-attr:Id", $"{As4Namespaces.Wsa}:To", // multi-hop headers, signed too
        "--id-attr:Id", $"{As4Namespaces.Wsa}:Action",
        "--id-attr:Id", $"{As4Namespaces.MultiHop}:RoutingInput",
        file);

    [Xmlsec1Fact]
    public void Xmlsec1_verifies_the_XML_references_of_a_user_message_signed_by_the_hub()
    {
        var key = NewKey();
        var built = As4MessageBuilder.UserMessage(PMode, Request());
        // The hub's signer over the envelope the builder wrote, with the attachment left to the hub (no cid: for xmlsec1).
        var (envelope, references) = WsSecuritySigner.Sign(built.Envelope, [], key);

        var (exit, output) = Verify(CertificatePem(key), Write("user-message.xml", envelope));

        Assert.True(exit == 0, output);
        Assert.Contains("OK", output, StringComparison.Ordinal);
        Assert.Contains("SignedInfo References (ok/all): 5/5", output, StringComparison.Ordinal);
        Assert.Equal(["#" + WsSecuritySigner.TimestampId, "#" + As4MessageBuilder.MessagingId, "#" + As4MessageBuilder.BodyId, "#" + As4RoutingInput.ToId, "#" + As4RoutingInput.ActionId],
            references.Select(r => r.Uri));
    }

    [Xmlsec1Fact]
    public void The_XML_references_of_a_full_hub_user_message_with_its_attachment_are_the_ones_xmlsec1_verifies()
    {
        var key = NewKey();
        var sent = As4MessageBuilder.UserMessage(PMode, Request(), key);
        var xmlOnly = WsSecuritySigner.Sign(As4MessageBuilder.UserMessage(PMode, Request() with { MessageId = MessageIdOf(sent.Envelope), Timestamp = TimestampOf(sent.Envelope) }).Envelope, [], key, CreatedOf(sent.Envelope));

        // The same eb:Messaging, Body, wsu:Timestamp and multi-hop header digests as the full message, whose cid: reference the hub verifies.
        Assert.Equal(sent.SignedReferences.Where(r => r.Uri!.StartsWith('#')).Select(r => (r.Uri, r.DigestValue)), xmlOnly.References.Select(r => (r.Uri, r.DigestValue)));
        var (exit, output) = Verify(CertificatePem(key), Write("xml-only.xml", xmlOnly.Envelope));
        Assert.True(exit == 0, output);
        var wire = Encoding.ASCII.GetBytes($"Content-Type: {sent.ContentType}\r\n\r\n").Concat(sent.Body).ToArray();
        var hub = WsSecurityVerifier.Verify(As4MessageReader.TryRead(wire, new As4ReaderLimits(), out _)!, new As4VerificationKeys { Override = key.Certificate });
        Assert.True(hub.IsValid, hub.Detail);
    }

    [Xmlsec1Fact]
    public void Xmlsec1_verifies_a_receipt_signal_signed_by_the_hub_as_sent()
    {
        var key = NewKey();
        var sent = As4MessageBuilder.UserMessage(PMode, Request(), key);
        var receipt = As4SignalBuilder.Receipt($"{Guid.NewGuid():N}@cleiss.exchange", DateTimeOffset.UtcNow, MessageIdOf(sent.Envelope), sent.SignedReferences);
        var (envelope, _) = WsSecuritySigner.Sign(receipt, [], key);

        var (exit, output) = Verify(CertificatePem(key), Write("receipt.xml", envelope));

        Assert.True(exit == 0, output);
        Assert.Contains("SignedInfo References (ok/all): 3/3", output, StringComparison.Ordinal);
    }

    [Xmlsec1Theory]
    [InlineData("user-message")]
    [InlineData("receipt")]
    public void A_byte_changed_in_eb_Messaging_makes_xmlsec1_fail(string kind)
    {
        var key = NewKey();
        var sent = As4MessageBuilder.UserMessage(PMode, Request(), key);
        var envelope = kind == "receipt"
            ? WsSecuritySigner.Sign(As4SignalBuilder.Receipt($"{Guid.NewGuid():N}@cleiss.exchange", DateTimeOffset.UtcNow, MessageIdOf(sent.Envelope), sent.SignedReferences), [], key).Envelope
            : WsSecuritySigner.Sign(As4MessageBuilder.UserMessage(PMode, Request()).Envelope, [], key).Envelope;
        var at = envelope.IndexOf("@cleiss.exchange</eb:MessageId>", StringComparison.Ordinal) is var r and >= 0 ? r : envelope.IndexOf("@fr.ap0001.eessi</eb:MessageId>", StringComparison.Ordinal);
        Assert.True(at > 0);
        var tampered = envelope[..(at + 1)] + "C" + envelope[(at + 2)..]; // cleiss -> Cleiss / fr -> Cr, inside eb:Messaging

        var (exit, output) = Verify(CertificatePem(key), Write("tampered.xml", tampered));

        Assert.True(exit == 1, $"exit {exit}: {output}");
        Assert.Contains("FAIL", output, StringComparison.Ordinal);
    }

    private static string MessageIdOf(string envelope) => envelope[(envelope.IndexOf("<eb:MessageId>", StringComparison.Ordinal) + 14)..].Split('<')[0];

    private static DateTimeOffset TimestampOf(string envelope) =>
        DateTimeOffset.Parse(envelope[(envelope.IndexOf("<eb:Timestamp>", StringComparison.Ordinal) + 14)..].Split('<')[0], System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset CreatedOf(string envelope) =>
        DateTimeOffset.Parse(envelope[(envelope.IndexOf("<wsu:Created>", StringComparison.Ordinal) + 13)..].Split('<')[0], System.Globalization.CultureInfo.InvariantCulture);

    private static (int Exit, string Output) XmlSec1(params string[] arguments)
    {
        var start = new ProcessStartInfo("xmlsec1", arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"xmlsec1 could not be started ({e.Message}).");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("xmlsec1 did not finish in 30 s.");
            }
            process.WaitForExit();
            return (process.ExitCode, stderr.Result + stdout.Result);
        }
    }
}

/// <summary>A fact that needs xmlsec1 on the PATH; skipped with the reason otherwise.</summary>
internal sealed class Xmlsec1FactAttribute : FactAttribute
{
    public Xmlsec1FactAttribute()
    {
        if (!Xmlsec1.IsOnPath)
        {
            Skip = Xmlsec1.Absent;
        }
    }
}

/// <summary>A theory that needs xmlsec1 on the PATH; skipped with the reason otherwise.</summary>
internal sealed class Xmlsec1TheoryAttribute : TheoryAttribute
{
    public Xmlsec1TheoryAttribute()
    {
        if (!Xmlsec1.IsOnPath)
        {
            Skip = Xmlsec1.Absent;
        }
    }
}

internal static class Xmlsec1
{
    public const string Absent = "xmlsec1 is not installed (./test.sh installs the Debian package xmlsec1).";

    public static bool IsOnPath { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "xmlsec1")));
}
