using System.Text;
using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;

namespace Cleiss.Exchange.Hub.Tests.Internal;

/// <summary>The structural limits at their exact boundaries, checked while the document is read.</summary>
public sealed class HardenedXmlLimitTests
{
    private static ExchangeError? Load(string xml, Action<IntakeOptions> limits)
    {
        var options = new IntakeOptions();
        limits(options);
        var document = HardenedXml.TryLoad(Encoding.UTF8.GetBytes(xml), options, "accept", out var error);
        Assert.Equal(document is null, error is not null);
        return error;
    }

    [Theory]
    [InlineData("<a><b><c><d/></c></b></a>", true)] // the deepest element at depth 4
    [InlineData("<a><b><c><d><e/></d></c></b></a>", false)] // depth 5
    [InlineData("<a><b><c>x</c></b></a>", true)] // text at depth 4
    [InlineData("<a><b><c><d>x</d></c></b></a>", false)] // text at depth 5
    public void Depth_counts_the_root_as_one_and_text_as_one_more_than_its_element(string xml, bool accepted)
    {
        var error = Load(xml, o => o.MaxDepth = 4);
        Assert.Equal(accepted ? null : ExchangeErrors.IngestLimitExceeded, error?.Code);
    }

    [Theory]
    [InlineData("<a x='1' y='2' z='3'/>", true)]
    [InlineData("<a x='1' y='2' z='3' w='4'/>", false)]
    [InlineData("<a xmlns:p='urn:p' x='1' y='2' z='3'/>", false)] // a namespace declaration is an attribute too
    public void Attribute_count_is_capped_per_element(string xml, bool accepted)
    {
        var error = Load(xml, o => o.MaxAttributesPerElement = 3);
        Assert.Equal(accepted ? null : ExchangeErrors.IngestLimitExceeded, error?.Code);
    }

    [Theory]
    [InlineData("<a x='0123456789'/>", true)]
    [InlineData("<a x='0123456789X'/>", false)]
    [InlineData("<a>0123456789</a>", true)]
    [InlineData("<a>0123456789X</a>", false)]
    [InlineData("<a><!--0123456789X--></a>", false)]
    [InlineData("<a><![CDATA[0123456789X]]></a>", false)]
    public void Attribute_and_text_values_are_capped(string xml, bool accepted)
    {
        var error = Load(xml, o => o.MaxValueLength = 10);
        Assert.Equal(accepted ? null : ExchangeErrors.IngestLimitExceeded, error?.Code);
    }

    [Theory]
    [InlineData("<abcdefgh/>", true)]
    [InlineData("<abcdefghi/>", false)]
    [InlineData("<a abcdefghi='1'/>", false)]
    [InlineData("<a xmlns='urn:abcdefghi'/>", false)] // the namespace of an element counts as its name
    public void Names_are_capped(string xml, bool accepted)
    {
        var error = Load(xml, o => o.MaxNameLength = 8);
        Assert.Equal(accepted ? null : ExchangeErrors.IngestLimitExceeded, error?.Code);
    }

    [Fact]
    public void Reading_stops_at_the_first_node_over_a_limit_and_the_message_quotes_nothing()
    {
        // Over-deep first, malformed afterwards: the limit is reported, so the tail was never read.
        var error = Load("<a><b><c><d><e>secret-value</e></d></c></b></a><<not xml", o => o.MaxDepth = 4);

        Assert.Equal(ExchangeErrors.IngestLimitExceeded, error!.Code);
        Assert.DoesNotContain("secret", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_default_attribute_never_reaches_the_tree_and_the_bytes_are_read_again_without_schema()
    {
        const string xsd = """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
              <xs:element name="a"><xs:complexType><xs:attribute name="x" type="xs:string" default="1"/></xs:complexType></xs:element>
            </xs:schema>
            """;
        var schemas = new XmlSchemaSet();
        schemas.Add(XmlSchema.Read(XmlReader.Create(new StringReader(xsd)), null)!);
        schemas.Compile();

        var withDefault = HardenedXml.TryLoad("<a/>"u8.ToArray(), new IntakeOptions(), "accept", schemas, out _, out var defaultedValid);
        var explicitValue = HardenedXml.TryLoad("<a x='2'/>"u8.ToArray(), new IntakeOptions(), "accept", schemas, out _, out var explicitValid);

        Assert.False(withDefault!.DocumentElement!.HasAttribute("x"));
        Assert.False(defaultedValid); // validated again later, on the tree of the bytes
        Assert.Equal("2", explicitValue!.DocumentElement!.GetAttribute("x"));
        Assert.True(explicitValid);
    }
}
