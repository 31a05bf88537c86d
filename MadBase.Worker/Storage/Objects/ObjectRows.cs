using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Storage.Objects;

/// <summary>One row of storage.objects as the object endpoints need it.</summary>
internal sealed record ObjectRow(Guid Id, string BucketId, string Name, string? Version, ObjectMetadata Metadata, string? UserMetadataJson, DateTimeOffset UpdatedAt)
{
    public string BlobKey(string projectRef) => BlobKeys.For(projectRef, BucketId, Name, Version ?? string.Empty);
}

/// <summary>storage.objects: the SQL of the object endpoints, always inside the caller's RLS transaction.</summary>
internal static class ObjectRows
{
    public const string JsonColumns = "id, bucket_id, name, owner, owner_id, version, metadata, user_metadata, created_at, updated_at, last_accessed_at";

    /// <summary>The row, or null when it does not exist or the caller's policies hide it.</summary>
    public static async Task<ObjectRow?> FindAsync(RlsTransaction transaction, string bucketId, string name, CancellationToken cancellationToken, bool forUpdate = false)
    {
        await using var command = transaction.CreateCommand(
            "SELECT id, bucket_id, name, version, metadata::text, user_metadata::text, updated_at FROM storage.objects WHERE bucket_id = $1 AND name = $2"
            + (forUpdate ? " FOR UPDATE" : string.Empty));
        command.Parameters.AddWithValue(bucketId);
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var updated = reader.IsDBNull(6) ? DateTimeOffset.UnixEpoch : reader.GetFieldValue<DateTimeOffset>(6);
        return new ObjectRow(
            reader.GetGuid(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            ObjectMetadata.Parse(reader.IsDBNull(4) ? null : reader.GetString(4), updated),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            updated);
    }

    /// <summary>A new object; a row already at the path raises unique_violation (the Duplicate error).</summary>
    public static async Task InsertAsync(RlsTransaction transaction, NewObject item, CancellationToken cancellationToken)
    {
        // No RETURNING: an insert-only policy (no SELECT policy) must be enough to upload, as in Supabase.
        await using var command = transaction.CreateCommand("""
            INSERT INTO storage.objects (id, bucket_id, name, owner, owner_id, version, metadata, user_metadata)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)
            """);
        AddParameters(command, item);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Insert or overwrite; returns the row's id and the version it replaced (when the caller could see it).</summary>
    public static async Task<(Guid Id, string? PreviousVersion)> UpsertAsync(RlsTransaction transaction, NewObject item, CancellationToken cancellationToken)
    {
        // Locking the current row first serialises concurrent overwrites of one path, so each one learns
        // exactly which version it replaced and can delete those bytes after commit.
        // The advisory lock covers the case where no row exists yet (nothing for FOR UPDATE to lock).
        await using (var pathLock = transaction.CreateCommand("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))"))
        {
            pathLock.Parameters.AddWithValue(item.BucketId);
            pathLock.Parameters.AddWithValue(item.Name);
            await pathLock.ExecuteNonQueryAsync(cancellationToken);
        }

        string? previous;
        await using (var current = transaction.CreateCommand("SELECT version FROM storage.objects WHERE bucket_id = $1 AND name = $2 FOR UPDATE"))
        {
            current.Parameters.AddWithValue(item.BucketId);
            current.Parameters.AddWithValue(item.Name);
            previous = await current.ExecuteScalarAsync(cancellationToken) as string;
        }

        await using var command = transaction.CreateCommand("""
            INSERT INTO storage.objects AS o (id, bucket_id, name, owner, owner_id, version, metadata, user_metadata)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)
            ON CONFLICT (bucket_id, name) DO UPDATE SET
                owner = EXCLUDED.owner, owner_id = EXCLUDED.owner_id, version = EXCLUDED.version,
                metadata = EXCLUDED.metadata, user_metadata = EXCLUDED.user_metadata, last_accessed_at = now()
            RETURNING o.id
            """);
        AddParameters(command, item);
        var id = (Guid)(await command.ExecuteScalarAsync(cancellationToken))!;
        return (id, previous);
    }

    /// <summary>Moves a row to a new bucket/name/version (RLS: the caller must be allowed to update both).</summary>
    public static async Task<bool> MoveAsync(RlsTransaction transaction, ObjectRow source, string destinationBucket, string destinationName, string version, string? ownerId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            UPDATE storage.objects SET bucket_id = $3, name = $4, version = $5, owner = $6, owner_id = $7, last_accessed_at = now()
            WHERE bucket_id = $1 AND name = $2
            """);
        command.Parameters.AddWithValue(source.BucketId);
        command.Parameters.AddWithValue(source.Name);
        command.Parameters.AddWithValue(destinationBucket);
        command.Parameters.AddWithValue(destinationName);
        command.Parameters.AddWithValue(version);
        command.Parameters.Add(new NpgsqlParameter { Value = Owner.Uuid(ownerId), NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)ownerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>Deletes the named objects the caller may delete; returns them as JSON and their blob keys.</summary>
    public static async Task<(string Json, IReadOnlyList<string> BlobKeys)> DeleteManyAsync(RlsTransaction transaction, string projectRef, string bucketId, string[] names, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand($"""
            WITH deleted AS (
                DELETE FROM storage.objects WHERE bucket_id = $1 AND name = ANY($2) RETURNING {JsonColumns}
            )
            SELECT coalesce(json_agg(d), '[]')::text, coalesce(array_agg(d.name), ARRAY[]::text[]), coalesce(array_agg(coalesce(d.version, '')), ARRAY[]::text[]) FROM deleted d
            """);
        command.Parameters.AddWithValue(bucketId);
        command.Parameters.AddWithValue(names);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var json = reader.GetString(0);
        var deletedNames = reader.GetFieldValue<string[]>(1);
        var versions = reader.GetFieldValue<string[]>(2);
        return (json, [.. deletedNames.Zip(versions, (n, v) => BlobKeys.For(projectRef, bucketId, n, v))]);
    }

    public static async Task<IReadOnlyList<string>> DeleteAllAsync(RlsTransaction transaction, string projectRef, string bucketId, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("DELETE FROM storage.objects WHERE bucket_id = $1 RETURNING name, coalesce(version, '')");
        command.Parameters.AddWithValue(bucketId);
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(BlobKeys.For(projectRef, bucketId, reader.GetString(0), reader.GetString(1)));
        }

        return keys;
    }

    /// <summary>GET /object/info: the row in the shape storage-js's info() reads (FileObjectV2), built by Postgres.</summary>
    public static async Task<string?> InfoAsync(RlsTransaction transaction, string bucketId, string name, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            SELECT json_build_object(
                'id', id, 'name', name, 'version', version, 'bucket_id', bucket_id, 'owner', owner, 'owner_id', owner_id,
                'size', (metadata->>'size')::bigint, 'content_type', metadata->>'mimetype',
                'cache_control', metadata->>'cacheControl', 'etag', metadata->>'eTag',
                'metadata', coalesce(user_metadata, '{}'::jsonb), 'last_modified', updated_at,
                'created_at', created_at, 'updated_at', updated_at, 'last_accessed_at', last_accessed_at)::text
            FROM storage.objects WHERE bucket_id = $1 AND name = $2
            """);
        command.Parameters.AddWithValue(bucketId);
        command.Parameters.AddWithValue(name);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private static void AddParameters(NpgsqlCommand command, NewObject item)
    {
        command.Parameters.AddWithValue(item.Id);
        command.Parameters.AddWithValue(item.BucketId);
        command.Parameters.AddWithValue(item.Name);
        command.Parameters.Add(new NpgsqlParameter { Value = Owner.Uuid(item.OwnerId), NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)item.OwnerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(item.Version);
        command.Parameters.AddWithValue(item.MetadataJson);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)item.UserMetadataJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
    }
}

/// <summary>A row about to be written for freshly stored bytes.</summary>
internal sealed record NewObject(Guid Id, string BucketId, string Name, string? OwnerId, string Version, string MetadataJson, string? UserMetadataJson);
