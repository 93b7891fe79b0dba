using Cleiss.Exchange.Hub.Configuration;
using Cleiss.Exchange.Hub.Diagnostics;
using Cleiss.Exchange.Hub.Trust;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Cleiss.Exchange.Hub.Storage.Audit;

/// <summary>
/// Signs checkpoints of the audit Merkle tree with the access point's key: when <see cref="AuditOptions.CheckpointEveryEntries"/>
/// entries, or entries older than <see cref="AuditOptions.CheckpointInterval"/>, are not yet covered. It keeps the tree's
/// right edge in memory (<see cref="MerkleFrontier"/>) and reads only the new rows; on its first run it reads them all
/// once and checks the newest stored checkpoint against them (a mismatch is logged as an error and no checkpoint is
/// signed over a trail that does not match its last one).
/// </summary>
public sealed class AuditCheckpointer(IAuditLedgerStore store, SigningKeyStore keys, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditCheckpointer> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private MerkleFrontier? _frontier;
    private long _lastSeq;
    private long _signedSize;
    private DateTimeOffset _oldestUncovered;
    private bool _broken;

    public void Dispose() => _gate.Dispose();

    /// <summary>Signs a checkpoint when one is due (or whenever there are uncovered entries, with <paramref name="force"/>); returns it, or null.</summary>
    public async Task<AuditCheckpoint?> CheckpointIfDueAsync(CancellationToken cancellationToken, bool force = false)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_frontier is null && !await LoadAsync(cancellationToken))
            {
                return null;
            }
            await foreach (var row in store.ReadAuditRowsAsync(_lastSeq, cancellationToken))
            {
                if (_frontier!.Size == _signedSize)
                {
                    _oldestUncovered = time.GetUtcNow();
                }
                _frontier.Append(row.LeafHash());
                _lastSeq = row.Seq;
            }
            var uncovered = _frontier!.Size - _signedSize;
            var due = uncovered > 0 && (force || uncovered >= options.Value.CheckpointEveryEntries || time.GetUtcNow() - _oldestUncovered >= options.Value.CheckpointInterval);
            if (!due)
            {
                return null;
            }
            var checkpoint = AuditCheckpoint.Sign(_frontier.Size, _frontier.Root(), time.GetUtcNow(), keys.Current);
            await store.AppendCheckpointAsync(checkpoint, cancellationToken);
            _signedSize = checkpoint.TreeSize;
            Log.AuditCheckpointSigned(logger, checkpoint.TreeSize, checkpoint.KeyId);
            return checkpoint;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        if (_broken)
        {
            return false;
        }
        var frontier = new MerkleFrontier();
        var last = (await store.GetCheckpointsAsync(cancellationToken)) is [.., var newest] ? newest : null;
        string? rootAtLast = null;
        long lastSeq = 0;
        await foreach (var row in store.ReadAuditRowsAsync(0, cancellationToken))
        {
            frontier.Append(row.LeafHash());
            lastSeq = row.Seq;
            if (frontier.Size == last?.TreeSize)
            {
                rootAtLast = Convert.ToHexStringLower(frontier.Root());
            }
        }
        if (last is not null && !string.Equals(rootAtLast, last.Root, StringComparison.Ordinal))
        {
            _broken = true;
            Log.AuditCheckpointMismatch(logger, last.TreeSize);
            return false;
        }
        (_frontier, _lastSeq, _signedSize, _oldestUncovered) = (frontier, lastSeq, last?.TreeSize ?? 0, time.GetUtcNow());
        return true;
    }
}

/// <summary>The Quartz job that runs <see cref="AuditCheckpointer"/> every <see cref="AuditOptions.CheckpointPoll"/>.</summary>
[DisallowConcurrentExecution]
public sealed class AuditCheckpointJob(AuditCheckpointer checkpointer) : IJob
{
    public static readonly JobKey Key = new("audit-checkpoint", "hub");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await checkpointer.CheckpointIfDueAsync(cancellationToken);
}
