namespace Cleiss.Exchange.Hub.Storage.Audit;

/// <summary>
/// The right edge of a growing Merkle tree: the roots of its perfect subtrees, largest first (at most 64), so
/// leaves are appended and the root computed in O(log n) memory. The root equals <see cref="MerkleTree.Root"/>.
/// </summary>
public sealed class MerkleFrontier
{
    private readonly List<(int Height, byte[] Hash)> _subtrees = [];

    /// <summary>Leaves appended so far.</summary>
    public long Size { get; private set; }

    public void Append(byte[] leafHash)
    {
        _subtrees.Add((0, leafHash));
        while (_subtrees.Count >= 2 && _subtrees[^1].Height == _subtrees[^2].Height)
        {
            var right = _subtrees[^1];
            var left = _subtrees[^2];
            _subtrees.RemoveRange(_subtrees.Count - 2, 2);
            _subtrees.Add((left.Height + 1, MerkleTree.NodeHash(left.Hash, right.Hash)));
        }
        Size++;
    }

    /// <summary>The root of the tree of every leaf appended.</summary>
    public byte[] Root()
    {
        if (_subtrees.Count == 0)
        {
            return MerkleTree.Root([], 0);
        }
        var root = _subtrees[^1].Hash;
        for (var i = _subtrees.Count - 2; i >= 0; i--)
        {
            root = MerkleTree.NodeHash(_subtrees[i].Hash, root);
        }
        return root;
    }
}
