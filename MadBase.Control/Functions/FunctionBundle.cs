using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using MadBase.Control.Admin;

namespace MadBase.Control.Functions;

/// <summary>
/// A deploy's upload: the function's folder (<c>supabase/functions/&lt;name&gt;</c>, <c>index.ts</c> at its
/// root, modules and an optional <c>deno.json</c> beside it) as a gzipped tar. Checked whole before it is
/// stored, so a worker never extracts a path outside the folder or a bundle without an entry point.
/// </summary>
internal static class FunctionBundle
{
    /// <summary>Compressed; the admin request is read into memory up to this.</summary>
    public const int MaxBytes = 20 * 1024 * 1024;

    public const long MaxExtractedBytes = 100L * 1024 * 1024;

    public const int MaxFiles = 2000;

    /// <summary>The entry points Supabase's CLI accepts, in the order a worker looks for them.</summary>
    public static readonly string[] EntryPoints = ["index.ts", "index.js", "index.tsx", "index.jsx", "index.mjs"];

    private const string Expected = "a gzipped tar of the function's folder (index.ts at its root)";

    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.ToArray();
        Validate(bytes);
        return bytes;
    }

    public static string Sha256(byte[] bundle) => Convert.ToHexStringLower(SHA256.HashData(bundle));

    private static void Validate(byte[] bundle)
    {
        if (bundle.Length == 0)
        {
            throw AdminException.BadRequest($"the request body is empty: expected {Expected}");
        }

        var files = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bundle), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                var name = Normalize(entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        continue;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        total += entry.Length;
                        if (!files.Add(name) || files.Count > MaxFiles || total > MaxExtractedBytes)
                        {
                            throw AdminException.BadRequest(
                                $"the bundle repeats a file or holds more than {MaxFiles} files or {MaxExtractedBytes / 1024 / 1024} MB");
                        }

                        break;
                    default:
                        throw AdminException.BadRequest($"the bundle may hold only files and folders ({entry.Name} is a {entry.EntryType})");
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw AdminException.BadRequest($"the request body is not {Expected}");
        }

        if (!EntryPoints.Any(files.Contains))
        {
            throw AdminException.BadRequest($"the bundle has no entry point: expected {string.Join(", ", EntryPoints)} at its root");
        }
    }

    /// <summary>A relative path inside the folder, or the client's error: no absolute path, no '..', nothing unprintable.</summary>
    private static string Normalize(string name)
    {
        var path = name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name;
        path = path.TrimEnd('/');
        var segments = path.Split('/');
        if (path.Length == 0 && name is "./" or ".")
        {
            return path;
        }

        if (path.Length == 0 || path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal)
            || segments.Any(s => s is "" or "." or "..") || path.Any(char.IsControl))
        {
            throw AdminException.BadRequest($"the bundle holds a path outside the function's folder: {name}");
        }

        return path;
    }

    private static AdminException TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, $"the bundle is larger than {MaxBytes / 1024 / 1024} MB");
}
