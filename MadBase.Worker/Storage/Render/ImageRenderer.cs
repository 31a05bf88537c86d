using System.Globalization;
using MadBase.Worker.Storage.Objects;
using NetVips;

namespace MadBase.Worker.Storage.Render;

/// <summary>
/// Renders a stored image with an <see cref="ImageTransform"/> through libvips (NetVips), where storage-api
/// calls imgproxy: the source is streamed from the blob store into libvips's shrink-on-load thumbnailer (a
/// large JPEG is decoded at a fraction of its size), never read whole; the result, at most 2000×2000, is
/// encoded into a buffer so that its length is known and the response is written asynchronously.
/// </summary>
internal static class ImageRenderer
{
    /// <summary>Supabase's documented limits for a source image: 25 MB and 50 megapixels.</summary>
    public const long MaxSourceBytes = 25L * 1000 * 1000;

    public const long MaxSourcePixels = 50L * 1000 * 1000;

    private const int DefaultQuality = 80;

    /// <summary>Rendering is CPU-bound: no more at once than there are cores, so a burst queues instead of starving the worker.</summary>
    private static readonly SemaphoreSlim Slots = new(Environment.ProcessorCount, Environment.ProcessorCount);

    static ImageRenderer()
    {
        // libvips caches operations and their pixels for reuse; every render here reads a different stream, so the
        // cache would only hold memory.
        Cache.Max = 0;
    }

    public static async Task<IResult> RenderAsync(StorageServices services, ObjectRow row, ImageTransform transform)
    {
        if (row.Metadata.Size > MaxSourceBytes)
        {
            throw StorageError.InvalidRequest("The source image file is too large to process");
        }

        var key = row.BlobKey(services.Project.Ref);
        var accept = services.Context.Request.Headers.Accept.ToString();
        await Slots.WaitAsync(services.Aborted);
        Rendered rendered;
        try
        {
            // The header first (a second read of the blob): the resolution is refused before any pixel is decoded.
            var loader = await ProbeAsync(services, key, row.Metadata.Size);
            rendered = await RenderBlobAsync(services, key, row.Metadata.Size, transform, Output(transform.Format, loader, accept));
        }
        finally
        {
            Slots.Release();
        }

        var response = services.Context.Response;
        ObjectDownload.SetAttachment(services.Context, row);
        response.Headers.CacheControl = row.Metadata.CacheControl;
        response.Headers.LastModified = row.Metadata.LastModified.ToString("R", CultureInfo.InvariantCulture);
        if (transform.Format is null)
        {
            response.Headers.Vary = "Accept";
        }

        response.ContentType = rendered.MimeType;
        response.ContentLength = rendered.Bytes.Length;
        if (!HttpMethods.IsHead(services.Context.Request.Method))
        {
            await response.Body.WriteAsync(rendered.Bytes, services.Aborted);
            StorageMetrics.Sent(rendered.Bytes.Length);
        }

        return Results.Empty;
    }

    /// <summary>The source's loader (its format), after checking that it is an image libvips reads and not too large.</summary>
    private static async Task<string> ProbeAsync(StorageServices services, string key, long size)
    {
        await using var blob = await services.Blobs.OpenReadAsync(key, 0, size, services.Aborted) ?? throw StorageError.NoSuchKey();
        return await Task.Run(
            () =>
            {
                using var image = Unreadable(() => Image.NewFromStream(blob, access: Enums.Access.Sequential));
                if ((long)image.Width * image.Height > MaxSourcePixels)
                {
                    throw StorageError.InvalidRequest("The source image resolution is too large to process");
                }

                return image.Get("vips-loader") as string ?? string.Empty;
            },
            services.Aborted);
    }

    private static async Task<Rendered> RenderBlobAsync(StorageServices services, string key, long size, ImageTransform transform, OutputFormat output)
    {
        await using var blob = await services.Blobs.OpenReadAsync(key, 0, size, services.Aborted) ?? throw StorageError.NoSuchKey();
        return await Task.Run(
            () =>
            {
                using var image = Unreadable(() => Load(blob, transform));
                var quality = transform.Quality ?? DefaultQuality;
                var options = output.TakesQuality ? $"{output.Suffix}[Q={quality.ToString(CultureInfo.InvariantCulture)},strip]" : $"{output.Suffix}[strip]";
                using var buffer = new MemoryStream();
                Unreadable(() =>
                {
                    image.WriteToStream(buffer, options);
                    return true;
                });
                return new Rendered(buffer.ToArray(), output.MimeType);
            },
            services.Aborted);
    }

    /// <summary>
    /// libvips's thumbnail from a stream, never enlarging (as imgproxy by default): cover crops the overflow from the
    /// centre, contain fits inside, fill stretches to both dimensions (contain when only one is given).
    /// </summary>
    private static Image Load(Stream blob, ImageTransform transform)
    {
        if (transform.Width is null && transform.Height is null)
        {
            return Image.NewFromStream(blob, access: Enums.Access.Sequential).Autorot();
        }

        // A missing dimension is left free: libvips takes the width as required, so an unbounded one stands in.
        var width = transform.Width ?? 10_000_000;
        var both = transform.Width is not null && transform.Height is not null;
        return transform.Resize switch
        {
            ImageResize.Cover when both => Image.ThumbnailStream(blob, width, height: transform.Height, size: Enums.Size.Down, crop: Enums.Interesting.Centre),
            ImageResize.Fill when both => Image.ThumbnailStream(blob, width, height: transform.Height, size: Enums.Size.Force),
            _ => Image.ThumbnailStream(blob, width, height: transform.Height ?? 10_000_000, size: Enums.Size.Down),
        };
    }

    /// <summary>origin keeps the source's format; none lets the client's Accept choose webp, as Supabase's image service does.</summary>
    private static OutputFormat Output(string? format, string loader, string accept) => format switch
    {
        "webp" => OutputFormat.Webp,
        "avif" => OutputFormat.Avif,
        null when accept.Contains("image/webp", StringComparison.OrdinalIgnoreCase) => OutputFormat.Webp,
        _ => loader switch
        {
            _ when loader.StartsWith("jpegload", StringComparison.Ordinal) => OutputFormat.Jpeg,
            _ when loader.StartsWith("webpload", StringComparison.Ordinal) => OutputFormat.Webp,
            _ when loader.StartsWith("gifload", StringComparison.Ordinal) => OutputFormat.Gif,
            _ when loader.StartsWith("heifload", StringComparison.Ordinal) => OutputFormat.Avif,
            _ when loader.StartsWith("tiffload", StringComparison.Ordinal) => OutputFormat.Tiff,
            _ => OutputFormat.Png,
        },
    };

    /// <summary>A libvips failure on the source's bytes is the client's (what it stored is not a usable image), never a 500.</summary>
    private static T Unreadable<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (VipsException)
        {
            throw StorageError.InvalidRequest("The source image is invalid or unsupported for rendering");
        }
    }

    private sealed record Rendered(byte[] Bytes, string MimeType);

    private sealed record OutputFormat(string Suffix, string MimeType, bool TakesQuality)
    {
        public static readonly OutputFormat Jpeg = new(".jpg", "image/jpeg", true);
        public static readonly OutputFormat Png = new(".png", "image/png", false);
        public static readonly OutputFormat Webp = new(".webp", "image/webp", true);
        public static readonly OutputFormat Avif = new(".avif", "image/avif", true);
        public static readonly OutputFormat Gif = new(".gif", "image/gif", false);
        public static readonly OutputFormat Tiff = new(".tiff", "image/tiff", true);
    }
}
