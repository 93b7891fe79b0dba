using System.Security.Cryptography;

namespace Cleiss.Exchange.Hub.Storage.Audit;

/// <summary>
/// Merkle tree hashing of RFC 6962 / RFC 9162 (section 2.1) with SHA-256: a leaf is hashed as
/// SHA-256(0x00 ‖ data), an interior node as SHA-256(0x01 ‖ left ‖ right), the tree of n leaves splits at the
/// largest power of two below n, and the empty tree's root is SHA-256 of nothing. Inclusion proofs are the
/// RFC's audit paths and are checked with its verification algorithm (2.1.3.2), so any RFC 9162 verifier
/// agrees with the hub's.
/// </summary>
public static class MerkleTree
{
    /// <summary>The hash of one leaf's data.</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> data)
    {
        var buffer = new byte[data.Length + 1];
        data.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }

    /// <summary>The hash of an interior node.</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[65];
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[33..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The root of the tree made of the first <paramref name="size"/> leaf hashes.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes, int size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, leafHashes.Count);
        return size == 0 ? SHA256.HashData(ReadOnlySpan<byte>.Empty) : Subtree(leafHashes, 0, size);
    }

    /// <summary>The audit path of leaf <paramref name="index"/> in the tree of the first <paramref name="size"/> leaves, leaf side first.</summary>
    public static IReadOnlyList<byte[]> InclusionProof(IReadOnlyList<byte[]> leafHashes, int index, int size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, leafHashes.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var path = new List<byte[]>();
        Path(leafHashes, index, 0, size, path);
        return path;
    }

    /// <summary>RFC 9162 2.1.3.2: true when <paramref name="proof"/> leads from the leaf to <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size)
        {
            return false;
        }
        long fn = index, sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (p.Length != 32 || sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    private static byte[] Subtree(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }
        var k = LargestPowerOfTwoBelow(count);
        return NodeHash(Subtree(leaves, start, k), Subtree(leaves, start + k, count - k));
    }

    private static void Path(IReadOnlyList<byte[]> leaves, int index, int start, int count, List<byte[]> path)
    {
        if (count == 1)
        {
            return;
        }
        var k = LargestPowerOfTwoBelow(count);
        if (index < k)
        {
            Path(leaves, index, start, k, path);
            path.Add(Subtree(leaves, start + k, count - k));
        }
        else
        {
            Path(leaves, index - k, start + k, count - k, path);
            path.Add(Subtree(leaves, start, k));
        }
    }

    /// <summary>The largest power of two strictly less than <paramref name="n"/> (n ≥ 2).</summary>
    private static int LargestPowerOfTwoBelow(int n) => 1 << (31 - int.LeadingZeroCount(n - 1));
}
