using System.Globalization;
using System.Text;

namespace MadBase.Worker.Storage.Objects;

/// <summary>
/// list-v2's cursor as storage-api encodes it (src/storage/object.ts encodeContinuationToken): base64 of
/// <c>l:&lt;last key&gt;</c>, <c>o:&lt;order&gt;</c>, <c>c:&lt;column&gt;</c>, <c>a:&lt;last entry's column value&gt;</c> lines,
/// so the next page continues in the order the first was asked in.
/// </summary>
internal sealed record ListCursor(string Column, string Order, string AfterKey, DateTimeOffset? AfterValue)
{
    private static readonly string[] Columns = ["name", "created_at", "updated_at"];

    /// <summary>The cursor's order, or (no cursor) the body's sortBy; column and order end up from allow-lists.</summary>
    public static ListCursor Decode(string? cursor, string column, string order)
    {
        var start = new ListCursor(Columns.Contains(column) ? column : "name", order == "DESC" ? "DESC" : "ASC", string.Empty, null);
        if (string.IsNullOrEmpty(cursor))
        {
            return start;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(cursor));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            throw Invalid();
        }

        foreach (var line in text.Split('\n'))
        {
            var value = line.Length >= 2 && line[1] == ':' ? line[2..] : throw Invalid();
            start = line[0] switch
            {
                'l' => start with { AfterKey = value },
                'o' => start with { Order = string.Equals(value, "desc", StringComparison.OrdinalIgnoreCase) ? "DESC" : "ASC" },
                'c' => start with { Column = Columns.Contains(value) ? value : throw Invalid() },
                'a' => start with
                {
                    AfterValue = DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var after) ? after : throw Invalid(),
                },
                _ => throw Invalid(),
            };
        }

        return start;
    }

    public string Encode()
    {
        var text = new StringBuilder("l:").Append(AfterKey)
            .Append("\no:").Append(Order == "DESC" ? "desc" : "asc")
            .Append("\nc:").Append(Column);
        if (Column != "name" && AfterValue is { } after)
        {
            text.Append("\na:").Append(after.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }

        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static StorageError Invalid() => new(400, "InvalidParameter", "Invalid continuation token");
}
