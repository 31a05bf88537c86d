using System.Text.Json;
using MadBase.Worker.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Storage.Buckets;

/// <summary>What an upload needs to know about its bucket, read as storage-api reads it: as superuser.</summary>
internal sealed record BucketLimits(string Id, bool Public, long? FileSizeLimit, IReadOnlyList<string>? AllowedMimeTypes);

/// <summary>storage.buckets: the SQL of the bucket endpoints. Every statement runs under the caller's RLS transaction.</summary>
internal static class Buckets
{
    private const string Columns = "id, name, owner, owner_id, public, 'STANDARD' AS type, file_size_limit, allowed_mime_types, created_at, updated_at";

    private static readonly string[] SortColumns = ["id", "name", "created_at", "updated_at"];

    public static async Task<string> ListAsync(RlsTransaction transaction, IQueryCollection query, CancellationToken cancellationToken)
    {
        var sortColumn = query["sortColumn"].ToString();
        var column = SortColumns.Contains(sortColumn) ? sortColumn : "name";
        var order = string.Equals(query["sortOrder"].ToString(), "desc", StringComparison.OrdinalIgnoreCase) ? "DESC" : "ASC";
        var limit = int.TryParse(query["limit"], out var l) && l > 0 ? l : (int?)null;
        var offset = int.TryParse(query["offset"], out var o) && o > 0 ? o : 0;

        // column and order come from the allow-lists above, never from the request text.
        await using var command = transaction.CreateCommand($"""
            SELECT coalesce(json_agg(b), '[]')::text FROM (
                SELECT {Columns} FROM storage.buckets
                WHERE $1 = '' OR name ILIKE '%' || $1 || '%'
                ORDER BY {column} {order}
                LIMIT $2 OFFSET $3) b
            """);
        command.Parameters.AddWithValue(EscapeLike(query["search"].ToString()));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)limit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.AddWithValue(offset);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<string?> GetAsync(RlsTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand($"SELECT row_to_json(b)::text FROM (SELECT {Columns} FROM storage.buckets WHERE id = $1) b");
        command.Parameters.AddWithValue(id);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public static async Task<BucketLimits?> FindLimitsAsync(RlsTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("SELECT id, coalesce(public, false), file_size_limit, allowed_mime_types FROM storage.buckets WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new BucketLimits(
            reader.GetString(0),
            reader.GetBoolean(1),
            reader.IsDBNull(2) ? null : reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<string[]>(3));
    }

    public static async Task CreateAsync(RlsTransaction transaction, BucketFields fields, Caller caller, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            INSERT INTO storage.buckets (id, name, owner, owner_id, public, file_size_limit, allowed_mime_types)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """);
        command.Parameters.AddWithValue(fields.Id);
        command.Parameters.AddWithValue(fields.Name ?? fields.Id);
        command.Parameters.Add(new NpgsqlParameter { Value = Owner.Uuid(caller), NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)caller.Subject ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(fields.Public ?? false);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)fields.FileSizeLimit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)fields.AllowedMimeTypes ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Only the fields present in the body change, as storage-api's PUT /bucket does.</summary>
    public static async Task<bool> UpdateAsync(RlsTransaction transaction, BucketFields fields, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            UPDATE storage.buckets SET
                public = CASE WHEN $2 THEN $3 ELSE public END,
                file_size_limit = CASE WHEN $4 THEN $5 ELSE file_size_limit END,
                allowed_mime_types = CASE WHEN $6 THEN $7 ELSE allowed_mime_types END,
                updated_at = now()
            WHERE id = $1
            """);
        command.Parameters.AddWithValue(fields.Id);
        command.Parameters.AddWithValue(fields.Public.HasValue);
        command.Parameters.AddWithValue(fields.Public ?? false);
        command.Parameters.AddWithValue(fields.HasFileSizeLimit);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)fields.FileSizeLimit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.AddWithValue(fields.HasAllowedMimeTypes);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)fields.AllowedMimeTypes ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public static async Task<bool> HasObjectsAsync(RlsTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("SELECT EXISTS (SELECT 1 FROM storage.objects WHERE bucket_id = $1)");
        command.Parameters.AddWithValue(id);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<bool> DeleteAsync(RlsTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("DELETE FROM storage.buckets WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}

/// <summary>The body of POST /bucket and PUT /bucket/{id}.</summary>
internal sealed record BucketFields(string Id, string? Name, bool? Public, bool HasFileSizeLimit, long? FileSizeLimit, bool HasAllowedMimeTypes, string[]? AllowedMimeTypes)
{
    public static BucketFields From(JsonElement body, string? id)
    {
        var bucketId = id ?? body.String("id") ?? body.String("name") ?? throw StorageError.InvalidRequest("body must have required property 'name'");
        if (!ObjectNames.IsValidBucketName(bucketId))
        {
            throw StorageError.InvalidBucketName();
        }

        var hasLimit = body.TryGetProperty("file_size_limit", out var limit);
        var hasTypes = body.TryGetProperty("allowed_mime_types", out var types);
        string[]? mimeTypes = null;
        if (hasTypes && types.ValueKind == JsonValueKind.Array)
        {
            mimeTypes = [.. types.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString()! : throw StorageError.InvalidRequest("allowed_mime_types must be strings"))];
            if (mimeTypes.Any(t => !t.Contains('/', StringComparison.Ordinal)))
            {
                throw StorageError.InvalidRequest("Invalid mime type format");
            }
        }
        else if (hasTypes && types.ValueKind != JsonValueKind.Null)
        {
            throw StorageError.InvalidRequest("allowed_mime_types must be an array");
        }

        return new BucketFields(
            bucketId,
            body.String("name"),
            body.Bool("public"),
            hasLimit,
            hasLimit ? MadBase.Worker.Storage.Buckets.FileSizeLimit.Parse(limit) : null,
            hasTypes,
            mimeTypes is { Length: > 0 } ? mimeTypes : null);
    }
}
