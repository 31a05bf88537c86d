using MadBase.Worker.Tenancy;
using NpgsqlTypes;

namespace MadBase.Worker.Storage.S3;

/// <summary>An upload in progress: where it will land and what the object will be described as.</summary>
internal sealed record MultipartUpload(string Id, string BucketId, string Key, string? OwnerId, string ContentType, string CacheControl, string? UserMetadataJson)
{
    /// <summary>When it began (read by listings; a new upload has not been stored yet).</summary>
    public DateTimeOffset Created { get; init; }
}

/// <summary>One stored part.</summary>
internal sealed record UploadedPart(int Number, string ETag, long Size, string BlobKey, DateTimeOffset Created);

/// <summary>The SQL of storage.s3_multipart_uploads(_parts), run as service_role (see <see cref="S3MultipartSql"/>).</summary>
internal static class MultipartRows
{
    public static async Task InsertAsync(RlsTransaction transaction, MultipartUpload upload, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            INSERT INTO storage.s3_multipart_uploads (id, bucket_id, key, owner_id, content_type, cache_control, user_metadata)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
            """);
        command.Parameters.AddWithValue(upload.Id);
        command.Parameters.AddWithValue(upload.BucketId);
        command.Parameters.AddWithValue(upload.Key);
        command.Parameters.Add(new() { Value = (object?)upload.OwnerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(upload.ContentType);
        command.Parameters.AddWithValue(upload.CacheControl);
        command.Parameters.Add(new() { Value = (object?)upload.UserMetadataJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The upload, when it exists at this bucket and key and belongs to the caller (the same user, or none for keys);
    /// <paramref name="forUpdate"/> locks it against a concurrent abort or complete (in a read-write transaction).</summary>
    public static async Task<MultipartUpload?> FindAsync(RlsTransaction transaction, string id, string bucketId, string key, string? ownerId, CancellationToken cancellationToken, bool forUpdate = false)
    {
        await using var command = transaction.CreateCommand("""
            SELECT id, bucket_id, key, owner_id, content_type, cache_control, user_metadata::text FROM storage.s3_multipart_uploads
            WHERE id = $1 AND bucket_id = $2 AND key = $3 AND owner_id IS NOT DISTINCT FROM $4
            """ + (forUpdate ? " FOR UPDATE" : string.Empty));
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(bucketId);
        command.Parameters.AddWithValue(key);
        command.Parameters.Add(new() { Value = (object?)ownerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new MultipartUpload(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6));
    }

    /// <summary>
    /// The owner's uploads in the bucket under the prefix, by key and then by start, after the markers: keys after
    /// <paramref name="keyMarker"/>, or at it and begun after <paramref name="uploadIdMarker"/>'s upload;
    /// <paramref name="skipFolder"/> also skips the keys under the marker (a folder the last page ended with).
    /// </summary>
    public static async Task<List<MultipartUpload>> ListAsync(
        RlsTransaction transaction, string bucketId, string? ownerId, string prefix, string keyMarker, string uploadIdMarker, bool skipFolder, int take,
        CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            SELECT u.id, u.bucket_id, u.key, u.owner_id, u.content_type, u.cache_control, u.user_metadata::text, u.created_at
            FROM storage.s3_multipart_uploads u
            LEFT JOIN storage.s3_multipart_uploads m ON m.id = $5 AND m.bucket_id = u.bucket_id
            WHERE u.bucket_id = $1 AND u.owner_id IS NOT DISTINCT FROM $2 AND left(u.key, length($3)) = $3
              AND (u.key > $4 OR (u.key = $4 AND m.id IS NOT NULL AND (u.created_at, u.id) > (m.created_at, m.id)))
              AND NOT ($6 AND left(u.key, length($4)) = $4)
            ORDER BY u.key, u.created_at, u.id
            LIMIT $7
            """);
        command.Parameters.AddWithValue(bucketId);
        command.Parameters.Add(new() { Value = (object?)ownerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(prefix);
        command.Parameters.AddWithValue(keyMarker);
        command.Parameters.AddWithValue(uploadIdMarker);
        command.Parameters.AddWithValue(skipFolder);
        command.Parameters.AddWithValue(take);
        var uploads = new List<MultipartUpload>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            uploads.Add(new MultipartUpload(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6))
            {
                Created = reader.GetFieldValue<DateTimeOffset>(7),
            });
        }

        return uploads;
    }

    public static async Task<List<UploadedPart>> PartsAsync(RlsTransaction transaction, string uploadId, int afterNumber, int take, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            SELECT part_number, etag, size, blob_key, created_at FROM storage.s3_multipart_uploads_parts
            WHERE upload_id = $1 AND part_number > $2 ORDER BY part_number LIMIT $3
            """);
        command.Parameters.AddWithValue(uploadId);
        command.Parameters.AddWithValue(afterNumber);
        command.Parameters.AddWithValue(take);
        var parts = new List<UploadedPart>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            parts.Add(new UploadedPart(reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return parts;
    }

    /// <summary>Records a part (replacing one of the same number); returns the blob key of the part it replaced.</summary>
    public static async Task<string?> SavePartAsync(RlsTransaction transaction, string uploadId, int number, string etag, long size, string blobKey, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            WITH previous AS (
                SELECT blob_key FROM storage.s3_multipart_uploads_parts WHERE upload_id = $1 AND part_number = $2 FOR UPDATE
            ), saved AS (
                INSERT INTO storage.s3_multipart_uploads_parts (upload_id, part_number, etag, size, blob_key)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (upload_id, part_number) DO UPDATE SET etag = EXCLUDED.etag, size = EXCLUDED.size, blob_key = EXCLUDED.blob_key, created_at = now()
            )
            SELECT blob_key FROM previous
            """);
        command.Parameters.AddWithValue(uploadId);
        command.Parameters.AddWithValue(number);
        command.Parameters.AddWithValue(etag);
        command.Parameters.AddWithValue(size);
        command.Parameters.AddWithValue(blobKey);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Removes the upload and its part rows; returns the parts' blob keys, to delete after commit.</summary>
    public static async Task<IReadOnlyList<string>> DeleteAsync(RlsTransaction transaction, string uploadId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            WITH parts AS (SELECT blob_key FROM storage.s3_multipart_uploads_parts WHERE upload_id = $1),
                 gone AS (DELETE FROM storage.s3_multipart_uploads WHERE id = $1)
            SELECT coalesce(array_agg(blob_key), ARRAY[]::text[]) FROM parts
            """);
        command.Parameters.AddWithValue(uploadId);
        return (string[])(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
