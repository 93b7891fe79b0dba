using Cleiss.Exchange.Hub.Storage.Audit;

namespace Cleiss.Exchange.Hub.Tests.Storage.Audit;

/// <summary>RFC 6962 / 9162 Merkle hashing against the Certificate Transparency reference vectors, and inclusion proofs in every tree shape.</summary>
public sealed class MerkleTreeTests
{
    // The reference leaves and tree heads used by RFC 6962 implementations (Certificate Transparency test data).
    private static readonly byte[][] Leaves = new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
        .Select(Convert.FromHexString).ToArray();

    private static readonly string[] Roots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    private static readonly List<byte[]> LeafHashes = Leaves.Select(l => MerkleTree.LeafHash(l)).ToList();

    [Fact]
    public void Roots_match_the_reference_tree_heads_for_every_size_and_the_frontier_agrees()
    {
        var frontier = new MerkleFrontier();
        for (var size = 0; size <= Leaves.Length; size++)
        {
            Assert.Equal(Roots[size], Convert.ToHexStringLower(MerkleTree.Root(LeafHashes, size)));
            Assert.Equal(Roots[size], Convert.ToHexStringLower(frontier.Root()));
            if (size < Leaves.Length)
            {
                frontier.Append(LeafHashes[size]);
            }
        }
    }

    [Theory]
    [InlineData(0, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(5, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    public void Inclusion_proofs_match_the_reference_audit_paths(int index, params string[] expected)
    {
        var path = MerkleTree.InclusionProof(LeafHashes, index, 8);

        Assert.Equal(expected, path.Select(Convert.ToHexStringLower));
        Assert.True(MerkleTree.VerifyInclusion(LeafHashes[index], index, 8, path, Convert.FromHexString(Roots[8])));
    }

    [Fact]
    public void Every_leaf_of_every_tree_up_to_70_proves_its_inclusion_and_nothing_else_does()
    {
        var leaves = Enumerable.Range(0, 70).Select(i => MerkleTree.LeafHash([(byte)i, (byte)(i * 7)])).ToList();
        var frontier = new MerkleFrontier();
        for (var size = 1; size <= leaves.Count; size++)
        {
            frontier.Append(leaves[size - 1]);
            var root = MerkleTree.Root(leaves, size);
            Assert.Equal(root, frontier.Root());
            for (var index = 0; index < size; index++)
            {
                var path = MerkleTree.InclusionProof(leaves, index, size);
                Assert.True(MerkleTree.VerifyInclusion(leaves[index], index, size, path, root), $"leaf {index} of {size}");
                Assert.False(MerkleTree.VerifyInclusion(leaves[(index + 1) % leaves.Count], index, size, path, root));
                if (path.Count > 0)
                {
                    Assert.False(MerkleTree.VerifyInclusion(leaves[index], index, size, path.Take(path.Count - 1).ToList(), root));
                }
                if (size > 1)
                {
                    Assert.False(MerkleTree.VerifyInclusion(leaves[index], (index + 1) % size, size, path, root));
                }
            }
        }
    }
}
