using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>The hub's exclusive C14N is byte-for-byte SignedXml's (the reference) on every shipped sample and on namespace and escaping edge cases.</summary>
public sealed class ExclusiveCanonicalizerTests
{
    private static XmlDocument Load(string xml) => Load(Encoding.UTF8.GetBytes(xml));

    private static XmlDocument Load(byte[] bytes) => HardenedXml.TryLoad(bytes, new IntakeOptions(), "test", out var error) ?? throw new InvalidOperationException(error!.Detail);

    private static string Reference(XmlDocument document)
    {
        var transform = new XmlDsigExcC14NTransform();
        transform.LoadInput(document);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        return new StreamReader(output, Encoding.UTF8).ReadToEnd();
    }

    private static void AssertSame(XmlDocument document)
    {
        var expected = Reference(document);
        Assert.Equal(expected, ExclusiveCanonicalizer.Text(document));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), ExclusiveCanonicalizer.Sha256(document));
    }

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Builders.Samples, "*.xml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Builders.Samples, file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_shipped_sample_canonicalises_as_SignedXml_does(string sample)
    {
        var bytes = Builders.Sample(sample);
        if (HardenedXml.TryLoad(bytes, new IntakeOptions(), "test", out _) is { } document)
        {
            AssertSame(document);
        }
    }

    [Theory]
    [InlineData("<a xmlns='urn:x'><b xmlns=''><c/></b></a>")] // undeclaring the default namespace
    [InlineData("<a xmlns='urn:x'><b xmlns='urn:x'/><c xmlns='urn:y'/></a>")] // redundant and changed defaults
    [InlineData("<p:a xmlns:p='urn:p' xmlns:q='urn:q' xmlns:unused='urn:u'><q:b/><b p:x='1' q:y='2' x='3'/></p:a>")] // visibly utilised only
    [InlineData("<p:a xmlns:p='urn:p'><p:b xmlns:p='urn:other'><p:c/></p:b></p:a>")] // a prefix rebound
    [InlineData("<a z='1' b='2' xmlns:n='urn:n' n:a='3' xmlns:m='urn:m' m:z='4'/>")] // attribute order: namespace URI, then local name
    [InlineData("<a xml:lang='fr' xml:space='preserve'><b/></a>")] // xml: attributes, never inherited, never declared
    [InlineData("<a t='&amp;&lt;&gt;&quot;&#9;&#10;&#13;'>&amp;&lt;&gt;&#13;\"'</a>")] // escaping in attributes and text
    [InlineData("<a><![CDATA[<b>&]]]]><![CDATA[>]]></a>")] // CDATA becomes escaped text
    [InlineData("<a><!--gone-->x<!--gone--></a>")] // comments removed
    [InlineData("<?xml version='1.0' encoding='UTF-8'?>\n<!--before-->\n<a>\n  <b>é€𝄞</b>\n</a>\n<!--after-->")] // prolog, whitespace and non-ASCII
    public void Edge_cases_canonicalise_as_SignedXml_does(string xml) => AssertSame(Load(xml));

    [Fact]
    public void Long_text_with_characters_outside_the_BMP_across_the_buffer_boundary()
    {
        var text = string.Concat(Enumerable.Repeat("a𝄞", 12_000)); // surrogate pairs at every other buffer position
        AssertSame(Load($"<a b='{text}'>{text}</a>"));
        AssertSame(Load($"<a>x{text}</a>"));
    }

    [Fact]
    public void A_hub_signature_has_the_digest_SignedXml_computes_and_verifies()
    {
        var document = Load(Builders.Sample("valid/A001-outbound-1.xml"));
        var expected = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Reference(document))));
        using var folder = new TempDirectory();
        var key = Builders.Key(folder, "FR:AP0001");

        var digest = BusinessSignature.Sign(document, Cleiss.Exchange.Hub.Stages.Ingest.SbdhReader.SedElement(document)!, key);
        var reloaded = Load(Encoding.UTF8.GetBytes(document.OuterXml));

        Assert.Equal(expected, digest);
        Assert.True(BusinessSignature.Verify(reloaded, Cleiss.Exchange.Hub.Stages.Ingest.SbdhReader.SedElement(reloaded)!, key.Certificate).IsValid);
    }
}
