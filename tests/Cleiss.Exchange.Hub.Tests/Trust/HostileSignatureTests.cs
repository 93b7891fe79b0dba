using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Stages.Verification;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>
/// The hostile inputs of ../shared/security/HOSTILE-INPUTS.md that apply to business signatures, one test (or
/// row) per case id, through the inbound pipeline (receive, then verify) unless a certificate outside the profile
/// has to be registered. Hostile variants are built on the DOM of a validly signed inbound document; those outside
/// the profile are signed for real with SignedXml, and where .NET would accept them the test first shows that they
/// verify cryptographically, so only the profile stands between them and acceptance.
/// See docs/security/business-signature-hostile-inputs.md for the mapping of every case.
/// </summary>
public sealed partial class HostileSignatureTests : IDisposable, IClassFixture<HostileSignatureTests.Keys>
{
    private const string Sample = "valid/A001-inbound-1.xml";
    private const string CaseId = "BE-2026-LA01-004512";

    private readonly TempDirectory _keys;
    private readonly TempDirectory _hubData = new();
    private readonly SigningCredentials _sender; // BE:AP0001 serves BE:ONSS00001, the sample's sender
    private readonly SigningCredentials _attacker;

    public HostileSignatureTests(Keys keys)
    {
        (_keys, _sender, _attacker) = (keys.Folder, keys.Sender, keys.Attacker);
        Directory.CreateDirectory(TrustStore.Folder(_hubData.Path));
        File.Copy(SigningKeyStore.CertificatePath(Path.Combine(_keys.Path, "BE_AP0001")), Path.Combine(TrustStore.Folder(_hubData.Path), "be.pem"));
    }

    public void Dispose() => _hubData.Dispose();

    /// <summary>The keys, made once for the class (RSA key generation is most of the cost of these tests).</summary>
    public sealed class Keys : IDisposable
    {
        internal TempDirectory Folder { get; } = new();

        public SigningCredentials Sender { get; }

        public SigningCredentials Attacker { get; }

        public Keys()
        {
            Sender = Builders.Key(Folder, "BE:AP0001");
            Attacker = Builders.Key(Folder, "XX:EVIL0001");
        }

        public void Dispose() => Folder.Dispose();
    }

    // ---------- helpers ----------

    private static XmlDocument Load(byte[] bytes) => HardenedXml.TryLoad(bytes, new IntakeOptions(), "test", out _)!;

    private static XmlElement Sed(XmlDocument document) => SbdhReader.SedElement(document)!;

    private static byte[] Bytes(XmlDocument document) => Encoding.UTF8.GetBytes(document.OuterXml);

    private static XmlElement Ds(XmlNode root, string localName) => XmlWalk.Descendants(root, localName, BusinessSignature.DsigNamespace)[0];

    private static XmlElement First(XmlNode root, string localName) => XmlWalk.Descendants(root, localName)[0];

    private static XmlDocument Unsigned() => Load(Builders.Sample(Sample));

    /// <summary>The sample signed in the profile by the sender's registered access point.</summary>
    private XmlDocument Signed(Action<XmlDocument>? beforeSigning = null)
    {
        var document = Unsigned();
        beforeSigning?.Invoke(document);
        BusinessSignature.Sign(document, Sed(document), _sender);
        return document;
    }

    private static Reference ProfileReference(string uri = "")
    {
        var reference = new Reference(uri) { DigestMethod = SignedXml.XmlDsigSHA256Url };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform());
        return reference;
    }

    /// <summary>
    /// A real signature made with SignedXml directly, shaped by <paramref name="shape"/> (profile defaults otherwise),
    /// appended as the last child of the SED: what a hostile or careless partner would send.
    /// </summary>
    private static XmlDocument HostileSigned(AsymmetricAlgorithm? key, Action<XmlDocument, SignedXml> shape, KeyedHashAlgorithm? hmac = null, Action<XmlDocument>? beforeSigning = null)
    {
        SignedXmlEcdsa.EnsureRegistered();
        var document = Unsigned();
        beforeSigning?.Invoke(document);
        var signed = new SignedXml(document) { SigningKey = key };
        signed.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signed.SignedInfo.SignatureMethod = key switch
        {
            ECDsa => SignatureAlgorithms.EcdsaSha256,
            RSA => SignatureAlgorithms.RsaSha256,
            _ => null, // DSA and HMAC: SignedXml picks the method from the key
        };
        shape(document, signed);
        if (signed.SignedInfo.References.Count == 0)
        {
            signed.AddReference(ProfileReference());
        }
        if (hmac is null)
        {
            signed.ComputeSignature();
        }
        else
        {
            signed.ComputeSignature(hmac);
        }
        Sed(document).AppendChild(document.ImportNode(signed.GetXml(), deep: true));
        return document;
    }

    /// <summary>What plain SignedXml says about the bytes with this key: true means only the profile refuses them.</summary>
    private static bool CryptographicallyValid(byte[] bytes, AsymmetricAlgorithm publicKey)
    {
        SignedXmlEcdsa.EnsureRegistered();
        var document = Load(bytes);
        var signed = new SignedXml(document);
        signed.LoadXml(Ds(document, "Signature"));
        return signed.CheckSignature(publicKey);
    }

    private static X509Certificate2 SelfSigned(AsymmetricAlgorithm key, string cn = "CN=BE:AP0001")
    {
        var request = key switch
        {
            RSA rsa => new CertificateRequest(cn, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest(cn, ec, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("RSA or ECDSA", nameof(key)),
        };
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private sealed record Received(StageOutcome Outcome, ExchangeContext Context, bool Verified)
    {
        public string? Code => Outcome.Kind == StageOutcomeKind.Continue ? null : Outcome.Error!.Code;
    }

    /// <summary>The inbound intake as the hub runs it: receive (IngestStage, inbound), then verify.</summary>
    private async Task<Received> ReceiveAsync(byte[] bytes)
    {
        var context = new ExchangeContext(Guid.NewGuid(), Direction.Inbound, bytes);
        var outcome = await new IngestStage(Direction.Inbound, Builders.Limits()).ExecuteAsync(context, CancellationToken.None);
        if (outcome.Kind != StageOutcomeKind.Continue)
        {
            return new Received(outcome, context, Verified: false);
        }
        var hub = Builders.Hub(_hubData.Path);
        var trust = new TrustStore(hub, NullLogger<TrustStore>.Instance);
        using var certificates = new CertificateValidator(hub, Options.Create(new TrustOptions()), TimeProvider.System, NullLogger<CertificateValidator>.Instance);
        outcome = await new VerificationStage(Builders.Directory, trust, certificates, TimeProvider.System).ExecuteAsync(context, CancellationToken.None);
        return new Received(outcome, context, Verified: true);
    }

    private async Task<string?> CodeAsync(XmlDocument document) => (await ReceiveAsync(Bytes(document))).Code;

    /// <summary>For certificates the trust store cannot hold in this test: parse as ingest does, verify against <paramref name="trusted"/>.</summary>
    private static string? Check(byte[] bytes, X509Certificate2 trusted)
    {
        var document = Load(bytes);
        return BusinessSignature.Verify(document, Sed(document), trusted).Code;
    }

    /// <summary>A loopback listener that is never accepted from: any fetch attempt shows up as a pending connection.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public Listener() => _listener.Start();

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/evil";

        public bool Contacted()
        {
            Thread.Sleep(100);
            return _listener.Pending();
        }

        public void Dispose() => _listener.Dispose();
    }

    private static XmlElement NewDs(XmlDocument document, string localName) => document.CreateElement(localName, BusinessSignature.DsigNamespace);

    private static XmlElement Transform(XmlDocument document, string algorithm, string innerXml = "")
    {
        var transform = NewDs(document, "Transform");
        transform.SetAttribute("Algorithm", algorithm);
        transform.InnerXml = innerXml;
        return transform;
    }

    // ---------- controls: the pipeline accepts the untouched document and the listener does see a connection ----------

    [Fact]
    public async Task Control_a_validly_signed_inbound_document_passes_receive_and_verify()
    {
        var received = await ReceiveAsync(Bytes(Signed()));
        Assert.Null(received.Code);
        Assert.True(received.Verified);
        Assert.Equal("BE:AP0001", received.Context.Facts["accessPoint"]);
    }

    [Fact]
    public void Control_the_listener_counts_a_connection_so_the_no_fetch_assertions_can_fail()
    {
        using var listener = new Listener();
        using var client = new TcpClient();
        client.Connect(new Uri(listener.Url).Host, new Uri(listener.Url).Port);
        Assert.True(listener.Contacted());
    }

    [Fact]
    public async Task Control_exclusive_C14N_with_an_InclusiveNamespaces_prefix_list_is_still_in_the_profile()
    {
        // The one non-DSig element a signature may hold (ec:InclusiveNamespaces, as Santuario-based signers write it).
        var document = HostileSigned(_sender.PrivateKey, (_, signed) =>
        {
            var reference = new Reference(string.Empty) { DigestMethod = SignedXml.XmlDsigSHA256Url };
            reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
            reference.AddTransform(new XmlDsigExcC14NTransform("sbdh sed"));
            signed.AddReference(reference);
        });
        Assert.Contains("InclusiveNamespaces", document.OuterXml, StringComparison.Ordinal);
        Assert.Null(await CodeAsync(document));
    }

    // ---------- P: XML parsing, on a signed inbound document ----------

    private static byte[] WithDoctype(XmlDocument signed, string doctype, string? valueReplacement = null)
    {
        var xml = signed.OuterXml;
        var end = xml.IndexOf("?>", StringComparison.Ordinal) + 2;
        Assert.True(end > 2);
        xml = string.Concat(xml.AsSpan(0, end), doctype, xml.AsSpan(end));
        if (valueReplacement is not null)
        {
            Assert.Contains(CaseId, xml, StringComparison.Ordinal);
            xml = xml.Replace(CaseId, valueReplacement, StringComparison.Ordinal);
        }
        return Encoding.UTF8.GetBytes(xml);
    }

    private static void AssertRefusedAtReceive(Received received, string code)
    {
        Assert.Equal(code, received.Code);
        Assert.False(received.Verified); // refused by receive: no signature work at all
        Assert.Null(received.Context.Document);
    }

    [Fact]
    public async Task P01_a_doctype_in_a_signed_document_is_refused_at_receive_before_any_signature_work()
    {
        var received = await ReceiveAsync(WithDoctype(Signed(), "<!DOCTYPE sbdh:StandardBusinessDocument>"));
        AssertRefusedAtReceive(received, ExchangeErrors.IngestDtdProhibited);
    }

    [Fact]
    public async Task P02_an_external_file_entity_in_a_signed_value_is_refused_and_never_echoed()
    {
        var secret = Path.Combine(_hubData.Path, "secret.txt");
        await File.WriteAllTextAsync(secret, "TOP-SECRET-CONTENT");
        var received = await ReceiveAsync(WithDoctype(Signed(), $"<!DOCTYPE x [<!ENTITY x SYSTEM \"file://{secret}\">]>", "&x;"));

        AssertRefusedAtReceive(received, ExchangeErrors.IngestDtdProhibited);
        Assert.DoesNotContain("TOP-SECRET", received.Outcome.Error!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task P03_an_external_parameter_entity_is_refused_with_zero_outbound_connections()
    {
        using var listener = new Listener();
        var received = await ReceiveAsync(WithDoctype(Signed(), $"<!DOCTYPE x [<!ENTITY % dtd SYSTEM \"{listener.Url}\"> %dtd;]>"));

        AssertRefusedAtReceive(received, ExchangeErrors.IngestDtdProhibited);
        Assert.False(listener.Contacted());
    }

    [Fact]
    public async Task P04_billion_laughs_in_a_signed_value_is_refused_within_a_few_MB()
    {
        var entities = new StringBuilder("<!DOCTYPE x [<!ENTITY lol0 \"lol\">");
        for (var i = 1; i < 10; i++)
        {
            entities.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">");
        }
        entities.Append("]>");
        var bytes = WithDoctype(Signed(), entities.ToString(), "&lol9;");
        await ReceiveAsync(Bytes(Signed())); // warm up: time the refusal, not the JIT

        // No timing assertion (machines are noisy): the allocation bound shows that nothing was expanded
        // (10^9 characters if it were).
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var received = await ReceiveAsync(bytes);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        AssertRefusedAtReceive(received, ExchangeErrors.IngestDtdProhibited);
        Assert.True(allocated < 4 * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public async Task P05_quadratic_blowup_in_a_signed_value_is_refused_as_a_DTD()
    {
        var doctype = $"<!DOCTYPE x [<!ENTITY a \"{new string('a', 100_000)}\">]>";
        var received = await ReceiveAsync(WithDoctype(Signed(), doctype, string.Concat(Enumerable.Repeat("&a;", 100_000))));
        AssertRefusedAtReceive(received, ExchangeErrors.IngestDtdProhibited);
    }

    [Fact]
    public async Task P06_recursive_entities_in_a_signed_value_are_refused_as_a_DTD()
    {
        var received = await ReceiveAsync(WithDoctype(Signed(), "<!DOCTYPE x [<!ENTITY a \"&b;\"><!ENTITY b \"&a;\">]>", "&a;"));
        AssertRefusedAtReceive(received, ExchangeErrors.IngestDtdProhibited);
    }

    [Fact]
    public async Task P07_an_XInclude_in_a_signed_document_is_never_processed_and_adding_one_breaks_the_signature()
    {
        using var listener = new Listener();
        void AddInclude(XmlDocument document)
        {
            var include = document.CreateElement("xi", "include", "http://www.w3.org/2001/XInclude");
            include.SetAttribute("href", listener.Url);
            First(document, "caseNumber").AppendChild(include);
        }

        // Signed with the include in place: the signature covers it as an element; nothing is fetched (the XSD refuses it later).
        Assert.Null(await CodeAsync(Signed(AddInclude)));
        // Added after signing: the whole document is covered, so the signature breaks.
        var tampered = Signed();
        AddInclude(tampered);
        Assert.Equal(ExchangeErrors.VerifySignatureInvalid, await CodeAsync(tampered));
        Assert.False(listener.Contacted());
    }

    [Fact]
    public async Task P08_a_schemaLocation_in_a_signed_document_is_not_fetched()
    {
        using var listener = new Listener();
        var document = Signed(d =>
        {
            var location = d.CreateAttribute("xsi", "schemaLocation", "http://www.w3.org/2001/XMLSchema-instance");
            location.Value = $"http://ec.europa.eu/eessi/ns/4_4/A001 {listener.Url}";
            Sed(d).SetAttributeNode(location);
        });
        Assert.Null(await CodeAsync(document));
        Assert.False(listener.Contacted());
    }

    [Fact]
    public async Task P09_deep_nesting_in_a_signed_document_is_refused_at_receive_before_the_recursive_C14N()
    {
        // Nested after signing (SignedXml itself refuses to canonicalize this deep): receive must stop it first.
        var document = Signed();
        XmlNode at = First(document, "caseNumber");
        for (var i = 0; i < 10_000; i++)
        {
            at = at.AppendChild(document.CreateElement("n"))!;
        }
        AssertRefusedAtReceive(await ReceiveAsync(Bytes(document)), ExchangeErrors.IngestLimitExceeded);
    }

    public static TheoryData<string, string> IllegalCharacters => new()
    {
        { "&#0;", ExchangeErrors.IngestMalformedXml },
        { "&#xFFFE;", ExchangeErrors.IngestMalformedXml },
        { "&#xD800;", ExchangeErrors.IngestMalformedXml },
        { "\u0001", ExchangeErrors.IngestMalformedXml }, // a raw control byte
        { "\u001B", ExchangeErrors.IngestMalformedXml },
    };

    [Theory]
    [MemberData(nameof(IllegalCharacters))]
    public async Task P14_an_illegal_character_in_a_signed_value_is_refused_at_receive(string character, string code)
    {
        var xml = Signed().OuterXml;
        Assert.Contains(CaseId, xml, StringComparison.Ordinal);
        var received = await ReceiveAsync(Encoding.UTF8.GetBytes(xml.Replace(CaseId, "BE-2026-" + character + "LA01-004512", StringComparison.Ordinal)));
        AssertRefusedAtReceive(received, code);
    }

    [Fact]
    public async Task P14_a_raw_lone_surrogate_in_a_signed_value_is_refused_as_not_UTF8()
    {
        var xml = Encoding.UTF8.GetBytes(Signed().OuterXml);
        var at = Encoding.UTF8.GetString(xml).IndexOf(CaseId, StringComparison.Ordinal); // ASCII before it: byte index == char index
        Assert.True(at > 0);
        byte[] bytes = [.. xml.AsSpan(0, at), 0xED, 0xA0, 0x80, .. xml.AsSpan(at)];
        AssertRefusedAtReceive(await ReceiveAsync(bytes), ExchangeErrors.IngestNotUtf8);
    }

    [Theory]
    [InlineData("junk")]
    [InlineData("second-root")]
    [InlineData("twice")]
    [InlineData("truncated")]
    public async Task P16_a_signed_document_that_is_not_well_formed_is_refused_at_receive(string variant)
    {
        var xml = Signed().OuterXml;
        var hostile = variant switch
        {
            "junk" => "junk" + xml,
            "second-root" => xml + "<sed:A001 xmlns:sed=\"http://ec.europa.eu/eessi/ns/4_4/A001\"/>",
            "twice" => xml + xml,
            _ => xml[..(xml.Length / 2)],
        };
        AssertRefusedAtReceive(await ReceiveAsync(Encoding.UTF8.GetBytes(hostile)), ExchangeErrors.IngestMalformedXml);
    }

    [Fact]
    public async Task P17_a_processing_instruction_inside_a_signed_value_is_ignored_and_the_value_is_read_whole()
    {
        using var listener = new Listener();
        var xml = Signed().OuterXml;
        Assert.Contains(CaseId, xml, StringComparison.Ordinal);
        var hostile = xml.Replace(CaseId, $"BE-2026-<?xml-stylesheet type=\"text/xsl\" href=\"{listener.Url}\"?>LA01-004512", StringComparison.Ordinal);

        var received = await ReceiveAsync(Encoding.UTF8.GetBytes(hostile));

        // PIs are dropped while parsing, so the tree verified is the tree signed (C14N keeps PIs: one kept would break it).
        Assert.Null(received.Code);
        Assert.Equal(CaseId, received.Context.Header!.CaseId);
        Assert.False(HasProcessingInstruction(received.Context.Document!));
        Assert.False(listener.Contacted());
    }

    private static bool HasProcessingInstruction(XmlDocument document)
    {
        for (var node = XmlWalk.Next(document, document); node is not null; node = XmlWalk.Next(node, document))
        {
            if (node is XmlProcessingInstruction)
            {
                return true;
            }
        }
        return false;
    }

    [Fact]
    public async Task P18_CDATA_in_a_signed_value_is_text_and_a_split_CDATA_with_markup_never_becomes_markup()
    {
        const string tricky = "Vermeulen]]><evil/>";
        var document = Signed(d => First(d, "familyName").InnerText = tricky);
        var family = First(document, "familyName");
        family.RemoveAll();
        // The same text rewritten as CDATA sections around the ']]>' (no re-signing): canonically identical.
        family.AppendChild(document.CreateCDataSection("Vermeulen]]"));
        family.AppendChild(document.CreateCDataSection("><evil/>"));
        var scopeId = XmlWalk.Descendants(document, "InstanceIdentifier", SbdhReader.Namespace)[1]; // [0] is the document's
        Assert.Equal(CaseId, scopeId.InnerText);
        scopeId.RemoveAll();
        scopeId.AppendChild(document.CreateTextNode("BE-2026-"));
        scopeId.AppendChild(document.CreateCDataSection("LA01"));
        scopeId.AppendChild(document.CreateTextNode("-004512"));
        var bytes = Bytes(document);
        Assert.Contains("<![CDATA[><evil/>]]>", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        var received = await ReceiveAsync(bytes);

        Assert.Null(received.Code);
        Assert.Equal(CaseId, received.Context.Header!.CaseId);
        Assert.Equal(tricky, First(received.Context.Document!, "familyName").InnerText);
        Assert.Empty(XmlWalk.Descendants(received.Context.Document!, "evil"));
    }
}
