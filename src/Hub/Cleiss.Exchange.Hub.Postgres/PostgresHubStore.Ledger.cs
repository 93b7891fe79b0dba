using System.Runtime.CompilerServices;
using Cleiss.Exchange.Hub.Storage.Audit;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>The audit rows as stored, for the Merkle tree and its checks, and the signed checkpoints (table <c>audit_checkpoints</c>).</summary>
public sealed partial class PostgresHubStore : IAuditLedgerStore
{
    public async IAsyncEnumerable<AuditRow> ReadAuditRowsAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            throw Failure(ex);
        }
        await using (connection)
        {
            await using var command = new NpgsqlCommand("SELECT seq, document_id, at, stage, event, code, facts, prev_hash, hash FROM audit WHERE seq > $1 ORDER BY seq", connection);
            command.Parameters.Add(Parameter(afterSeq));
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                // The document id as the SQLite store writes it (Guid "D"), so both stores hash the same leaves.
                yield return new AuditRow(r.GetInt64(0), r.GetGuid(1).ToString(), r.GetString(2), r.GetString(3), r.GetString(4),
                    r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), r.GetString(7), r.GetString(8));
            }
        }
    }

    /// <remarks>Every node signs checkpoints; two nodes signing the same tree size sign the same root, so the first one stays.</remarks>
    public Task AppendCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO audit_checkpoints (tree_size, root, at, key_id, algorithm, signature, certificate) VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (tree_size) DO NOTHING
                """, connection, tx);
            insert.Parameters.Add(Parameter(checkpoint.TreeSize));
            insert.Parameters.Add(Parameter(checkpoint.Root));
            insert.Parameters.Add(Parameter(checkpoint.At));
            insert.Parameters.Add(Parameter(checkpoint.KeyId));
            insert.Parameters.Add(Parameter(checkpoint.Algorithm));
            insert.Parameters.Add(Parameter(checkpoint.Signature));
            insert.Parameters.Add(Parameter(checkpoint.Certificate));
            await insert.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, cancellationToken);

    public Task<IReadOnlyList<AuditCheckpoint>> GetCheckpointsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<AuditCheckpoint>>(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT tree_size, root, at, key_id, algorithm, signature, certificate FROM audit_checkpoints ORDER BY tree_size", connection);
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            var list = new List<AuditCheckpoint>();
            while (await r.ReadAsync(cancellationToken))
            {
                list.Add(new AuditCheckpoint(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)));
            }
            return list;
        }, cancellationToken);
}
