using System.Text.Json;
using System.Text.Json.Serialization;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// One committed transaction's row changes (or a slice of a large one), as the slot holder hands them to
/// every worker: raw from the WAL, before any subscriber's RLS check, which each worker runs for its own
/// subscribers. <paramref name="Origin"/> is the publishing worker, which delivers its own copy directly.
/// <paramref name="Refreshed"/> names the tables (<see cref="TableName"/>) whose relation message came with
/// these changes: their definition or privileges may have changed, so every worker reads their access anew.
/// </summary>
internal sealed record WalTransaction(
    [property: JsonPropertyName("o")] string Origin,
    [property: JsonPropertyName("c")] IReadOnlyList<WalChange> Changes,
    [property: JsonPropertyName("r")] IReadOnlyList<string>? Refreshed = null)
{
    // A name with a dot in it may stand for two tables; that only refreshes one more than needed.
    public static string TableName(string schema, string table) => schema + "." + table;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static WalTransaction? Deserialize(string text) => JsonSerializer.Deserialize<WalTransaction>(text, Json);
}

/// <summary>
/// A row change as pgoutput reported it. Values are Postgres's text output (json and jsonb values as
/// JSON, so they stay JSON when Postgres reads them back); a column missing from <see cref="New"/> was an
/// unchanged TOASTed value, which the WAL does not carry.
/// </summary>
/// <param name="Kind">I, U or D.</param>
/// <param name="CommitTimestamp">As Supabase sends it: UTC, milliseconds, <c>Z</c>.</param>
/// <param name="Old">The replica identity: the primary key (for an update, the new row's when the key did not change), or the whole old row with REPLICA IDENTITY FULL.</param>
/// <param name="TooLarge">The WAL record exceeded <see cref="WalDecoding.MaxRecordBytes"/>: values over 64 bytes were left out, and subscribers get Supabase's 413 error with the rest.</param>
internal sealed record WalChange(
    [property: JsonPropertyName("s")] string Schema,
    [property: JsonPropertyName("t")] string Table,
    [property: JsonPropertyName("k")] char Kind,
    [property: JsonPropertyName("ts")] string CommitTimestamp,
    [property: JsonPropertyName("n")] Dictionary<string, JsonElement>? New,
    [property: JsonPropertyName("od")] Dictionary<string, JsonElement>? Old,
    [property: JsonPropertyName("big")] bool TooLarge = false)
{
    public ChangeEvent Event => Kind switch
    {
        'I' => ChangeEvent.Insert,
        'U' => ChangeEvent.Update,
        _ => ChangeEvent.Delete,
    };

    public string EventName => Kind switch
    {
        'I' => "INSERT",
        'U' => "UPDATE",
        _ => "DELETE",
    };
}
