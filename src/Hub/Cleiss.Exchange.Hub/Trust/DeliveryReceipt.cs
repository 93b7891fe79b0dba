using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Internal;

namespace Cleiss.Exchange.Hub.Trust;

/// <summary>
/// The signed proof of receipt an access point returns for a document, in the hub's plain-HTTP
/// exchange (the AS4 issue replaces it with ebMS non-repudiation receipts). It names the document,
/// carries the SHA-256 of the exact bytes received, and is signed by the receiving access point.
/// </summary>
public sealed record DeliveryReceipt(string ReceiptId, string RefToInstanceIdentifier, string ReceivedSha256, string IssuerAccessPointId, string Timestamp)
{
    public const string Namespace = "urn:cleiss:exchange:receipt:1";
    public const string MediaType = "application/xml";

    /// <summary>SHA-256 of the bytes, base64, as receipts carry it.</summary>
    public static string Digest(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(SHA256.HashData(bytes));

    /// <summary>Builds and signs a receipt for <paramref name="received"/>.</summary>
    public static byte[] Create(string receiptId, string refToInstanceIdentifier, ReadOnlySpan<byte> received, string issuerAccessPointId, DateTimeOffset at, SigningCredentials credentials)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        var root = document.CreateElement("Receipt", Namespace);
        document.AppendChild(root);
        void Add(string name, string value) => root.AppendChild(document.CreateElement(name, Namespace))!.InnerText = value;
        Add("ReceiptId", receiptId);
        Add("RefToInstanceIdentifier", refToInstanceIdentifier);
        Add("ReceivedSha256", Digest(received));
        Add("Issuer", issuerAccessPointId);
        Add("Timestamp", at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture));
        BusinessSignature.Sign(document, root, credentials);
        return Encoding.UTF8.GetBytes(document.OuterXml);
    }

    /// <summary>Reads a receipt and checks its signature against the issuer's registered certificate.</summary>
    public static DeliveryReceipt? TryRead(ReadOnlyMemory<byte> bytes, X509Certificate2 issuerCertificate, IntakeOptions limits, out string? problem)
    {
        var document = HardenedXml.TryLoad(bytes, limits, "dispatch", out var error);
        if (document?.DocumentElement is not { LocalName: "Receipt", NamespaceURI: Namespace } root)
        {
            problem = error?.Detail ?? "The answer is not a receipt.";
            return null;
        }
        var check = BusinessSignature.Verify(document, root, issuerCertificate);
        if (!check.IsValid)
        {
            problem = $"Receipt signature: {check.Detail}";
            return null;
        }
        string? Field(string name) => XmlWalk.Descendants(root, name, Namespace) is { Count: 1 } list ? list[0].InnerText : null;
        var receipt = (Field("ReceiptId"), Field("RefToInstanceIdentifier"), Field("ReceivedSha256"), Field("Issuer"), Field("Timestamp")) switch
        {
            ({ } id, { } reference, { } sha, { } issuer, { } timestamp) => new DeliveryReceipt(id, reference, sha, issuer, timestamp),
            _ => null,
        };
        problem = receipt is null ? "The receipt lacks a required field." : null;
        return receipt;
    }
}
