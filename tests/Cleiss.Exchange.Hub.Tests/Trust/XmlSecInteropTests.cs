using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>
/// An independent XML-DSig implementation (xmlsec1, libxmlsec1 on OpenSSL) agrees with the hub's
/// business signatures in both directions, for RSA-2048 and ECDSA P-256. <c>./test.sh</c> installs xmlsec1.
/// </summary>
public sealed class XmlSecInteropTests : IDisposable
{
    private const string SampleFile = "valid/A001-outbound-1.xml";

    // A business value inside the SED: the insured person's date of birth. The tamper changes its last digit.
    private const string BusinessValue = "<dateBirth>1988-04-17</dateBirth>";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Algorithms() => ["rsa-2048", "ecdsa-p256"];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Xmlsec1_verifies_a_document_signed_by_the_hub(string algorithm)
    {
        var key = NewKey(algorithm);
        var signed = HubSigned(key);

        var result = XmlSec1("--verify", "--trusted-pem", key.CertPem, signed);

        Assert.True(result.Exit == 0, result.Output);
        Assert.Contains("OK", Lines(result.Output));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void A_changed_byte_in_a_hub_signed_document_fails_in_xmlsec1_and_in_the_hub(string algorithm)
    {
        var key = NewKey(algorithm);
        var signed = HubSigned(key);
        var tampered = ChangeOneByte(signed);

        var result = XmlSec1("--verify", "--trusted-pem", key.CertPem, tampered);

        Assert.True(result.Exit == 1, $"exit {result.Exit}: {result.Output}");
        Assert.Contains("FAIL", Lines(result.Output));
        Assert.Equal("VERIFY.SIGNATURE_INVALID", HubVerify(tampered, key.Credentials.Certificate).Code);
    }

    [Theory]
    [InlineData("rsa-2048", "rsa-sha256")]
    [InlineData("ecdsa-p256", "ecdsa-p256-sha256")]
    public void The_hub_verifies_a_document_signed_by_xmlsec1(string algorithm, string reported)
    {
        var key = NewKey(algorithm);
        var signed = XmlSecSigned(key);

        var check = HubVerify(signed, key.Credentials.Certificate);

        Assert.True(check.IsValid, $"{check.Code}: {check.Detail}");
        Assert.Equal(reported, check.Algorithm);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void A_changed_byte_in_an_xmlsec1_signed_document_fails_in_the_hub(string algorithm)
    {
        var key = NewKey(algorithm);
        var tampered = ChangeOneByte(XmlSecSigned(key));

        var check = HubVerify(tampered, key.Credentials.Certificate);

        Assert.Equal("VERIFY.SIGNATURE_INVALID", check.Code);
    }

    private sealed record Key(SigningCredentials Credentials, string KeyPem, string CertPem);

    /// <summary>A self-signed certificate (digitalSignature) and its key, written as PEM for xmlsec1.</summary>
    private Key NewKey(string algorithm)
    {
        using AsymmetricAlgorithm key = algorithm switch
        {
            "rsa-2048" => RSA.Create(2048),
            "ecdsa-p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        var request = key switch
        {
            RSA rsa => new CertificateRequest("CN=FR:AP0001, O=Cleiss.Exchange interop", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest("CN=FR:AP0001, O=Cleiss.Exchange interop", ec, HashAlgorithmName.SHA256),
            _ => throw new InvalidOperationException(),
        };
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // One file name per key: a second key never overwrites the first.
        var id = SigningKeyStore.KeyId(certificate)[..16];
        var keyPem = Path.Combine(_folder.Path, $"{algorithm}-{id}.key.pem");
        var certPem = Path.Combine(_folder.Path, $"{algorithm}-{id}.crt.pem");
        File.WriteAllText(keyPem, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPem, certificate.ExportCertificatePem());
        return new Key(new SigningCredentials(certificate, SigningKeyStore.KeyId(certificate)), keyPem, certPem);
    }

    private static XmlDocument Load(byte[] bytes) => HardenedXml.TryLoad(bytes, new Configuration.IntakeOptions(), "test", out _)!;

    /// <summary>The sample signed by the hub as the sign stage does it (signature spliced into the stored bytes), written to a file.</summary>
    private string HubSigned(Key key)
    {
        var stored = Builders.Sample(SampleFile);
        var document = Load(stored);
        var signed = BusinessSignature.SignBytes(stored, document, SbdhReader.SedElement(document)!, key.Credentials, out _);
        var path = Path.Combine(_folder.Path, "hub-signed.xml");
        File.WriteAllBytes(path, signed);
        return path;
    }

    /// <summary>The sample signed by xmlsec1 from a template: an empty ds:Signature appended as the last child of the SED element.</summary>
    private string XmlSecSigned(Key key)
    {
        var document = Load(Builders.Sample(SampleFile));
        var sed = SbdhReader.SedElement(document)!;
        var method = key.Credentials.SignatureMethod;

        XmlElement Ds(XmlElement parent, string name, string? algorithm = null)
        {
            var element = document.CreateElement("ds", name, BusinessSignature.DsigNamespace);
            if (algorithm is not null)
            {
                element.SetAttribute("Algorithm", algorithm);
            }
            parent.AppendChild(element);
            return element;
        }

        var signature = document.CreateElement("ds", "Signature", BusinessSignature.DsigNamespace);
        var info = Ds(signature, "SignedInfo");
        Ds(info, "CanonicalizationMethod", "http://www.w3.org/2001/10/xml-exc-c14n#");
        Ds(info, "SignatureMethod", method);
        var reference = Ds(info, "Reference");
        reference.SetAttribute("URI", string.Empty);
        var transforms = Ds(reference, "Transforms");
        Ds(transforms, "Transform", "http://www.w3.org/2000/09/xmldsig#enveloped-signature");
        Ds(transforms, "Transform", "http://www.w3.org/2001/10/xml-exc-c14n#");
        Ds(reference, "DigestMethod", "http://www.w3.org/2001/04/xmlenc#sha256");
        Ds(reference, "DigestValue");
        Ds(signature, "SignatureValue");
        Ds(Ds(signature, "KeyInfo"), "X509Data");
        sed.AppendChild(signature);

        var template = Path.Combine(_folder.Path, "template.xml");
        var signed = Path.Combine(_folder.Path, "xmlsec1-signed.xml");
        File.WriteAllBytes(template, Encoding.UTF8.GetBytes(document.OuterXml));

        var result = XmlSec1("--sign", "--privkey-pem", $"{key.KeyPem},{key.CertPem}", "--output", signed, template);

        Assert.True(result.Exit == 0, $"xmlsec1 --sign exit {result.Exit}: {result.Output}");
        // xmlsec1 filled the template: the certificate in X509Data, and a signature value of the XML-DSig size:
        // 256 bytes for RSA-2048, 64 for ECDSA P-256 (r||s, not DER).
        var output = Load(File.ReadAllBytes(signed));
        var filled = (XmlElement)SbdhReader.SedElement(output)!.LastChild!;
        Assert.Equal(method, filled["SignedInfo", BusinessSignature.DsigNamespace]!["SignatureMethod", BusinessSignature.DsigNamespace]!.GetAttribute("Algorithm"));
        Assert.NotEmpty(filled["KeyInfo", BusinessSignature.DsigNamespace]!["X509Data", BusinessSignature.DsigNamespace]!["X509Certificate", BusinessSignature.DsigNamespace]!.InnerText.Trim());
        var value = Convert.FromBase64String(filled["SignatureValue", BusinessSignature.DsigNamespace]!.InnerText);
        Assert.Equal(method == SignatureAlgorithms.RsaSha256 ? 256 : 64, value.Length);
        return signed;
    }

    /// <summary>A copy of the file with the last digit of the date of birth changed (one byte).</summary>
    private string ChangeOneByte(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var marker = Encoding.UTF8.GetBytes(BusinessValue);
        var at = bytes.AsSpan().IndexOf(marker);
        Assert.True(at >= 0, $"{BusinessValue} not found in {path}");
        Assert.Equal(-1, bytes.AsSpan(at + 1).IndexOf(marker));
        var digit = at + BusinessValue.IndexOf("17<", StringComparison.Ordinal) + 1;
        Assert.Equal((byte)'7', bytes[digit]);
        bytes[digit] = (byte)'8';

        var tampered = Path.Combine(_folder.Path, "tampered-" + Path.GetFileName(path));
        File.WriteAllBytes(tampered, bytes);
        return tampered;
    }

    private static SignatureCheck HubVerify(string path, X509Certificate2 trusted)
    {
        var document = Load(File.ReadAllBytes(path));
        return BusinessSignature.Verify(document, SbdhReader.SedElement(document)!, trusted);
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Runs xmlsec1 with an argument list, bounded by <see cref="Timeout"/>; stdout and stderr together.</summary>
    private static (int Exit, string Output) XmlSec1(params string[] arguments)
    {
        var start = new ProcessStartInfo("xmlsec1", arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"xmlsec1 could not be started ({e.Message}); ./test.sh installs it (Debian package xmlsec1).");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Assert.Fail($"xmlsec1 {string.Join(' ', arguments)} did not finish in {Timeout.TotalSeconds} s and was killed.");
            }
            process.WaitForExit();
            return (process.ExitCode, stderr.Result + stdout.Result);
        }
    }
}
