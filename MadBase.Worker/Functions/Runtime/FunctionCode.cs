using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Functions.Runtime;

/// <summary>
/// A function version's files on this worker: its bundle extracted once into a folder named by the bundle's
/// hash (so a version's folder never changes under a running instance), which is all the function may read.
/// </summary>
internal sealed class FunctionCode(FunctionCatalog catalog, FunctionsFolders folders)
{
    private static readonly string[] EntryPoints = ["index.ts", "index.js", "index.tsx", "index.jsx", "index.mjs"];

    private readonly SemaphoreSlim extracting = new(1, 1);

    /// <summary>The folder and entry file of the version, or null when its bundle is no longer stored.</summary>
    public async Task<(string Folder, string Entry)?> PrepareAsync(DeployedFunction function, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(folders.Code, function.ProjectRef, function.Slug, function.Sha256);
        if (!Directory.Exists(folder))
        {
            await extracting.WaitAsync(cancellationToken);
            try
            {
                if (!Directory.Exists(folder) && !await ExtractAsync(function, folder, cancellationToken))
                {
                    return null;
                }
            }
            finally
            {
                extracting.Release();
            }
        }

        var entry = EntryPoints.Select(name => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
        return entry is null ? null : (folder, entry);
    }

    private async Task<bool> ExtractAsync(DeployedFunction function, string folder, CancellationToken cancellationToken)
    {
        var bundle = await catalog.ReadBundleAsync(function, cancellationToken);
        if (bundle is null)
        {
            return false;
        }

        // Into a fresh folder first, then renamed: an instance never sees half a bundle.
        var partial = folder + ".partial-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(partial);
        try
        {
            await using var gzip = new GZipStream(new MemoryStream(bundle), CompressionMode.Decompress);
            // Control checked the paths; TarFile refuses any that would leave the folder anyway.
            await TarFile.ExtractToDirectoryAsync(gzip, partial, overwriteFiles: false, cancellationToken);
            Directory.Move(partial, folder);
        }
        catch
        {
            Directory.Delete(partial, recursive: true);
            throw;
        }

        return true;
    }
}

/// <summary>The worker's folders for functions: extracted code, Deno's cache, and the instances' sockets.</summary>
internal sealed class FunctionsFolders
{
    public FunctionsFolders(IOptions<FunctionsOptions> options)
    {
        var root = options.Value.DataDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(Path.GetTempPath(), "madbase-functions-" + Environment.ProcessId);
        Code = Path.Combine(root, "code");
        DenoDir = Path.Combine(root, "deno");
        // Unix socket paths are limited to 107 bytes, so the sockets live in a short folder of their own,
        // private to this worker's user.
        Sockets = Directory.CreateTempSubdirectory("mbfn-").FullName;
        Directory.CreateDirectory(Code);
        Directory.CreateDirectory(DenoDir);
        Bootstrap = Path.Combine(root, "bootstrap.ts");
        using var source = typeof(FunctionsFolders).Assembly.GetManifestResourceStream(BootstrapResource)
            ?? throw new InvalidOperationException("bootstrap.ts is not embedded in the worker");
        using var target = File.Create(Bootstrap);
        source.CopyTo(target);
    }

    private const string BootstrapResource = "MadBase.Worker.Functions.bootstrap.ts";

    /// <summary>The module every instance runs, which imports the function's (bootstrap.ts, embedded in the worker).</summary>
    public string Bootstrap { get; }

    public string Code { get; }

    public string DenoDir { get; }

    public string Sockets { get; }
}
