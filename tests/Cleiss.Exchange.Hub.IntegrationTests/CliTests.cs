using System.Diagnostics;
using System.Text.Json.Nodes;
using Cleiss.Exchange.Hub.Tests.RealData;

namespace Cleiss.Exchange.Hub.IntegrationTests;

/// <summary>The `cleiss` command line, run as a real process.</summary>
public sealed class CliTests
{
    internal static (int Exit, string Output) Cleiss(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cleiss.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "cleiss did not finish within 60 s");
        return (process.ExitCode, output.Result + error.Result);
    }

    [Fact]
    public void Validate_exits_0_for_a_valid_document()
    {
        var (exit, output) = Cleiss("validate", Path.Combine(HubRig.Samples, "valid", "P2000-outbound-1.xml"));
        Assert.Equal(0, exit);
        Assert.Contains("valid P2000", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_exits_1_and_prints_a_json_report_for_an_invalid_document()
    {
        var (exit, output) = Cleiss("validate", Path.Combine(HubRig.Samples, "invalid", "U001-schema-bad-date.xml"), "--format", "json");
        Assert.Equal(1, exit);
        var report = JsonNode.Parse(output)!;
        Assert.False(report["valid"]!.GetValue<bool>());
        Assert.Equal("VALIDATE.SCHEMA_INVALID", report["code"]!.GetValue<string>());
        Assert.NotEmpty(report["findings"]!.AsArray());
    }

    [Fact]
    public void Validate_reports_a_bilingual_finding_even_for_a_document_that_does_not_parse()
    {
        var (exit, output) = Cleiss("validate", Path.Combine(HubRig.Samples, "invalid", "A001-truncated.xml"), "--format", "json");
        Assert.Equal(1, exit);
        var finding = JsonNode.Parse(output)!["findings"]!.AsArray().Single()!;
        Assert.Equal("INGEST.MALFORMED_XML", finding["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(finding["messageFr"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("rsa", "rsa-sha256")]
    [InlineData("ecdsa", "ecdsa-p256-sha256")]
    public void Keys_generate_then_sign_and_verify_and_a_changed_byte_fails(string algorithm, string method)
    {
        using var temp = new TempFolder();
        var data = Path.Combine(temp.Path, "data");
        var signed = Path.Combine(temp.Path, "signed.xml");

        var (generated, generateOutput) = Cleiss("keys", "generate", "--owner", "FR:CLEISS0002", "--algorithm", algorithm, "--data", data);
        var folder = Path.Combine(data, "keys", "owners", "FR_CLEISS0002");
        var key = Directory.GetFiles(folder, "*.key.pem").Single();
        var certificate = key[..^".key.pem".Length] + ".crt.pem";
        var (sign, _) = Cleiss("sign", Path.Combine(HubRig.Samples, "valid", "A001-outbound-1.xml"), "--key", key, "--cert", certificate, "--output", signed);
        var (verify, verifyOutput) = Cleiss("verify", signed, "--cert", certificate, "--data", data);
        File.WriteAllText(signed, File.ReadAllText(signed).Replace("1988-04-17", "1988-04-18", StringComparison.Ordinal));
        var (tampered, tamperedOutput) = Cleiss("verify", signed, "--cert", certificate, "--data", data);
        var (missing, _) = Cleiss("verify", Path.Combine(temp.Path, "nope.xml"), "--cert", certificate);

        Assert.True(generated == 0, generateOutput);
        Assert.Equal(0, sign);
        Assert.Equal(0, verify);
        Assert.Contains($"VALID algorithm={method}", verifyOutput, StringComparison.Ordinal);
        Assert.Equal(1, tampered);
        Assert.Contains("INVALID VERIFY.SIGNATURE_INVALID", tamperedOutput, StringComparison.Ordinal);
        Assert.Equal(2, missing);
    }

    [Fact]
    public void Keys_rotate_keeps_two_active_keys_and_trust_import_registers_a_certificate()
    {
        using var temp = new TempFolder();
        var data = Path.Combine(temp.Path, "data");

        Assert.Equal(0, Cleiss("keys", "generate", "--owner", "FR:CLEISS0002", "--data", data).Exit);
        Assert.Equal(0, Cleiss("keys", "rotate", "--owner", "FR:CLEISS0002", "--data", data).Exit);
        var (rotated, rotateOutput) = Cleiss("keys", "rotate", "--owner", "FR:CLEISS0002", "--algorithm", "ecdsa", "--data", data);
        var (_, list) = Cleiss("keys", "list", "--data", data);
        var lines = list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("FR:CLEISS0002", StringComparison.Ordinal)).ToList();
        var certificate = Directory.GetFiles(Path.Combine(data, "keys", "owners", "FR_CLEISS0002"), "*.crt.pem").First();
        var (imported, _) = Cleiss("trust", "import", certificate, "--data", data);
        var (_, trusted) = Cleiss("trust", "list", "--data", data);

        Assert.Equal(0, rotated);
        Assert.Contains("retired: ", rotateOutput, StringComparison.Ordinal);
        Assert.Equal(3, lines.Count);
        Assert.Single(lines, l => l.Contains(" signing ", StringComparison.Ordinal) && l.Contains("ecdsa-p256-sha256", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains(" active ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains(" retired ", StringComparison.Ordinal));
        Assert.Equal(0, imported);
        Assert.Contains("FR:CLEISS0002", trusted, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_turns_xml_into_json_and_back()
    {
        using var temp = new TempFolder();
        var json = Path.Combine(temp.Path, "a.json");
        var xml = Path.Combine(temp.Path, "a.xml");

        var (toJson, _) = Cleiss("convert", Path.Combine(HubRig.Samples, "valid", "A001-outbound-1.xml"), "--to", "json", "--output", json);
        var (toXml, _) = Cleiss("convert", json, "--to", "xml", "--output", xml);
        var (valid, report) = Cleiss("validate", xml);

        Assert.Equal(0, toJson);
        Assert.Equal(0, toXml);
        Assert.Equal("A001", JsonNode.Parse(File.ReadAllText(json))!["sed"]!.AsObject().Single().Key);
        Assert.True(valid == 0, report);
    }

    [Fact]
    public void Convert_refuses_to_convert_into_the_same_format_with_exit_2()
    {
        var (exit, _) = Cleiss("convert", Path.Combine(HubRig.Samples, "valid", "A001-outbound-1.xml"), "--to", "xml");
        Assert.Equal(2, exit);
    }

    [Fact]
    public void Validate_accepts_a_json_envelope()
    {
        var (exit, output) = Cleiss("validate", Path.Combine(HubRig.Samples, "valid", "json", "H001-outbound-1.json"));
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void Validate_exits_2_when_the_file_cannot_be_read()
    {
        var (exit, _) = Cleiss("validate", Path.Combine(HubRig.Samples, "no-such-file.xml"));
        Assert.Equal(2, exit);
    }

    [Fact]
    public void Validate_exits_2_on_a_usage_error()
    {
        var (exit, _) = Cleiss("validate");
        Assert.Equal(2, exit);
    }

    [CorpusFact]
    public void As4_inspect_prints_the_parts_signature_references_and_key_of_a_real_message()
    {
        var sample = Corpus.File("as4-samples/phase4/phase4-peppol-client/src/test/resources/dump-raw.as4out");

        var (exit, output) = Cleiss("as4", "inspect", sample);
        var (jsonExit, json) = Cleiss("as4", "inspect", sample, "--format", "json");

        Assert.True(exit == 0, output);
        Assert.Contains("framing: Mime, SOAP 1.2", output, StringComparison.Ordinal);
        Assert.Contains("part: <phase4-att-ff0f8ad5-f982-48ba-b8e2-26997600f496@cid> application/octet-stream", output, StringComparison.Ordinal);
        Assert.Contains("Reference cid:phase4-att-ff0f8ad5-f982-48ba-b8e2-26997600f496@cid", output, StringComparison.Ordinal);
        Assert.Contains("key: BinarySecurityToken #X509-ec475888-83f3-438e-80de-d88fb3d00655 (X509v3)", output, StringComparison.Ordinal);
        Assert.Equal(0, jsonExit);
        var message = JsonNode.Parse(json)!["message"]!;
        Assert.Equal("Mime", message["framing"]!.GetValue<string>());
        Assert.Single(message["attachments"]!.AsArray());
        Assert.Equal(3, message["security"]!["signatures"]![0]!["references"]!.AsArray().Count);
        Assert.Equal("BinarySecurityToken", message["security"]!["signatures"]![0]!["keyReference"]!["kind"]!.GetValue<string>());
        Assert.Equal("application/gzip", message["messaging"]!["userMessages"]![0]!["parts"]![0]!["compressionType"]!.GetValue<string>());
    }

    [Fact]
    public void As4_inspect_exits_1_for_a_file_that_is_not_an_as4_message_and_2_for_a_missing_one()
    {
        using var temp = new TempFolder();
        var bad = Path.Combine(temp.Path, "bad.as4");
        File.WriteAllText(bad, "Content-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: application/soap+xml\r\n\r\n<cut");

        var (exit, output) = Cleiss("as4", "inspect", bad);
        var (jsonExit, json) = Cleiss("as4", "inspect", Path.Combine(HubRig.Samples, "valid", "A001-outbound-1.xml"), "--format", "json");
        var (missing, _) = Cleiss("as4", "inspect", Path.Combine(temp.Path, "nope.as4"));
        var (usage, _) = Cleiss("as4", "inspect", bad, "--format", "yaml");

        Assert.Equal(1, exit);
        Assert.Contains("AS4.MIME_TRUNCATED", output, StringComparison.Ordinal);
        Assert.Equal(1, jsonExit);
        Assert.Equal("AS4.NOT_SOAP_ENVELOPE", JsonNode.Parse(json)!["code"]!.GetValue<string>());
        Assert.Equal(2, missing);
        Assert.Equal(2, usage);
    }

    [CorpusFact]
    public void As4_verify_exits_0_for_a_valid_real_message_and_1_for_a_tampered_one()
    {
        const string Verify = "as4-samples/phase4/phase4-peppol-client/src/test/resources/external/verify/";

        var (exit, output) = Cleiss("as4", "verify", Corpus.File(Verify + "helger.as4in"));
        var (badExit, bad) = Cleiss("as4", "verify", Corpus.File(Verify + "dataport1.as4in"), "--format", "json");

        Assert.True(exit == 0, output);
        Assert.Contains("[Messaging] http://www.w3.org/2001/04/xmlenc#sha256: Valid", output, StringComparison.Ordinal);
        Assert.Contains("[Body] http://www.w3.org/2001/04/xmlenc#sha256: Valid", output, StringComparison.Ordinal);
        Assert.Contains("from message BinarySecurityToken #X509-fc1a249d-d325-4383-8bb6-46aaac371e5e", output, StringComparison.Ordinal);
        Assert.EndsWith("VALID\n", output.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(1, badExit);
        var verification = JsonNode.Parse(bad)!["verification"]!;
        Assert.Equal("AS4.DIGEST_MISMATCH", verification["code"]!.GetValue<string>());
        Assert.Equal("EBMS:0101", verification["ebmsErrorCode"]!.GetValue<string>());
        Assert.Equal("DigestMismatch", verification["references"]![0]!["status"]!.GetValue<string>());
    }

    [CorpusFact]
    public void As4_verify_takes_the_certificate_for_a_subject_key_identifier_from_cert()
    {
        var sample = Corpus.File("as4-samples/eessi-as4.net/source/Eu.EDelivery.AS4.IntegrationTests/Resources/8.1.21-message.xml");

        var (without, _) = Cleiss("as4", "verify", sample);
        var (with, output) = Cleiss("as4", "verify", sample, "--cert", Corpus.File("as4-samples/_converted/AccessPointB.crt.pem"));
        var (wrong, wrongOutput) = Cleiss("as4", "verify", sample, "--cert", Corpus.File("as4-samples/_converted/AccessPointA.crt.pem"));

        Assert.Equal(1, without);
        Assert.True(with == 0, output);
        Assert.Contains("CN=AccessPointB", output, StringComparison.Ordinal);
        Assert.Equal(1, wrong);
        Assert.Contains("AS4.SIGNATURE_INVALID (EBMS:0101)", wrongOutput, StringComparison.Ordinal);
    }

    [CorpusFact]
    public void As4_verify_decrypts_and_gunzips_with_the_recipients_key()
    {
        var sample = Corpus.File("as4-samples/eessi-as4.net/source/Eu.EDelivery.AS4.UnitTests/Resources/as4-encrypted-compressed-message.as4");

        var (exit, output) = Cleiss("as4", "verify", sample, "--key", Corpus.File("as4-samples/_converted/holodeck-partyC.key.pem"));
        var (wrong, wrongOutput) = Cleiss("as4", "verify", sample, "--key", Corpus.File("as4-samples/_converted/holodeck-partyA.key.pem"));

        Assert.Contains("decrypted <flower>: 290161 bytes (application/gzip), gunzipped 290403 bytes", output, StringComparison.Ordinal);
        Assert.Contains("decrypted <xmldoc>: 86 bytes (application/gzip), gunzipped 63 bytes", output, StringComparison.Ordinal);
        Assert.Equal(1, exit); // encrypted but not signed: refused all the same (S26)
        Assert.Contains("AS4.SIGNATURE_MISSING (EBMS:0103)", output, StringComparison.Ordinal);
        Assert.Equal(1, wrong);
        Assert.Contains("AS4.DECRYPTION_FAILED (EBMS:0102)", wrongOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void As4_verify_exits_1_for_an_unsigned_message_and_2_for_usage_or_io_errors()
    {
        using var temp = new TempFolder();
        var unsigned = Path.Combine(temp.Path, "unsigned.xml");
        File.WriteAllText(unsigned, """<S:Envelope xmlns:S="http://www.w3.org/2003/05/soap-envelope"><S:Header/><S:Body/></S:Envelope>""");
        var notPem = Path.Combine(temp.Path, "cert.pem");
        File.WriteAllText(notPem, "not a certificate");

        var (exit, output) = Cleiss("as4", "verify", unsigned);
        var (missing, _) = Cleiss("as4", "verify", Path.Combine(temp.Path, "nope.as4"));
        var (badCert, _) = Cleiss("as4", "verify", unsigned, "--cert", notPem);
        var (usage, _) = Cleiss("as4", "verify", unsigned, "--format", "yaml");

        Assert.Equal(1, exit);
        Assert.Contains("AS4.SIGNATURE_MISSING (EBMS:0103)", output, StringComparison.Ordinal);
        Assert.Equal(2, missing);
        Assert.Equal(2, badCert);
        Assert.Equal(2, usage);
    }
}

/// <summary>A fresh temporary folder, removed afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cleiss-it-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
