using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MadBase.Worker.Storage.Buckets;

/// <summary>
/// A bucket's <c>file_size_limit</c>: a byte count, or a string such as "20MB" as storage-api parses it
/// (src/storage/limits.ts parseFileSizeToBytes): decimal units (20MB is 20,000,000 bytes), three significant
/// digits, B/KB/MB/GB in any case. A string of digits alone is a byte count, as the number would be.
/// </summary>
internal static partial class FileSizeLimit
{
    /// <summary>Null means "no bucket limit". Throws InvalidRequest for anything else unreadable.</summary>
    public static long? Parse(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.Number when value.TryGetInt64(out var bytes) && bytes >= 0:
                return bytes == 0 ? null : bytes;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain))
                {
                    return plain == 0 ? null : plain;
                }

                var match = SizePattern().Match(text);
                if (match.Success)
                {
                    // parseFloat(...).toPrecision(3), then the decimal multiplier.
                    var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                    var rounded = double.Parse(number.ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                    var multiplier = match.Groups[2].Value.ToUpperInvariant() switch
                    {
                        "KB" => 1e3,
                        "MB" => 1e6,
                        "GB" => 1e9,
                        _ => 1d,
                    };
                    var result = (long)Math.Round(rounded * multiplier);
                    return result == 0 ? null : result;
                }

                break;
        }

        throw StorageError.InvalidRequest("Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B");
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)(B|KB|MB|GB)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
