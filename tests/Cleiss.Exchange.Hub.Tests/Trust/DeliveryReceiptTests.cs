using System.Text;
using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Tests.Trust;

public sealed class DeliveryReceiptTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_receipt_names_the_document_and_the_digest_of_the_exact_bytes_received()
    {
        var partner = Builders.Key(_folder, "BE:AP0001");
        var received = Builders.Sample("valid/A001-outbound-1.xml");
        var bytes = DeliveryReceipt.Create("r-1", "instance-1", received, "BE:AP0001", DateTimeOffset.UnixEpoch, partner);

        var receipt = DeliveryReceipt.TryRead(bytes, partner.Certificate, new IntakeOptions(), out var problem);

        Assert.NotNull(receipt);
        Assert.Null(problem);
        Assert.Equal("r-1", receipt.ReceiptId);
        Assert.Equal("instance-1", receipt.RefToInstanceIdentifier);
        Assert.Equal(DeliveryReceipt.Digest(received), receipt.ReceivedSha256);
        Assert.Equal("BE:AP0001", receipt.IssuerAccessPointId);
    }

    [Fact]
    public void A_receipt_signed_by_another_key_is_not_proof()
    {
        var partner = Builders.Key(_folder, "BE:AP0001");
        var forger = Builders.Key(_folder, "BE:FORGE001");
        var bytes = DeliveryReceipt.Create("r-1", "instance-1", "x"u8, "BE:AP0001", DateTimeOffset.UnixEpoch, forger);

        Assert.Null(DeliveryReceipt.TryRead(bytes, partner.Certificate, new IntakeOptions(), out var problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void An_altered_receipt_is_not_proof()
    {
        var partner = Builders.Key(_folder, "BE:AP0001");
        var bytes = Encoding.UTF8.GetString(DeliveryReceipt.Create("r-1", "instance-1", "x"u8, "BE:AP0001", DateTimeOffset.UnixEpoch, partner))
            .Replace("instance-1", "instance-2", StringComparison.Ordinal);

        Assert.Null(DeliveryReceipt.TryRead(Encoding.UTF8.GetBytes(bytes), partner.Certificate, new IntakeOptions(), out _));
    }
}
