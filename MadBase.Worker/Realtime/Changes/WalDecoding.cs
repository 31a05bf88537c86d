using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>pgoutput's row tuples to <see cref="WalChange"/>s.</summary>
internal static class WalDecoding
{
    /// <summary>Supabase's <c>max_record_bytes</c> default: a larger record loses its long values and carries a 413 error.</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    private const int LongValueBytes = 64;
    private const uint JsonOid = 114;
    private const uint JsonbOid = 3802;

    public static string Timestamp(DateTime commit) =>
        commit.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static async Task<WalChange> ChangeAsync(
        char kind, RelationMessage relation, string timestamp, ReplicationTuple? newRow, ReplicationTuple? oldRow, bool oldIsKeyOnly,
        CancellationToken cancellationToken)
    {
        var size = 0;
        Dictionary<string, JsonElement>? newValues = null;
        Dictionary<string, JsonElement>? oldValues = null;
        if (newRow is not null)
        {
            (newValues, var bytes) = await ReadAsync(relation, newRow, keyOnly: false, cancellationToken);
            size += bytes;
        }

        if (oldRow is not null)
        {
            (oldValues, var bytes) = await ReadAsync(relation, oldRow, oldIsKeyOnly, cancellationToken);
            size += bytes;
        }
        else if (kind == 'U' && newValues is not null)
        {
            // The key did not change, so the WAL has no old tuple: the replica identity is the new row's key,
            // which is what Supabase reports as the old record.
            oldValues = relation.Columns
                .Where(c => (c.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) != 0 && newValues.ContainsKey(c.ColumnName))
                .ToDictionary(c => c.ColumnName, c => newValues[c.ColumnName], StringComparer.Ordinal);
        }

        var tooLarge = size > MaxRecordBytes;
        if (tooLarge)
        {
            Trim(newValues);
            Trim(oldValues);
        }

        return new WalChange(relation.Namespace, relation.RelationName, kind, timestamp, newValues, oldValues, tooLarge);
    }

    private static async Task<(Dictionary<string, JsonElement> Values, int Bytes)> ReadAsync(
        RelationMessage relation, ReplicationTuple tuple, bool keyOnly, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var bytes = 0;
        var index = 0;
        await foreach (var value in tuple.WithCancellation(cancellationToken))
        {
            var column = relation.Columns[index++];
            if (keyOnly && (column.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) == 0)
            {
                // A key tuple carries the other columns as nulls.
                continue;
            }

            if (value.IsUnchangedToastedValue)
            {
                // Not in the WAL; left out rather than reported as null.
                continue;
            }

            if (value.IsDBNull)
            {
                values[column.ColumnName] = JsonNull;
                continue;
            }

            var text = await value.Get<string>(cancellationToken);
            bytes += Encoding.UTF8.GetByteCount(text);
            values[column.ColumnName] = column.DataTypeId is JsonOid or JsonbOid
                ? JsonDocument.Parse(text).RootElement.Clone()
                : JsonSerializer.SerializeToElement(text);
        }

        return (values, bytes);
    }

    private static void Trim(Dictionary<string, JsonElement>? values)
    {
        if (values is null)
        {
            return;
        }

        foreach (var (name, value) in values.ToList())
        {
            var length = value.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetByteCount(value.GetString()!) : value.GetRawText().Length;
            if (length > LongValueBytes)
            {
                values.Remove(name);
            }
        }
    }

    private static readonly JsonElement JsonNull = JsonDocument.Parse("null").RootElement.Clone();
}
