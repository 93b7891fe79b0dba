using System.Collections.Frozen;
using System.Xml.Schema;

namespace Cleiss.Exchange.Hub.Stages.Validation;

/// <summary>A versioned set of schemas: the SBDH schema and one XSD per SED type, compiled together.</summary>
public sealed class ValidationPack
{
    internal ValidationPack(string id, string version, string sedGVer, string sedVer, string namespacePrefix, XmlSchemaSet schemas, FrozenSet<string> sedTypes,
        CodeLists codeLists, BucRules bucs)
    {
        CodeLists = codeLists;
        Bucs = bucs;
        Id = id;
        Version = version;
        SedGVer = sedGVer;
        SedVer = sedVer;
        NamespacePrefix = namespacePrefix;
        Schemas = schemas;
        SedTypes = sedTypes;
    }

    /// <summary>Pack id, e.g. <c>cleiss-reference-4.4</c>.</summary>
    public string Id { get; }

    /// <summary>Pack version, e.g. <c>4.4.0</c>.</summary>
    public string Version { get; }

    /// <summary>The <c>sedGVer</c> the pack covers.</summary>
    public string SedGVer { get; }

    /// <summary>The <c>sedVer</c> the pack covers.</summary>
    public string SedVer { get; }

    /// <summary>SED namespaces are this prefix plus the SED type.</summary>
    public string NamespacePrefix { get; }

    /// <summary>The compiled schemas (read-only once compiled; safe to share between threads).</summary>
    public XmlSchemaSet Schemas { get; }

    /// <summary>The SED types the pack has a schema for.</summary>
    public FrozenSet<string> SedTypes { get; }

    /// <summary>The pack's code lists (business rules).</summary>
    public CodeLists CodeLists { get; }

    /// <summary>The pack's BUC rules (case rules).</summary>
    public BucRules Bucs { get; }

    /// <summary>Id and version as recorded in the audit trail.</summary>
    public string Label => $"{Id}@{Version}";
}
