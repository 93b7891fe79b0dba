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
public sealed class HostileSignatureTests : IDisposable, IClassFixture<HostileSignatureTests.Keys>
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

    // ---------- S: signatures ----------

    [Fact]
    public async Task S01_the_signed_SED_moved_into_a_ds_Object_with_an_attacker_SED_in_its_place_is_refused()
    {
        var document = Signed();
        var signedSed = Sed(document);
        var signature = Ds(signedSed, "Signature");
        signedSed.RemoveChild(signature);
        var attackerSed = (XmlElement)signedSed.CloneNode(deep: true);
        First(attackerSed, "caseNumber").InnerText = "EVIL-0001";
        document.DocumentElement!.ReplaceChild(attackerSed, signedSed);
        var wrapper = NewDs(document, "Object");
        wrapper.AppendChild(signedSed);
        signature.AppendChild(wrapper);
        attackerSed.AppendChild(signature);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Fact]
    public async Task S01_an_unsigned_SED_smuggled_into_a_ds_Object_of_a_valid_signature_is_refused()
    {
        // The enveloped transform removes the whole ds:Signature, so whatever is added inside it is unsigned, yet the
        // signature still verifies: a second, attacker SED there travels with the document to the institution.
        var document = Signed();
        var smuggled = (XmlElement)Sed(document).CloneNode(deep: true);
        smuggled.RemoveChild(Ds(smuggled, "Signature"));
        First(smuggled, "caseNumber").InnerText = "EVIL-0001";
        var wrapper = NewDs(document, "Object");
        wrapper.AppendChild(smuggled);
        Ds(document, "Signature").AppendChild(wrapper);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Fact]
    public async Task S01_foreign_elements_smuggled_into_the_unsigned_KeyInfo_are_refused()
    {
        var document = Signed();
        var smuggled = (XmlElement)First(document, "LocalCaseNumbers").CloneNode(deep: true);
        First(smuggled, "caseNumber").InnerText = "EVIL-0001";
        Ds(document, "KeyInfo").AppendChild(smuggled);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Theory]
    [InlineData("Id")]
    [InlineData("ID")]
    [InlineData("id")]
    public async Task S02_a_reference_to_an_Id_that_two_elements_carry_is_refused(string attribute)
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) => signed.AddReference(ProfileReference("#sed")), beforeSigning: d => Sed(d).SetAttribute(attribute, "sed"));
        var duplicate = document.CreateElement("sed", "A001", "http://ec.europa.eu/eessi/ns/4_4/A001");
        duplicate.SetAttribute(attribute, "sed");
        First(document, "StandardBusinessDocumentHeader").AppendChild(duplicate);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Theory]
    [InlineData("Id", true)]
    [InlineData("ID", true)]
    [InlineData("wsu:Id", true)]
    [InlineData("Id", false)]
    [InlineData("ID", false)]
    [InlineData("wsu:Id", false)]
    public async Task S03_an_attacker_SED_beside_the_signed_one_never_becomes_the_node_processed(string attribute, bool before)
    {
        var document = Signed();
        var signedSed = Sed(document);
        var attackerSed = (XmlElement)signedSed.CloneNode(deep: true);
        attackerSed.RemoveChild(Ds(attackerSed, "Signature"));
        First(attackerSed, "caseNumber").InnerText = "EVIL-0001";
        if (attribute == "wsu:Id")
        {
            attackerSed.SetAttribute("Id", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd", "sed");
        }
        else
        {
            attackerSed.SetAttribute(attribute, "sed");
        }
        if (before)
        {
            document.DocumentElement!.InsertBefore(attackerSed, signedSed);
        }
        else
        {
            document.DocumentElement!.AppendChild(attackerSed);
        }

        // Before: the hub reads the first element after the header, whose last child is not the signature.
        // After: the reference covers the whole document, so the extra element breaks the digest.
        Assert.Equal(before ? ExchangeErrors.VerifyPolicyViolation : ExchangeErrors.VerifySignatureInvalid, await CodeAsync(document));
    }

    [Fact]
    public async Task S03_the_node_the_later_stages_read_is_the_node_that_was_verified()
    {
        var received = await ReceiveAsync(Bytes(Signed()));

        Assert.Null(received.Code);
        var sed = Sed(received.Context.Document!);
        // The SED every later stage reads (SbdhReader.SedElement on the context's tree) is the parent of the one
        // signature, as its last child, and that signature's reference is the whole document.
        var signature = Assert.Single(XmlWalk.Descendants(received.Context.Document!, "Signature", BusinessSignature.DsigNamespace));
        Assert.Same(sed, signature.ParentNode);
        Assert.Equal(string.Empty, Ds(signature, "Reference").GetAttribute("URI"));
        Assert.Equal(received.Context.Payload.ToArray(), received.Context.SignedPayload!.Value.ToArray());
    }

    [Theory]
    [InlineData("LocalCaseNumbers")] // only a part of the SED
    [InlineData("StandardBusinessDocumentHeader")] // only the header, the SED unsigned
    public async Task S04_a_valid_signature_over_only_a_part_of_the_document_is_refused(string signedPart)
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) =>
        {
            var reference = new Reference("#part") { DigestMethod = SignedXml.XmlDsigSHA256Url };
            reference.AddTransform(new XmlDsigExcC14NTransform());
            signed.AddReference(reference);
        }, beforeSigning: d => First(d, signedPart).SetAttribute("Id", "part"));
        var bytes = Bytes(document);
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("file")]
    public async Task S05_a_reference_to_an_external_URI_is_refused_without_any_fetch(string scheme)
    {
        using var listener = new Listener();
        var document = Signed();
        Ds(document, "Reference").SetAttribute("URI", scheme == "http" ? listener.Url : "file:///etc/passwd");

        var received = await ReceiveAsync(Bytes(document));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, received.Code);
        Assert.DoesNotContain("root:", received.Outcome.Error!.Detail, StringComparison.Ordinal);
        Assert.False(listener.Contacted());
    }

    [Theory]
    [InlineData("#a' or '1'='1")]
    [InlineData("#xpointer(/)")]
    [InlineData("#xpointer(id('sed'))")]
    [InlineData("#1sed")]
    [InlineData("#")]
    [InlineData(" ")]
    public async Task S06_a_non_NCName_fragment_reference_is_refused(string uri)
    {
        var document = Signed();
        Ds(document, "Reference").SetAttribute("URI", uri);
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Fact]
    public async Task S07_an_XSLT_transform_is_refused_and_its_stylesheet_never_runs()
    {
        using var listener = new Listener();
        var document = Signed();
        var stylesheet = $"<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"><xsl:template match=\"/\"><xsl:copy-of select=\"document('{listener.Url}')\"/></xsl:template></xsl:stylesheet>";
        var transforms = Ds(document, "Transforms");
        transforms.InsertAfter(Transform(document, SignedXml.XmlDsigXsltTransformUrl, stylesheet), transforms.FirstChild);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
        Assert.False(listener.Contacted());
    }

    public static TheoryData<string, string, bool> XPathTransforms => new()
    {
        // Algorithm, content, replaces the enveloped-signature transform (else added between the two)
        { SignedXml.XmlDsigXPathTransformUrl, "<XPath xmlns=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">not(ancestor-or-self::ds:Signature)</XPath>", true },
        { SignedXml.XmlDsigXPathTransformUrl, "<XPath xmlns=\"http://www.w3.org/2000/09/xmldsig#\">count(ancestor-or-self::*) &gt; 0</XPath>", false },
        { "http://www.w3.org/2002/06/xmldsig-filter2", "<dsig-xpath:XPath xmlns:dsig-xpath=\"http://www.w3.org/2002/06/xmldsig-filter2\" Filter=\"subtract\">//*[local-name()='A001']</dsig-xpath:XPath>", false },
    };

    [Theory]
    [MemberData(nameof(XPathTransforms))]
    public async Task S08_an_XPath_or_XPath_Filter_2_transform_is_refused(string algorithm, string content, bool replacesEnveloped)
    {
        var document = Signed();
        var transforms = Ds(document, "Transforms");
        var transform = Transform(document, algorithm, content);
        if (replacesEnveloped)
        {
            transforms.ReplaceChild(transform, transforms.FirstChild!);
        }
        else
        {
            transforms.InsertAfter(transform, transforms.FirstChild);
        }
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(31)]
    public async Task S09_more_than_one_reference_is_refused_even_when_all_of_them_verify(int references)
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) =>
        {
            for (var i = 0; i < references; i++)
            {
                signed.AddReference(ProfileReference());
            }
        });
        var bytes = Bytes(document);
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    public async Task S09_more_transforms_than_the_profile_s_two_are_refused_even_when_they_verify(int transforms)
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) =>
        {
            var reference = ProfileReference();
            for (var i = 2; i < transforms; i++)
            {
                reference.AddTransform(new XmlDsigExcC14NTransform());
            }
            signed.AddReference(reference);
        });
        var bytes = Bytes(document);
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData("header", 1)]
    [InlineData("sed", 40)]
    [InlineData("inside", 1)]
    public async Task S09_more_than_one_ds_Signature_anywhere_in_the_document_is_refused(string where, int extra)
    {
        var document = Signed();
        var signature = Ds(document, "Signature");
        for (var i = 0; i < extra; i++)
        {
            var copy = (XmlElement)signature.CloneNode(deep: true);
            switch (where)
            {
                case "header":
                    First(document, "StandardBusinessDocumentHeader").AppendChild(copy);
                    break;
                case "sed":
                    Sed(document).InsertBefore(copy, Sed(document).FirstChild);
                    break;
                default:
                    Ds(document, "KeyInfo").AppendChild(copy);
                    break;
            }
        }
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Fact]
    public async Task S10_a_comment_injected_into_a_signed_identity_value_keeps_the_signature_and_the_hub_reads_the_whole_value()
    {
        // Exclusive C14N without comments drops comments, so adding one after signing leaves the signature valid
        // (the SAML "comment truncation" attack). The hub must read the whole canonical text, never the first part.
        var document = Signed();
        var sender = XmlWalk.Descendants(document, "Identifier", SbdhReader.Namespace)[0];
        Assert.Equal("BE:ONSS00001", sender.InnerText);
        sender.RemoveAll();
        sender.SetAttribute("Authority", "urn:eu:europa:ec:dgempl:eessi:ir");
        sender.AppendChild(document.CreateTextNode("BE:ONSS"));
        sender.AppendChild(document.CreateComment(string.Empty));
        sender.AppendChild(document.CreateTextNode("00001"));
        var caseNumber = First(document, "caseNumber");
        caseNumber.InsertAfter(document.CreateComment("x"), caseNumber.FirstChild);
        var bytes = Bytes(document);
        Assert.Contains("BE:ONSS<!---->00001", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        var received = await ReceiveAsync(bytes);

        Assert.Null(received.Code);
        Assert.Equal("BE:ONSS00001", received.Context.Header!.Sender.InstitutionId);
        Assert.Equal("BE:AP0001", received.Context.Facts["accessPoint"]);
        Assert.Equal("ONSS-A16-2026-77501", First(received.Context.Document!, "caseNumber").InnerText);
    }

    public static TheoryData<string, bool> CanonicalizationMethods => new()
    {
        // SignedInfo canonicalization method, signed for real (else written after signing: .NET cannot sign with it)
        { SignedXml.XmlDsigExcC14NWithCommentsTransformUrl, true },
        { SignedXml.XmlDsigC14NTransformUrl, true },
        { SignedXml.XmlDsigC14NWithCommentsTransformUrl, true },
        { "http://www.w3.org/2006/12/xml-c14n11", false },
        { "urn:x-unknown-c14n", false },
    };

    [Theory]
    [MemberData(nameof(CanonicalizationMethods))]
    public async Task S11_a_canonicalization_method_outside_the_profile_is_refused(string method, bool signedForReal)
    {
        byte[] bytes;
        if (signedForReal)
        {
            bytes = Bytes(HostileSigned(_sender.PrivateKey, (_, signed) => signed.SignedInfo!.CanonicalizationMethod = method));
            Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));
        }
        else
        {
            var document = Signed();
            Ds(document, "CanonicalizationMethod").SetAttribute("Algorithm", method);
            bytes = Bytes(document);
        }
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Fact]
    public async Task S11_an_exclusive_C14N_with_comments_transform_is_refused_even_when_it_verifies()
    {
        var document = HostileSigned(_sender.PrivateKey, (_, signed) =>
        {
            var reference = new Reference(string.Empty) { DigestMethod = SignedXml.XmlDsigSHA256Url };
            reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
            reference.AddTransform(new XmlDsigExcC14NWithCommentsTransform());
            signed.AddReference(reference);
        });
        var bytes = Bytes(document);
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Fact]
    public async Task S12_a_bare_RSAKeyValue_of_the_attacker_s_key_in_KeyInfo_is_not_used()
    {
        var document = HostileSigned(_attacker.PrivateKey, (_, signed) =>
        {
            var keyInfo = new KeyInfo();
            keyInfo.AddClause(new RSAKeyValue((RSA)_attacker.PrivateKey));
            signed.KeyInfo = keyInfo;
        });
        var bytes = Bytes(document);
        Assert.Contains("RSAKeyValue", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.True(CryptographicallyValid(bytes, _attacker.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifySignatureInvalid, (await ReceiveAsync(bytes)).Code);
    }

    [Fact]
    public async Task S12_the_registered_certificate_named_in_KeyInfo_does_not_make_an_attacker_signature_valid()
    {
        var document = HostileSigned(_attacker.PrivateKey, (_, signed) =>
        {
            var keyInfo = new KeyInfo();
            keyInfo.AddClause(new KeyInfoX509Data(_sender.Certificate));
            signed.KeyInfo = keyInfo;
        });
        Assert.Equal(ExchangeErrors.VerifySignatureInvalid, await CodeAsync(document));
    }

    [Fact]
    public async Task S12_KeyInfo_is_a_hint_only_the_sender_s_valid_signature_with_the_attacker_s_certificate_in_KeyInfo_verifies_with_the_registered_one()
    {
        var document = Signed();
        var keyInfo = Ds(document, "KeyInfo");
        var replacement = new KeyInfo();
        replacement.AddClause(new KeyInfoX509Data(_attacker.Certificate));
        keyInfo.ParentNode!.ReplaceChild(document.ImportNode(replacement.GetXml(), deep: true), keyInfo);

        var received = await ReceiveAsync(Bytes(document));

        Assert.Null(received.Code);
        Assert.Equal(SigningKeyStore.KeyId(_sender.Certificate), received.Context.Facts["keyId"]);
    }

    [Theory]
    [InlineData("http://www.w3.org/2000/09/xmldsig#rsa-sha1")]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-sha384")]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#rsa-sha512")]
    public async Task S17_an_RSA_signature_method_outside_the_profile_is_refused_even_when_it_verifies(string method)
    {
        var bytes = Bytes(HostileSigned(_sender.PrivateKey, (_, signed) => signed.SignedInfo!.SignatureMethod = method));
        Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData(SignedXml.XmlDsigSHA1Url, true)]
    [InlineData(SignedXml.XmlDsigSHA512Url, true)]
    [InlineData("http://www.w3.org/2001/04/xmldsig-more#md5", false)]
    public async Task S17_a_digest_method_outside_the_profile_is_refused(string digest, bool signedForReal)
    {
        byte[] bytes;
        if (signedForReal)
        {
            bytes = Bytes(HostileSigned(_sender.PrivateKey, (_, signed) =>
            {
                var reference = ProfileReference();
                reference.DigestMethod = digest;
                signed.AddReference(reference);
            }));
            Assert.True(CryptographicallyValid(bytes, _sender.Certificate.GetRSAPublicKey()!));
        }
        else
        {
            var document = Signed();
            Ds(document, "DigestMethod").SetAttribute("Algorithm", digest);
            bytes = Bytes(document);
        }
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Fact]
    public void S17_an_RSA_1024_key_is_refused_even_when_the_signature_verifies_and_it_is_the_registered_one()
    {
        using var rsa = RSA.Create(1024);
        using var certificate = SelfSigned(rsa);
        var bytes = Bytes(HostileSigned(rsa, (_, _) => { }));
        Assert.True(CryptographicallyValid(bytes, rsa));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, Check(bytes, certificate));
    }

    [Fact]
    public void S17_a_P384_key_is_refused_even_when_the_signature_verifies_and_it_is_the_registered_one()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var certificate = SelfSigned(ec);
        var bytes = Bytes(HostileSigned(ec, (_, _) => { }));
        Assert.Contains(SignatureAlgorithms.EcdsaSha256, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.True(CryptographicallyValid(bytes, ec));

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, Check(bytes, certificate));
        var sha384 = Encoding.UTF8.GetString(bytes).Replace(SignatureAlgorithms.EcdsaSha256, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", StringComparison.Ordinal);
        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, Check(Encoding.UTF8.GetBytes(sha384), certificate));
    }

    [Fact]
    public async Task S17_a_DSA_signature_is_refused()
    {
        using var dsa = DSA.Create(2048);
        var bytes = Bytes(HostileSigned(dsa, (_, _) => { }));
        Assert.Contains("xmldsig#dsa-sha1", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, (await ReceiveAsync(bytes)).Code);
    }

    [Theory]
    [InlineData("sha1", "1")]
    [InlineData("sha1", null)]
    [InlineData("sha256", null)]
    public async Task S18_an_HMAC_signature_is_refused_whatever_its_output_length(string hash, string? outputLength)
    {
        // The HMAC key an attacker would pick: the registered certificate's public key bytes (key confusion).
        var secret = _sender.Certificate.GetPublicKey();
#pragma warning disable CA5350 // the weak algorithm is the hostile input under test
        using KeyedHashAlgorithm hmac = hash == "sha1" ? new HMACSHA1(secret) : new HMACSHA256(secret);
#pragma warning restore CA5350
        var document = HostileSigned(null, (_, _) => { }, hmac);
        if (outputLength is not null)
        {
            var length = NewDs(document, "HMACOutputLength");
            length.InnerText = outputLength;
            Ds(document, "SignatureMethod").AppendChild(length);
        }
        Assert.Contains("hmac-" + hash, document.OuterXml, StringComparison.Ordinal);

        Assert.Equal(ExchangeErrors.VerifyPolicyViolation, await CodeAsync(document));
    }

    [Fact]
    public async Task S13_a_document_signed_by_another_trusted_access_point_is_refused_as_impersonation()
    {
        // XX:EVIL0001 is a registered (trusted) partner too, but it does not serve the claimed sender BE:ONSS00001.
        File.Copy(SigningKeyStore.CertificatePath(Path.Combine(_keys.Path, "XX_EVIL0001")), Path.Combine(TrustStore.Folder(_hubData.Path), "evil.pem"));
        var document = Unsigned();
        BusinessSignature.Sign(document, Sed(document), _attacker);

        var received = await ReceiveAsync(Bytes(document));

        Assert.Equal(ExchangeErrors.VerifySignatureInvalid, received.Code);
    }

    [Fact]
    public async Task S13_an_institution_with_its_own_registered_certificate_is_bound_to_it_not_to_its_access_point()
    {
        var institution = Builders.Key(_keys, "BE:ONSS00001");
        File.Copy(SigningKeyStore.CertificatePath(Path.Combine(_keys.Path, "BE_ONSS00001")), Path.Combine(TrustStore.Folder(_hubData.Path), "onss.pem"));
        var byInstitution = Unsigned();
        BusinessSignature.Sign(byInstitution, Sed(byInstitution), institution);

        var own = await ReceiveAsync(Bytes(byInstitution));
        var viaAccessPoint = await ReceiveAsync(Bytes(Signed()));

        Assert.Null(own.Code);
        Assert.Equal(institution.KeyId, own.Context.Facts["keyId"]);
        Assert.Equal(ExchangeErrors.VerifySignatureInvalid, viaAccessPoint.Code);
    }

    [Fact]
    public async Task During_a_rotation_both_registered_certificates_verify_and_the_audit_names_the_one_used()
    {
        var rotated = new SigningKeyStore(Builders.Hub(Path.Combine(_keys.Path, "rotation"), "BE:AP0001"), TimeProvider.System, NullLogger<SigningKeyStore>.Instance).Generate("BE:AP0001");
        File.WriteAllText(Path.Combine(TrustStore.Folder(_hubData.Path), "be-next.pem"), rotated.Certificate.ExportCertificatePem());
        var withNew = Unsigned();
        BusinessSignature.Sign(withNew, Sed(withNew), rotated);

        var old = await ReceiveAsync(Bytes(Signed()));
        var current = await ReceiveAsync(Bytes(withNew));

        Assert.NotEqual(rotated.KeyId, _sender.KeyId);
        Assert.Null(old.Code);
        Assert.Equal(_sender.KeyId, old.Context.Facts["keyId"]);
        Assert.Null(current.Code);
        Assert.Equal(rotated.KeyId, current.Context.Facts["keyId"]);
    }
}
