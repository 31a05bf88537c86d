using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MadBase.Worker.Storage.Buckets;

/// <summary>A bucket's <c>file_size_limit</c>: a byte count, or a string such as "20MB" as storage-api accepts.</summary>
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
                var match = SizePattern().Match(value.GetString()!.Trim());
                if (match.Success)
                {
                    var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                    var unit = match.Groups[2].Value.ToUpperInvariant();
                    var multiplier = unit switch
                    {
                        "KB" => 1024d,
                        "MB" => 1024d * 1024,
                        "GB" => 1024d * 1024 * 1024,
                        "TB" => 1024d * 1024 * 1024 * 1024,
                        _ => 1d,
                    };
                    var result = (long)(number * multiplier);
                    return result == 0 ? null : result;
                }

                break;
        }

        throw StorageError.InvalidRequest("Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B");
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)\\s*(B|KB|MB|GB|TB)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
