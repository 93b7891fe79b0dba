using System.Runtime.CompilerServices;
using Cleiss.Exchange.Hub.Storage.Audit;

namespace Cleiss.Exchange.Hub.Storage;

/// <summary>The audit rows as stored (for the Merkle tree and its checks) and the signed checkpoints (table <c>audit_checkpoints</c>).</summary>
public sealed partial class SqliteHubStore
{
    public async IAsyncEnumerable<AuditRow> ReadAuditRowsAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, document_id, at, stage, event, code, facts, prev_hash, hash FROM audit WHERE seq > $after ORDER BY seq";
        command.Parameters.AddWithValue("$after", afterSeq);
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            yield return new AuditRow(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), r.GetString(7), r.GetString(8));
        }
    }

    public Task AppendCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken) =>
        WriteAsync(async scope =>
        {
            await using var insert = scope.Command("""
                INSERT INTO audit_checkpoints (tree_size, root, at, key_id, algorithm, signature, certificate)
                VALUES ($size, $root, $at, $key, $alg, $sig, $cert)
                """);
            insert.Parameters.AddWithValue("$size", checkpoint.TreeSize);
            insert.Parameters.AddWithValue("$root", checkpoint.Root);
            insert.Parameters.AddWithValue("$at", checkpoint.At);
            insert.Parameters.AddWithValue("$key", checkpoint.KeyId);
            insert.Parameters.AddWithValue("$alg", checkpoint.Algorithm);
            insert.Parameters.AddWithValue("$sig", checkpoint.Signature);
            insert.Parameters.AddWithValue("$cert", checkpoint.Certificate);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, cancellationToken);

    public async Task<IReadOnlyList<AuditCheckpoint>> GetCheckpointsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT tree_size, root, at, key_id, algorithm, signature, certificate FROM audit_checkpoints ORDER BY tree_size";
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<AuditCheckpoint>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new AuditCheckpoint(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)));
        }
        return list;
    }
}
