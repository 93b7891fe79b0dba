using System.Xml;
using System.Xml.Schema;
using Cleiss.Exchange.Hub.Configuration;

namespace Cleiss.Exchange.Hub.Internal;

/// <summary>
/// Passes a reader through to <see cref="XmlDocument.Load(XmlReader)"/> and checks the structural limits
/// on every node as it is read (runs per message): depth, attribute count, name and value sizes. A
/// document over a limit stops at that node, before the rest of the tree is built. It also hides the
/// validating reader's schema information from the tree (nothing in the hub reads it; attaching it
/// costs about 6% of an intake) and notes whether the schema added a default attribute.
/// </summary>
internal sealed class LimitedXmlReader(XmlReader inner, IntakeOptions limits) : XmlReader, IXmlLineInfo
{
    /// <summary>True once an attribute that the bytes do not hold (a schema default) has been read.</summary>
    public bool SchemaAddedAttributes { get; private set; }

    public override bool Read()
    {
        if (!inner.Read())
        {
            return false;
        }
        // The tree's depth: the document is 0, the root element 1, its text 2 (the reader counts from 0).
        if (inner.Depth + 1 > limits.MaxDepth)
        {
            throw new LimitExceededException($"Elements are nested deeper than {limits.MaxDepth} levels.");
        }
        switch (inner.NodeType)
        {
            case XmlNodeType.Element:
                CheckElement();
                break;
            case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.Comment
                when inner.Value.Length > limits.MaxValueLength:
                throw new LimitExceededException($"A text value is longer than {limits.MaxValueLength} characters.");
        }
        return true;
    }

    private void CheckElement()
    {
        if (inner.LocalName.Length > limits.MaxNameLength || inner.NamespaceURI.Length > limits.MaxNameLength)
        {
            throw new LimitExceededException($"An element name or namespace is longer than {limits.MaxNameLength} characters.");
        }
        var count = inner.AttributeCount;
        if (count == 0)
        {
            return;
        }
        if (count > limits.MaxAttributesPerElement)
        {
            throw new LimitExceededException($"An element has more than {limits.MaxAttributesPerElement} attributes.");
        }
        for (var i = 0; i < count; i++)
        {
            inner.MoveToAttribute(i);
            SchemaAddedAttributes |= inner.IsDefault;
            if (inner.Name.Length > limits.MaxNameLength)
            {
                throw new LimitExceededException($"An attribute name is longer than {limits.MaxNameLength} characters.");
            }
            if (inner.Value.Length > limits.MaxValueLength)
            {
                throw new LimitExceededException($"An attribute value is longer than {limits.MaxValueLength} characters.");
            }
        }
        inner.MoveToElement();
    }

    public override IXmlSchemaInfo? SchemaInfo => null;

    public override int AttributeCount => inner.AttributeCount;

    public override string BaseURI => inner.BaseURI;

    public override int Depth => inner.Depth;

    public override bool EOF => inner.EOF;

    public override bool HasValue => inner.HasValue;

    public override bool IsDefault => inner.IsDefault;

    public override bool IsEmptyElement => inner.IsEmptyElement;

    public override string LocalName => inner.LocalName;

    public override string Name => inner.Name;

    public override string NamespaceURI => inner.NamespaceURI;

    public override XmlNameTable NameTable => inner.NameTable;

    public override XmlNodeType NodeType => inner.NodeType;

    public override string Prefix => inner.Prefix;

    public override char QuoteChar => inner.QuoteChar;

    public override ReadState ReadState => inner.ReadState;

    public override string Value => inner.Value;

    public override string XmlLang => inner.XmlLang;

    public override XmlSpace XmlSpace => inner.XmlSpace;

    public override bool CanResolveEntity => inner.CanResolveEntity;

    public int LineNumber => (inner as IXmlLineInfo)?.LineNumber ?? 0;

    public int LinePosition => (inner as IXmlLineInfo)?.LinePosition ?? 0;

    public bool HasLineInfo() => inner is IXmlLineInfo { } info && info.HasLineInfo();

    public override string GetAttribute(int i) => inner.GetAttribute(i);

    public override string? GetAttribute(string name) => inner.GetAttribute(name);

    public override string? GetAttribute(string name, string? namespaceURI) => inner.GetAttribute(name, namespaceURI);

    public override string? LookupNamespace(string prefix) => inner.LookupNamespace(prefix);

    public override bool MoveToAttribute(string name) => inner.MoveToAttribute(name);

    public override bool MoveToAttribute(string name, string? ns) => inner.MoveToAttribute(name, ns);

    public override void MoveToAttribute(int i) => inner.MoveToAttribute(i);

    public override bool MoveToElement() => inner.MoveToElement();

    public override bool MoveToFirstAttribute() => inner.MoveToFirstAttribute();

    public override bool MoveToNextAttribute() => inner.MoveToNextAttribute();

    public override bool ReadAttributeValue() => inner.ReadAttributeValue();

    public override void ResolveEntity() => inner.ResolveEntity();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>A structural limit was exceeded while reading; the message names the limit, never the content.</summary>
internal sealed class LimitExceededException(string message) : Exception(message);
