using System.Text;

namespace Cleiss.Exchange.Hub.Storage.Audit;

/// <summary>
/// One audit row exactly as stored (times and facts as their stored text), so its hashes can be recomputed.
/// </summary>
public sealed record AuditRow(long Seq, string DocumentId, string At, string Stage, string Event, string? Code, string Facts, string PrevHash, string Hash)
{
    /// <summary>
    /// The Merkle leaf: the row's fields, its sequence number first (so a reordered or renumbered row changes it),
    /// joined with the unit separator, UTF-8.
    /// </summary>
    public byte[] LeafData() => Encoding.UTF8.GetBytes(string.Join('\u001f', "cleiss-audit/v1", Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), DocumentId, At, Stage, Event, Code ?? string.Empty, Facts));

    /// <summary>The row's Merkle leaf hash.</summary>
    public byte[] LeafHash() => MerkleTree.LeafHash(LeafData());
}

/// <summary>Where the audit rows and the signed checkpoints are kept (the embedded store; PostgreSQL in cluster mode).</summary>
public interface IAuditLedgerStore
{
    /// <summary>The rows after <paramref name="afterSeq"/>, in order.</summary>
    IAsyncEnumerable<AuditRow> ReadAuditRowsAsync(long afterSeq, CancellationToken cancellationToken);

    /// <summary>Stores a checkpoint durably.</summary>
    Task AppendCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Every checkpoint, smallest tree first.</summary>
    Task<IReadOnlyList<AuditCheckpoint>> GetCheckpointsAsync(CancellationToken cancellationToken);
}
