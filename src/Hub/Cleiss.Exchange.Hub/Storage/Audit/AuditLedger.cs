using System.Security.Cryptography.X509Certificates;
using Cleiss.Exchange.Hub.Trust;

namespace Cleiss.Exchange.Hub.Storage.Audit;

/// <summary>The outcome of <see cref="AuditLedger.VerifyAsync"/>: OK, or the first entry (or checkpoint) found wrong and why.</summary>
public sealed record AuditVerification(long Entries, int Checkpoints, long? FirstBadSeq, string? Problem)
{
    public bool IsValid => Problem is null;
}

/// <summary>An audit entry as a third party sees it in a proof (the stored text of each field).</summary>
public sealed record AuditProofEntry(long Seq, string DocumentId, string At, string Stage, string Event, string? Code, string Facts)
{
    public byte[] LeafHash() => new AuditRow(Seq, DocumentId, At, Stage, Event, Code, Facts, string.Empty, string.Empty).LeafHash();
}

/// <summary>
/// An inclusion proof (RFC 9162 audit path) of one audit entry in the tree a signed checkpoint states: everything a
/// third party needs, checked by <see cref="AuditLedger.Check"/> (<c>cleiss audit check-proof</c>).
/// </summary>
public sealed record AuditProof(string Format, AuditProofEntry Entry, long LeafIndex, long TreeSize, string LeafHash, IReadOnlyList<string> Path, AuditCheckpoint Checkpoint)
{
    public const string CurrentFormat = "cleiss-audit-proof/v1";
}

/// <summary>
/// The tamper evidence of the audit trail: every row is a leaf of a Merkle tree (RFC 6962 hashing) whose roots
/// are signed at checkpoints. <see cref="VerifyAsync"/> recomputes the hash chain and the tree and checks every
/// checkpoint; <see cref="ProveAsync"/> builds an inclusion proof against the newest checkpoint; <see cref="Check"/>
/// checks such a proof with nothing but the proof (and, ideally, the hub's certificate obtained out of band).
/// </summary>
public static class AuditLedger
{
    /// <summary>
    /// Streams every row once (O(log n) memory): the hash chain row by row, the Merkle root at each checkpoint's
    /// size, each checkpoint's signature, and that its key is one of <paramref name="trustedKeyIds"/>.
    /// </summary>
    public static async Task<AuditVerification> VerifyAsync(IAuditLedgerStore store, IReadOnlySet<string> trustedKeyIds, CancellationToken cancellationToken)
    {
        var checkpoints = await store.GetCheckpointsAsync(cancellationToken);
        foreach (var checkpoint in checkpoints)
        {
            if (checkpoint.SignatureProblem() is { } problem)
            {
                return new AuditVerification(0, checkpoints.Count, null, $"checkpoint at tree size {checkpoint.TreeSize}: {problem}");
            }
            if (!trustedKeyIds.Contains(checkpoint.KeyId))
            {
                return new AuditVerification(0, checkpoints.Count, null, $"checkpoint at tree size {checkpoint.TreeSize}: signed by key {checkpoint.KeyId}, which is not one of the hub's keys");
            }
        }

        var frontier = new MerkleFrontier();
        var previous = SqliteHubStore.GenesisHash;
        var next = 0;
        long lastSeq = 0, verifiedUpTo = 0;
        await foreach (var row in store.ReadAuditRowsAsync(0, cancellationToken))
        {
            var expected = SqliteHubStore.ChainHash(previous, row.DocumentId, row.At, row.Stage, row.Event, row.Code, row.Facts);
            if (row.Seq <= lastSeq || !string.Equals(row.PrevHash, previous, StringComparison.Ordinal) || !string.Equals(row.Hash, expected, StringComparison.Ordinal))
            {
                return new AuditVerification(frontier.Size, checkpoints.Count, row.Seq, $"entry {row.Seq}: its hash chain link is broken (changed, removed or reordered entries)");
            }
            previous = expected;
            lastSeq = row.Seq;
            frontier.Append(row.LeafHash());
            while (next < checkpoints.Count && checkpoints[next].TreeSize == frontier.Size)
            {
                if (!string.Equals(Convert.ToHexStringLower(frontier.Root()), checkpoints[next].Root, StringComparison.Ordinal))
                {
                    return new AuditVerification(frontier.Size, checkpoints.Count, null,
                        $"checkpoint at tree size {checkpoints[next].TreeSize}: the entries do not have the signed root; an entry after position {verifiedUpTo} and up to {checkpoints[next].TreeSize} was changed, removed or inserted (and the hash chain rewritten)");
                }
                verifiedUpTo = checkpoints[next].TreeSize;
                next++;
            }
        }
        if (next < checkpoints.Count)
        {
            return new AuditVerification(frontier.Size, checkpoints.Count, null,
                $"checkpoint at tree size {checkpoints[next].TreeSize}: only {frontier.Size} entries are left (entries were removed)");
        }
        return new AuditVerification(frontier.Size, checkpoints.Count, null, null);
    }

    /// <summary>The inclusion proof of entry <paramref name="seq"/> against the newest checkpoint, or why there is none.</summary>
    public static async Task<(AuditProof? Proof, string? Problem)> ProveAsync(IAuditLedgerStore store, long seq, CancellationToken cancellationToken) =>
        (await ProveManyAsync(store, [seq], cancellationToken))[seq];

    /// <summary>Inclusion proofs of several entries against the newest checkpoint, reading the trail once.</summary>
    public static async Task<IReadOnlyDictionary<long, (AuditProof? Proof, string? Problem)>> ProveManyAsync(IAuditLedgerStore store, IReadOnlyCollection<long> seqs, CancellationToken cancellationToken)
    {
        var answers = new Dictionary<long, (AuditProof?, string?)>();
        var checkpoints = await store.GetCheckpointsAsync(cancellationToken);
        if (checkpoints.Count == 0)
        {
            foreach (var seq in seqs)
            {
                answers[seq] = (null, "no checkpoint has been signed yet");
            }
            return answers;
        }
        var checkpoint = checkpoints[^1];
        var wanted = seqs.ToHashSet();
        var leaves = new List<byte[]>();
        var entries = new Dictionary<long, (AuditRow Row, int Index)>();
        await foreach (var row in store.ReadAuditRowsAsync(0, cancellationToken))
        {
            if (leaves.Count == checkpoint.TreeSize)
            {
                break;
            }
            if (wanted.Contains(row.Seq))
            {
                entries[row.Seq] = (row, leaves.Count);
            }
            leaves.Add(row.LeafHash());
        }
        foreach (var seq in wanted)
        {
            if (leaves.Count < checkpoint.TreeSize)
            {
                answers[seq] = (null, "the audit trail is shorter than its newest checkpoint: run `cleiss audit verify`");
            }
            else if (!entries.TryGetValue(seq, out var found))
            {
                answers[seq] = (null, $"entry {seq} is not covered by the newest checkpoint (tree size {checkpoint.TreeSize}); the next checkpoint will cover it");
            }
            else
            {
                var path = MerkleTree.InclusionProof(leaves, found.Index, leaves.Count).Select(Convert.ToHexStringLower).ToList();
                var row = found.Row;
                var entry = new AuditProofEntry(row.Seq, row.DocumentId, row.At, row.Stage, row.Event, row.Code, row.Facts);
                answers[seq] = (new AuditProof(AuditProof.CurrentFormat, entry, found.Index, checkpoint.TreeSize, Convert.ToHexStringLower(leaves[found.Index]), path, checkpoint), null);
            }
        }
        return answers;
    }

    /// <summary>
    /// Checks a proof on its own: the entry hashes to the leaf, the path leads to the checkpoint's root, the checkpoint
    /// is signed by its certificate, and, when <paramref name="trusted"/> is given, that certificate is the trusted one.
    /// Null when all hold; otherwise the first that does not.
    /// </summary>
    public static string? Check(AuditProof proof, X509Certificate2? trusted = null)
    {
        if (proof.Format != AuditProof.CurrentFormat)
        {
            return $"unknown proof format {proof.Format}";
        }
        var leaf = proof.Entry.LeafHash();
        if (!string.Equals(Convert.ToHexStringLower(leaf), proof.LeafHash, StringComparison.Ordinal))
        {
            return "the entry does not hash to the proof's leaf hash (the entry was changed)";
        }
        if (proof.Checkpoint.TreeSize != proof.TreeSize)
        {
            return "the proof is for another tree size than its checkpoint";
        }
        byte[] root;
        List<byte[]> path;
        try
        {
            root = Convert.FromHexString(proof.Checkpoint.Root);
            path = proof.Path.Select(Convert.FromHexString).ToList();
        }
        catch (FormatException)
        {
            return "the proof's hashes are not hex";
        }
        if (!MerkleTree.VerifyInclusion(leaf, proof.LeafIndex, proof.TreeSize, path, root))
        {
            return "the audit path does not lead to the checkpoint's root";
        }
        if (proof.Checkpoint.SignatureProblem() is { } problem)
        {
            return $"checkpoint: {problem}";
        }
        if (trusted is not null && !string.Equals(SigningKeyStore.KeyId(trusted), proof.Checkpoint.KeyId, StringComparison.Ordinal))
        {
            return "the checkpoint is not signed by the trusted certificate";
        }
        return null;
    }
}
