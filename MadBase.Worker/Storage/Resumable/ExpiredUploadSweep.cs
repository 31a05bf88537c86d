using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Storage.Resumable;

/// <summary>
/// Abandoned resumable uploads: past their expiry, their rows and parts are deleted (run by the
/// <see cref="OrphanSweeper"/> for every project it sweeps). An upload a PATCH holds is skipped this round.
/// </summary>
internal static class ExpiredUploadSweep
{
    private static readonly RlsRequest SweepRequest = new("SWEEP", "/storage/v1/internal/sweep-uploads", "{}", "{}", ReadOnly: false);

    public static async Task<int> SweepAsync(string projectRef, Func<CancellationToken, Task<NpgsqlConnection>> open, IBlobStore blobs, DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> expired;
        await using (var transaction = await RlsTransaction.BeginAsync(
            await open(cancellationToken), Caller.ServiceRole, SweepRequest, RlsMode.Interactive, replace: null, cancellationToken))
        {
            expired = await ResumableUploads.DeleteExpiredAsync(transaction, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var id in expired)
        {
            await UploadParts.DeleteAllAsync(blobs, projectRef, id, cancellationToken);
        }

        return expired.Count;
    }
}
