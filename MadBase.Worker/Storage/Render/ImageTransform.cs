using System.Globalization;
using System.Text.Json;

namespace MadBase.Worker.Storage.Render;

/// <summary>How an image is fitted to the requested box: storage-api's names (imgproxy's fill, fit and force).</summary>
internal enum ImageResize
{
    /// <summary>Fill the box, keeping the aspect ratio, and crop what overflows (centred). The default.</summary>
    Cover,

    /// <summary>Fit inside the box, keeping the aspect ratio.</summary>
    Contain,

    /// <summary>Stretch to the box exactly.</summary>
    Fill,
}

/// <summary>
/// The transformation options of storage-api's render routes and of signed URLs made with <c>transform</c>:
/// width and height (clamped to 1–2000 as storage-api's default limits), resize, format (origin, webp, avif;
/// none lets the client's Accept choose webp) and quality (20–100). In a signed token they travel as the
/// <c>transformations</c> claim, in storage-api's <c>height:100,width:100,resize:cover</c> form.
/// </summary>
internal sealed record ImageTransform(int? Width, int? Height, ImageResize Resize, string? Format, int? Quality)
{
    public const int MinSize = 1;
    public const int MaxSize = 2000;

    private static readonly string[] Formats = ["origin", "avif", "webp"];

    public static ImageTransform None { get; } = new(null, null, ImageResize.Cover, null, null);

    /// <summary>The render routes' query string (<c>?width=100&amp;height=100&amp;resize=contain</c>).</summary>
    public static ImageTransform FromQuery(IQueryCollection query) => Parse(
        name => query.TryGetValue(name, out var value) ? value.ToString() : null, "querystring");

    /// <summary>The <c>transform</c> object of a signing request, or null when there is none.</summary>
    public static ImageTransform? FromJson(JsonElement body)
    {
        if (!body.TryGetProperty("transform", out var transform) || transform.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (transform.ValueKind != JsonValueKind.Object)
        {
            throw StorageError.InvalidRequest("body/transform must be object");
        }

        return Parse(name => transform.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Null => null,
            _ => value.GetRawText(),
        } : null, "body/transform");
    }

    /// <summary>The <c>transformations</c> claim of a signed token.</summary>
    public static ImageTransform FromClaim(string? claim)
    {
        var parts = (claim ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(':', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        return Parse(name => parts.GetValueOrDefault(name), "token");
    }

    /// <summary>storage-api's claim text: height, width, resize (when sized), quality, format (unless origin).</summary>
    public string ToClaim()
    {
        var segments = new List<string>();
        if (Height is { } height)
        {
            segments.Add("height:" + height.ToString(CultureInfo.InvariantCulture));
        }

        if (Width is { } width)
        {
            segments.Add("width:" + width.ToString(CultureInfo.InvariantCulture));
        }

        if (Width is not null || Height is not null)
        {
            segments.Add("resize:" + Resize.ToString().ToLowerInvariant());
        }

        if (Quality is { } quality)
        {
            segments.Add("quality:" + quality.ToString(CultureInfo.InvariantCulture));
        }

        if (Format is { } format && format != "origin")
        {
            segments.Add("format:" + format);
        }

        return string.Join(',', segments);
    }

    private static ImageTransform Parse(Func<string, string?> read, string where)
    {
        var resize = read("resize") switch
        {
            null or "" or "cover" => ImageResize.Cover,
            "contain" => ImageResize.Contain,
            "fill" => ImageResize.Fill,
            _ => throw StorageError.InvalidRequest($"{where}/resize must be equal to one of the allowed values: cover, contain, fill"),
        };
        var format = read("format") is { Length: > 0 } f
            ? Formats.Contains(f) ? f : throw StorageError.InvalidRequest($"{where}/format must be equal to one of the allowed values: origin, avif, webp")
            : null;
        var quality = Integer(read("quality"), where + "/quality");
        if (quality is < 20 or > 100)
        {
            throw StorageError.InvalidRequest($"{where}/quality must be >= 20 and <= 100");
        }

        return new ImageTransform(Size(read("width"), where + "/width"), Size(read("height"), where + "/height"), resize, format, quality);
    }

    /// <summary>A dimension: a non-negative integer, 0 meaning "not given", clamped to the limits as storage-api does.</summary>
    private static int? Size(string? text, string name) => Integer(text, name) switch
    {
        null or 0 => null,
        < 0 => throw StorageError.InvalidRequest($"{name} must be >= 0"),
        { } size => Math.Clamp(size, MinSize, MaxSize),
    };

    private static int? Integer(string? text, string name)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StorageError.InvalidRequest($"{name} must be integer");
    }
}
