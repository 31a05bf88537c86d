using System.Text;
using System.Text.Json;
using MadBase.Worker.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Storage.Objects;

/// <summary>
/// POST /object/list (storage-api's search v1: one level under a prefix, folders as entries with null id
/// and metadata) and POST /object/list-v2 (cursor paging, folders and objects apart). Postgres groups,
/// sorts, pages and builds the JSON; RLS decides which rows exist for the caller.
/// </summary>
internal static class ObjectListing
{
    private static readonly string[] SortColumns = ["name", "created_at", "updated_at", "last_accessed_at"];

    public static async Task<IResult> List([AsParameters] StorageServices services, string bucket)
    {
        var body = await StorageJson.ReadObjectAsync(services.Context);
        var prefix = Folder(body.String("prefix"));
        var limit = Math.Clamp(body.Int("limit") ?? 100, 1, 1000);
        var offset = Math.Max(body.Int("offset") ?? 0, 0);
        var search = body.String("search") ?? string.Empty;
        var (column, order) = Sort(body);

        await using var transaction = await services.BeginAsync("storage.object.list");
        var json = column == "name" && order == "ASC" && search.Length == 0
            ? await WalkAsync(transaction, bucket, prefix, limit, offset, services.Aborted)
            : await GroupAsync(transaction, bucket, prefix, search, column, order, limit, offset, services.Aborted);
        await transaction.CommitAsync(services.Aborted);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> ListV2([AsParameters] StorageServices services, string bucket)
    {
        var body = await StorageJson.ReadObjectAsync(services.Context);
        var prefix = body.String("prefix") ?? string.Empty;
        var limit = Math.Clamp(body.Int("limit") ?? 1000, 1, 1000);
        var withDelimiter = body.Bool("with_delimiter") ?? false;
        var (column, order) = Sort(body);
        var cursor = ListCursor.Decode(body.String("cursor"), column, order);

        await using var transaction = await services.BeginAsync("storage.object.list");
        var entries = cursor is { Column: "name", Order: "ASC" }
            ? await ReadV2Async(transaction, bucket, prefix, withDelimiter, cursor.AfterKey, limit + 1, services.Aborted)
            : await ReadV2SortedAsync(transaction, bucket, prefix, withDelimiter, cursor, limit + 1, services.Aborted);
        await transaction.CommitAsync(services.Aborted);

        var hasNext = entries.Count > limit;
        var page = entries.Take(limit).ToList();
        var result = new Dictionary<string, object?>
        {
            ["hasNext"] = hasNext,
            ["folders"] = page.Where(e => e.IsFolder).Select(e => new Dictionary<string, object?> { ["key"] = e.Key, ["name"] = e.Key }).ToList(),
            ["objects"] = page.Where(e => !e.IsFolder).Select(e => e.Object).ToList(),
        };
        if (hasNext)
        {
            result["nextCursor"] = (cursor with { AfterKey = page[^1].Key, AfterValue = page[^1].SortValue }).Encode();
        }

        return Results.Json(result);
    }

    /// <summary>
    /// One page of names after <paramref name="after"/> under <paramref name="prefix"/> (any text, not only a folder),
    /// in byte order; with <paramref name="withDelimiter"/>, names with a further '/' folded into one folder entry.
    /// storage-api's list-v2 and S3's ListObjects both page with it.
    /// </summary>
    public static async Task<List<V2Entry>> ReadV2Async(RlsTransaction transaction, string bucket, string prefix, bool withDelimiter, string after, int take, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand($"""
            WITH keyed AS ({V2Keyed})
            SELECT DISTINCT ON (key COLLATE "C") key, key <> name AS is_folder, {V2Item}, NULL::timestamptz
            FROM keyed
            WHERE key COLLATE "C" > $4
            ORDER BY key COLLATE "C"
            LIMIT $6
            """);
        AddV2Parameters(command, bucket, prefix, withDelimiter, after, take);
        return await ReadV2EntriesAsync(command, cancellationToken);
    }

    /// <summary>
    /// Any other order, as storage-api pages it: by (the column to the millisecond, key), the cursor holding both
    /// of the last entry. Folders have no timestamps and sort as the epoch, before objects ascending.
    /// </summary>
    private static async Task<List<V2Entry>> ReadV2SortedAsync(RlsTransaction transaction, string bucket, string prefix, bool withDelimiter, ListCursor cursor, int take, CancellationToken cancellationToken)
    {
        // The column and order come from allow-lists (ListCursor), never from the request's text.
        var value = cursor.Column == "name" ? "'epoch'::timestamptz" : $"date_trunc('milliseconds', {cursor.Column})";
        var page = cursor.Order == "ASC" ? ">" : "<";
        await using var command = transaction.CreateCommand($"""
            WITH keyed AS ({V2Keyed}), entries AS (
                SELECT DISTINCT ON (key COLLATE "C") key, key <> name AS is_folder, {V2Item},
                       CASE WHEN key <> name THEN 'epoch'::timestamptz ELSE coalesce({value}, 'epoch') END AS sort_value
                FROM keyed
                ORDER BY key COLLATE "C"
            )
            SELECT key, is_folder, item, sort_value FROM entries
            WHERE $4 = '' OR (sort_value, key COLLATE "C") {page} ($7::timestamptz, $4::text COLLATE "C")
            ORDER BY sort_value {cursor.Order}, key COLLATE "C" {cursor.Order}
            LIMIT $6
            """);
        AddV2Parameters(command, bucket, prefix, withDelimiter, cursor.AfterKey, take);
        command.Parameters.AddWithValue(cursor.AfterValue ?? DateTimeOffset.UnixEpoch);
        return await ReadV2EntriesAsync(command, cancellationToken);
    }

    private const string V2Keyed = """
        SELECT CASE WHEN $3 AND strpos(substr(o.name, char_length($5) + 1), '/') > 0
                    THEN $5 || split_part(substr(o.name, char_length($5) + 1), '/', 1) || '/'
                    ELSE o.name END AS key,
               o.*
        FROM storage.objects o
        WHERE o.bucket_id = $1 AND o.name LIKE $2 ESCAPE '\'
        """;

    private const string V2Item = """
        CASE WHEN key <> name THEN NULL ELSE json_build_object(
            'id', id, 'key', name, 'name', name, 'updated_at', updated_at, 'created_at', created_at,
            'last_accessed_at', last_accessed_at, 'metadata', metadata)::text END AS item
        """;

    private static void AddV2Parameters(NpgsqlCommand command, string bucket, string prefix, bool withDelimiter, string after, int take)
    {
        command.Parameters.AddWithValue(bucket);
        command.Parameters.AddWithValue(Buckets.Buckets.EscapeLike(prefix) + "%");
        command.Parameters.AddWithValue(withDelimiter);
        command.Parameters.AddWithValue(after);
        command.Parameters.AddWithValue(prefix);
        command.Parameters.AddWithValue(take);
    }

    private static async Task<List<V2Entry>> ReadV2EntriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<V2Entry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            JsonElement? item = reader.IsDBNull(2) ? null : JsonDocument.Parse(reader.GetString(2)).RootElement.Clone();
            entries.Add(new V2Entry(reader.GetString(0), reader.GetBoolean(1), item, reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return entries;
    }

    /// <summary>
    /// The common case (by name, no search) as a loose index scan: one index probe per entry, jumping past
    /// a folder's contents at once, so listing 100 entries costs ~100 probes however large the bucket.
    /// A folder "f" under prefix p holds names from "p f/" to just before "p f0" ('0' follows '/' in byte order).
    /// </summary>
    private static async Task<string> WalkAsync(RlsTransaction transaction, string bucket, string prefix, int limit, int offset, CancellationToken cancellationToken)
    {
        await using var command = transaction.CreateCommand("""
            WITH RECURSIVE walk AS (
                (SELECT o.name, o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata, 1 AS n
                 FROM storage.objects o
                 WHERE o.bucket_id = $1 AND o.name COLLATE "C" >= $2 AND ($3::text IS NULL OR o.name COLLATE "C" < $3)
                 ORDER BY o.name COLLATE "C" LIMIT 1)
                UNION ALL
                SELECT next.*, walk.n + 1
                FROM walk CROSS JOIN LATERAL (
                    SELECT o.name, o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
                    FROM storage.objects o
                    WHERE o.bucket_id = $1
                      AND o.name COLLATE "C" > walk.name
                      AND o.name COLLATE "C" >= CASE WHEN strpos(substr(walk.name, $4 + 1), '/') > 0
                          THEN $2 || split_part(substr(walk.name, $4 + 1), '/', 1) || '0' ELSE '' END
                      AND ($3::text IS NULL OR o.name COLLATE "C" < $3)
                    ORDER BY o.name COLLATE "C" LIMIT 1) next
                WHERE walk.n < $5 + $6
            ), entries AS (
                SELECT split_part(substr(name, $4 + 1), '/', 1) AS entry, strpos(substr(name, $4 + 1), '/') > 0 AS is_folder,
                       id, updated_at, created_at, last_accessed_at, metadata, n
                FROM walk ORDER BY n OFFSET $6 LIMIT $5
            )
            SELECT coalesce(json_agg(json_build_object(
                'name', entry,
                'id', CASE WHEN is_folder THEN NULL ELSE id END,
                'updated_at', CASE WHEN is_folder THEN NULL ELSE updated_at END,
                'created_at', CASE WHEN is_folder THEN NULL ELSE created_at END,
                'last_accessed_at', CASE WHEN is_folder THEN NULL ELSE last_accessed_at END,
                'metadata', CASE WHEN is_folder THEN NULL ELSE metadata END) ORDER BY n), '[]')::text
            FROM entries WHERE entry <> ''
            """);
        command.Parameters.AddWithValue(bucket);
        command.Parameters.AddWithValue(prefix);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)UpperBound(prefix) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(prefix.EnumerateRunes().Count());
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(offset);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Any other sort or a search: group every row under the prefix into entries, then sort and page.</summary>
    private static async Task<string> GroupAsync(RlsTransaction transaction, string bucket, string prefix, string search, string column, string order, int limit, int offset, CancellationToken cancellationToken)
    {
        var sortKey = column == "name" ? "name COLLATE \"C\"" : column;

        // column and order come from allow-lists; everything from the request is a parameter.
        await using var command = transaction.CreateCommand($"""
            WITH entries AS (
                SELECT split_part(substr(o.name, $3 + 1), '/', 1) AS entry,
                       strpos(substr(o.name, $3 + 1), '/') > 0 AS is_folder,
                       o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
                FROM storage.objects o
                WHERE o.bucket_id = $1 AND o.name LIKE $2 ESCAPE '\'
            ), grouped AS (
                SELECT DISTINCT ON (entry) entry AS name,
                       CASE WHEN is_folder THEN NULL ELSE id END AS id,
                       CASE WHEN is_folder THEN NULL ELSE updated_at END AS updated_at,
                       CASE WHEN is_folder THEN NULL ELSE created_at END AS created_at,
                       CASE WHEN is_folder THEN NULL ELSE last_accessed_at END AS last_accessed_at,
                       CASE WHEN is_folder THEN NULL ELSE metadata END AS metadata
                FROM entries
                WHERE entry <> '' AND lower(entry) LIKE lower($4) ESCAPE '\'
                ORDER BY entry, is_folder
            )
            SELECT coalesce(json_agg(g), '[]')::text FROM (
                SELECT * FROM grouped ORDER BY {sortKey} {order}, name COLLATE "C" {order} LIMIT $5 OFFSET $6
            ) g
            """);
        command.Parameters.AddWithValue(bucket);
        command.Parameters.AddWithValue(Buckets.Buckets.EscapeLike(prefix) + "%");
        command.Parameters.AddWithValue(prefix.EnumerateRunes().Count());
        command.Parameters.AddWithValue(Buckets.Buckets.EscapeLike(search) + "%");
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(offset);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The least string greater than every string starting with <paramref name="prefix"/> (null: no bound).</summary>
    private static string? UpperBound(string prefix) =>
        prefix.Length == 0 ? null : prefix[..^1] + (char)(prefix[^1] + 1);

    private static string Folder(string? prefix)
    {
        var folder = (prefix ?? string.Empty).Trim('/');
        return folder.Length == 0 ? string.Empty : folder + "/";
    }

    private static (string Column, string Order) Sort(JsonElement body)
    {
        if (!body.TryGetProperty("sortBy", out var sortBy) || sortBy.ValueKind != JsonValueKind.Object)
        {
            return ("name", "ASC");
        }

        var column = sortBy.String("column") is { } c && SortColumns.Contains(c) ? c : "name";
        var order = string.Equals(sortBy.String("order"), "desc", StringComparison.OrdinalIgnoreCase) ? "DESC" : "ASC";
        return (column, order);
    }
}

/// <summary>A listed name: an object (with its JSON: id, key, timestamps, metadata) or a folder (a common prefix).</summary>
/// <param name="SortValue">The timestamp a list-v2 sorted by created_at or updated_at pages by.</param>
internal sealed record V2Entry(string Key, bool IsFolder, JsonElement? Object, DateTimeOffset? SortValue = null);
