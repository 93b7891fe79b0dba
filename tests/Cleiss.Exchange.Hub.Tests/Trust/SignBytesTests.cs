using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;
using Cleiss.Exchange.Hub.Stages.Ingest;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Trust;

/// <summary>The sign stage's output: the stored bytes unchanged with the signature spliced in, or the signed tree when the layout is unusual.</summary>
public sealed class SignBytesTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly SigningCredentials _key;

    public SignBytesTests() => _key = Builders.Key(_folder, "FR:AP0001");

    public void Dispose() => _folder.Dispose();

    private static XmlDocument Load(byte[] bytes) => HardenedXml.TryLoad(bytes, new IntakeOptions(), "test", out var error) ?? throw new InvalidOperationException(error!.Detail);

    private (byte[] Signed, bool Valid) Sign(byte[] stored)
    {
        var document = Load(stored);
        var signed = BusinessSignature.SignBytes(stored, document, SbdhReader.SedElement(document)!, _key, out _);
        var reloaded = Load(signed);
        return (signed, BusinessSignature.Verify(reloaded, SbdhReader.SedElement(reloaded)!, _key.Certificate).IsValid);
    }

    public static TheoryData<string> Outbound()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Builders.Samples, "valid"), "*-outbound-*.xml").Order(StringComparer.Ordinal))
        {
            data.Add("valid/" + Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Outbound))]
    public void Every_outbound_sample_keeps_its_bytes_and_gains_only_a_verifying_signature(string sample)
    {
        var stored = Builders.Sample(sample);
        var (signed, valid) = Sign(stored);

        Assert.True(valid);
        var text = Encoding.UTF8.GetString(signed);
        var start = text.IndexOf("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">", StringComparison.Ordinal);
        var end = text.IndexOf("</Signature>", start, StringComparison.Ordinal) + "</Signature>".Length;
        Assert.Equal(Encoding.UTF8.GetString(stored), text[..start] + text[end..]);
    }

    [Theory]
    [InlineData("\n  <!-- a comment after the SED -->\n")]
    public void An_unusual_layout_falls_back_to_the_serialised_tree_which_verifies_too(string between)
    {
        var text = Encoding.UTF8.GetString(Builders.Sample("valid/A001-outbound-1.xml"));
        var close = text.LastIndexOf("</", StringComparison.Ordinal);
        var stored = Encoding.UTF8.GetBytes(text[..close] + between + text[close..]);

        var (signed, valid) = Sign(stored);

        Assert.True(valid);
        var text2 = Encoding.UTF8.GetString(signed);
        Assert.True(text2.IndexOf("</Signature>", StringComparison.Ordinal) < text2.IndexOf(between.Trim(), StringComparison.Ordinal), "the signature ends the SED, before what follows it");
    }
}
