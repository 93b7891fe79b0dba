using Cleiss.Exchange.Hub.Abstractions;
using Cleiss.Exchange.Hub.Storage;
using Npgsql;

namespace Cleiss.Exchange.Hub.Postgres;

/// <summary>The relay's side of the stage log: what is not yet on Kafka, and which node relays it.</summary>
public sealed partial class PostgresHubStore : IStageLogRelayStore
{
    /// <summary>The channel every stage-log append notifies (at commit), so the relay wakes without polling hard.</summary>
    internal const string AppendChannel = "cleiss_log";

    /// <inheritdoc />
    /// <remarks>One query: a lateral index range scan per partition from its committed offset, joined to the documents.</remarks>
    public Task<IReadOnlyList<RelayRecord>> ReadUnrelayedAsync(string group, IReadOnlyList<StagePartition> partitions, int maxPerPartition, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<RelayRecord>>(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT l.topic, l.partition, l."offset", d.id, d.direction, d.case_id, d.instance_id, d.content_sha256, d.created_at
                FROM unnest($2::text[], $3::integer[]) AS p(topic, partition)
                LEFT JOIN log_offsets o ON o.grp = $1 AND o.topic = p.topic AND o.partition = p.partition
                CROSS JOIN LATERAL (
                    SELECT * FROM log l WHERE l.topic = p.topic AND l.partition = p.partition AND l."offset" > COALESCE(o."offset", -1)
                    ORDER BY l."offset" LIMIT $4) l
                JOIN documents d ON d.id = l.document_id
                ORDER BY l.topic, l.partition, l."offset"
                """, connection);
            command.Parameters.Add(Parameter(group));
            command.Parameters.Add(Parameter(partitions.Select(p => p.Topic).ToArray()));
            command.Parameters.Add(Parameter(partitions.Select(p => p.Partition).ToArray()));
            command.Parameters.Add(Parameter(maxPerPartition));
            var list = new List<RelayRecord>();
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                list.Add(new RelayRecord(r.GetString(0), r.GetInt32(1), r.GetInt64(2), r.GetGuid(3),
                    r.GetString(4) == "outbound" ? Direction.Outbound : Direction.Inbound, r.GetString(5), r.GetString(6), r.GetString(7),
                    r.GetFieldValue<DateTimeOffset>(8)));
            }
            return list;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RelayAuditEvent>> ReadAuditForRelayAsync(long afterSeq, int max, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<RelayAuditEvent>>(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT a.seq, a.document_id, a.stage, a.event, a.code, a.at, a.hash,
                       d.direction, d.case_id, d.instance_id, d.content_sha256, d.created_at, d.partition
                FROM audit a LEFT JOIN documents d ON d.id = a.document_id
                WHERE a.seq > $1 ORDER BY a.seq LIMIT $2
                """, connection);
            command.Parameters.Add(Parameter(afterSeq));
            command.Parameters.Add(Parameter(max));
            var list = new List<RelayAuditEvent>();
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                var documentId = r.GetGuid(1);
                var document = r.IsDBNull(7) ? null : new RelayRecord("audit", r.GetInt32(12), r.GetInt64(0), documentId,
                    r.GetString(7) == "outbound" ? Direction.Outbound : Direction.Inbound, r.GetString(8), r.GetString(9), r.GetString(10),
                    r.GetFieldValue<DateTimeOffset>(11));
                list.Add(new RelayAuditEvent(r.GetInt64(0), documentId, r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                    DateTimeOffset.Parse(r.GetString(5), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
                    r.GetString(6), document));
            }
            return list;
        }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// A session-level advisory lock (named for this database and schema, so hubs on other schemas do not contend) on a
    /// dedicated connection that also listens on the append channel.
    /// </remarks>
    public async Task<IRelayLease?> TryLeadAsync(string name, CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext($1 || '@' || current_database() || '.' || current_schema()))", connection))
            {
                tryLock.Parameters.Add(Parameter(name));
                if (await tryLock.ExecuteScalarAsync(cancellationToken) is not true)
                {
                    await connection.DisposeAsync();
                    return null;
                }
            }
            await using (var listen = new NpgsqlCommand($"LISTEN {AppendChannel}", connection))
            {
                await listen.ExecuteNonQueryAsync(cancellationToken);
            }
            return new RelayLease(connection);
        }
        catch (NpgsqlException ex)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
            throw Failure(ex);
        }
    }

    /// <summary>
    /// PostgreSQL releases the advisory lock when the session ends (a crash included); a pooled connection's session
    /// outlives its close, so stepping down releases the lock and stops listening explicitly first.
    /// </summary>
    private sealed class RelayLease(NpgsqlConnection connection) : IRelayLease
    {
        public async Task WaitForAppendAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                await connection.WaitAsync(timeout, cancellationToken);
            }
            catch (NpgsqlException ex)
            {
                throw new HubStorageException("The relay lost its PostgreSQL session (and with it the lead).", ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all(); UNLISTEN *", connection);
                await release.ExecuteNonQueryAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The session is gone (or broken), and the lock with it.
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
