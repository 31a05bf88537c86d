using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Storage.Blobs;

/// <summary>
/// Finds and deletes a project's blobs that no row points to: bytes of uploads whose row never committed
/// (a crash between the two), or old versions whose delete failed. Only blobs older than the grace period
/// are candidates, so an upload still between "bytes written" and "row committed" is never touched. The parts
/// of an S3 multipart upload in progress are referenced by their rows in storage.s3_multipart_uploads_parts.
/// </summary>
internal static class OrphanSweep
{
    private const int Batch = 1000;
    private static readonly RlsRequest SweepRequest = new("SWEEP", "/storage/v1/internal/sweep", "{}", "{}", ReadOnly: true);

    public static async Task<int> SweepAsync(string projectRef, Func<CancellationToken, Task<NpgsqlConnection>> open, IBlobStore blobs, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var candidates = new List<(string Key, string Bucket, string Name, string Version)>();
        await foreach (var blob in blobs.ListAsync(projectRef + "/", cancellationToken))
        {
            if (blob.LastModified >= olderThan)
            {
                continue;
            }

            var parts = blob.Key.Split('/');
            if (parts.Length < 4)
            {
                continue;
            }

            candidates.Add((blob.Key, parts[1], string.Join('/', parts[2..^1]), parts[^1]));
            if (candidates.Count == Batch)
            {
                deleted += await DeleteUnreferencedAsync(open, blobs, candidates, cancellationToken);
                candidates.Clear();
            }
        }

        if (candidates.Count > 0)
        {
            deleted += await DeleteUnreferencedAsync(open, blobs, candidates, cancellationToken);
        }

        return deleted;
    }

    private static async Task<int> DeleteUnreferencedAsync(Func<CancellationToken, Task<NpgsqlConnection>> open, IBlobStore blobs, List<(string Key, string Bucket, string Name, string Version)> candidates, CancellationToken cancellationToken)
    {
        var orphans = new List<string>();
        await using (var transaction = await RlsTransaction.BeginAsync(
            await open(cancellationToken), Caller.ServiceRole, SweepRequest, RlsMode.Interactive, replace: null, cancellationToken))
        {
            await using var command = transaction.CreateCommand("""
                SELECT c.k FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS c(k, b, n, v)
                WHERE NOT EXISTS (SELECT 1 FROM storage.objects o WHERE o.bucket_id = c.b AND o.name = c.n AND o.version = c.v)
                  AND NOT EXISTS (SELECT 1 FROM storage.s3_multipart_uploads_parts p WHERE p.blob_key = c.k)
                """);
            command.Parameters.AddWithValue(candidates.Select(c => c.Key).ToArray());
            command.Parameters.AddWithValue(candidates.Select(c => c.Bucket).ToArray());
            command.Parameters.AddWithValue(candidates.Select(c => c.Name).ToArray());
            command.Parameters.AddWithValue(candidates.Select(c => c.Version).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                orphans.Add(reader.GetString(0));
            }
        }

        if (orphans.Count > 0)
        {
            await blobs.DeleteAsync(orphans, cancellationToken);
        }

        return orphans.Count;
    }
}
