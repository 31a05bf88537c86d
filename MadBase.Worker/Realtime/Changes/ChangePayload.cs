using System.Text.Json;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// The <c>data</c> of a postgres_changes frame as Supabase's server sends it and realtime-js reads it
/// (<c>type</c> becomes <c>eventType</c>, <c>record</c> <c>new</c>, <c>old_record</c> <c>old</c>):
/// the record for INSERT and UPDATE, the old record for UPDATE and DELETE.
/// </summary>
internal static class ChangePayload
{
    private const string TooLarge = "Error 413: Payload Too Large";

    public static ReadOnlyMemory<byte> Visible(WalChange change, VisibleRow row) =>
        Write(change, row.Columns, row.Record, row.OldRecord, change.TooLarge ? TooLarge : null);

    /// <summary>Supabase's answer when the role cannot be checked at all (no primary key, or none it may select).</summary>
    public static ReadOnlyMemory<byte> Error(WalChange change, string error) => Write(change, "[]", "{}", "{}", error);

    private static ReadOnlyMemory<byte> Write(WalChange change, string columns, string record, string oldRecord, string? error)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("schema", change.Schema);
            json.WriteString("table", change.Table);
            json.WriteString("commit_timestamp", change.CommitTimestamp);
            json.WriteString("type", change.EventName);
            json.WritePropertyName("columns");
            json.WriteRawValue(columns, skipInputValidation: true);
            if (change.Kind != 'D')
            {
                json.WritePropertyName("record");
                json.WriteRawValue(record, skipInputValidation: true);
            }

            if (change.Kind != 'I')
            {
                json.WritePropertyName("old_record");
                json.WriteRawValue(oldRecord, skipInputValidation: true);
            }

            if (error is null)
            {
                json.WriteNull("errors");
            }
            else
            {
                json.WriteStartArray("errors");
                json.WriteStringValue(error);
                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
