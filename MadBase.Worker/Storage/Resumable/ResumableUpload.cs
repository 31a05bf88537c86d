using MadBase.Worker.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Storage.Resumable;

/// <summary>One row of storage.resumable_uploads: a TUS upload's state, shared by every worker.</summary>
internal sealed record ResumableUpload(
    string Id,
    string BucketId,
    string Name,
    string? OwnerId,
    bool Signed,
    bool Upsert,
    long Length,
    long Offset,
    int PartCount,
    string ContentType,
    string CacheControl,
    string? UserMetadataJson,
    bool Completed,
    DateTimeOffset ExpiresAt);

/// <summary>The SQL of storage.resumable_uploads, always in a service_role transaction (clients have no grant on it).</summary>
internal static class ResumableUploads
{
    private const string Columns = "id, bucket_id, name, owner_id, signed, upsert, upload_length, upload_offset, part_count, content_type, cache_control, user_metadata::text, completed, expires_at";

    public static async Task InsertAsync(RlsTransaction transaction, ResumableUpload upload, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            INSERT INTO storage.resumable_uploads (id, bucket_id, name, owner_id, signed, upsert, upload_length, content_type, cache_control, user_metadata, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
            """);
        command.Parameters.AddWithValue(upload.Id);
        command.Parameters.AddWithValue(upload.BucketId);
        command.Parameters.AddWithValue(upload.Name);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)upload.OwnerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(upload.Signed);
        command.Parameters.AddWithValue(upload.Upsert);
        command.Parameters.AddWithValue(upload.Length);
        command.Parameters.AddWithValue(upload.ContentType);
        command.Parameters.AddWithValue(upload.CacheControl);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)upload.UserMetadataJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(upload.ExpiresAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The upload named by the URL (its id, bucket and name must all match), or null. With <paramref name="lockRow"/>
    /// the row stays locked until the transaction ends, so one PATCH at a time writes to an upload, on any
    /// worker; a second one meanwhile gets ResourceLocked at once, as storage-api's Postgres locker answers.
    /// </summary>
    public static async Task<ResumableUpload?> FindAsync(RlsTransaction transaction, UploadUrl url, bool lockRow, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand(
            $"SELECT {Columns} FROM storage.resumable_uploads WHERE id = $1 AND bucket_id = $2 AND name = $3" + (lockRow ? " FOR UPDATE NOWAIT" : string.Empty));
        command.Parameters.AddWithValue(url.Version);
        command.Parameters.AddWithValue(url.BucketId);
        command.Parameters.AddWithValue(url.Name);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            return new ResumableUpload(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetBoolean(4),
                reader.GetBoolean(5),
                reader.GetInt64(6),
                reader.GetInt64(7),
                reader.GetInt32(8),
                reader.GetString(9),
                reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.GetBoolean(12),
                reader.GetFieldValue<DateTimeOffset>(13));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw TusProtocol.Locked();
        }
    }

    /// <summary>Records a stored part (or, with <paramref name="completed"/>, the finished upload, whose parts are gone).</summary>
    public static async Task AdvanceAsync(RlsTransaction transaction, string id, long offset, int partCount, bool completed, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand(
            "UPDATE storage.resumable_uploads SET upload_offset = $2, part_count = $3, completed = $4 WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(offset);
        command.Parameters.AddWithValue(partCount);
        command.Parameters.AddWithValue(completed);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task DeleteAsync(RlsTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("DELETE FROM storage.resumable_uploads WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes uploads past their expiry that no request is writing to; returns their ids.</summary>
    public static async Task<IReadOnlyList<string>> DeleteExpiredAsync(RlsTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            DELETE FROM storage.resumable_uploads WHERE id IN (
                SELECT id FROM storage.resumable_uploads WHERE expires_at < $1 FOR UPDATE SKIP LOCKED)
            RETURNING id
            """);
        command.Parameters.AddWithValue(now);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
