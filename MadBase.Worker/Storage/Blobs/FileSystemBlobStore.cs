using System.Runtime.CompilerServices;

namespace MadBase.Worker.Storage.Blobs;

/// <summary>
/// Objects as files under one root. A write goes to a temporary file in the same file system and is renamed
/// into place only when complete, so readers never see half an object and a crash leaves only a temp file.
/// An empty segment of a key (an object named <c>a///b.txt</c>, as storage-api accepts) is a folder named
/// <see cref="EmptySegment"/> on disk, where "//" would collapse into "/" and two names into one file.
/// </summary>
internal sealed class FileSystemBlobStore : IBlobStore
{
    private const string TempFolder = ".tmp";

    /// <summary>Object names never hold control characters, so no real segment is ever this.</summary>
    private const string EmptySegment = "\u0001";
    private readonly string root;

    public FileSystemBlobStore(string root)
    {
        this.root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(this.root, TempFolder));
    }

    public async Task<long> WriteAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        var temp = Path.Combine(root, TempFolder, Guid.NewGuid().ToString("N"));
        try
        {
            long written;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, 81920, cancellationToken);
                await file.FlushAsync(cancellationToken);
                written = file.Length;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(temp, target, overwrite: true);
            return written;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public Task<Stream?> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            file.Seek(offset, SeekOrigin.Begin);
            return Task.FromResult<Stream?>(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public async Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken)
    {
        await using var source = await OpenReadAsync(sourceKey, 0, long.MaxValue, cancellationToken)
            ?? throw new FileNotFoundException("blob not found", sourceKey);
        await WriteAsync(destinationKey, source, "application/octet-stream", cancellationToken);
    }

    public Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            var path = PathOf(key);
            File.Delete(path);
            PruneEmptyFolders(Path.GetDirectoryName(path)!);
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<BlobEntry> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = PathOf(prefix.TrimEnd('/'));
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = string.Join('/', Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar).Select(s => s == EmptySegment ? string.Empty : s));
            yield return new BlobEntry(key, File.GetLastWriteTimeUtc(file));
        }

        await Task.CompletedTask;
    }

    /// <summary>Temporary files of writes a crash interrupted; a live write's file is younger than the grace period.</summary>
    public void DeleteStaleTemporaryFiles(DateTimeOffset olderThan)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, TempFolder)))
        {
            if (File.GetLastWriteTimeUtc(file) < olderThan.UtcDateTime)
            {
                File.Delete(file);
            }
        }
    }

    private string PathOf(string key)
    {
        // Keys are validated by the API (no "." or ".." segments); this is the last line of defence.
        var path = Path.GetFullPath(Path.Combine(root, string.Join('/', key.Split('/').Select(s => s.Length == 0 ? EmptySegment : s))));
        if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException("blob key escapes the storage root", nameof(key));
        }

        return path;
    }

    private void PruneEmptyFolders(string folder)
    {
        // Deleted objects must not leave a trail of empty folders; stop at the first folder still in use.
        try
        {
            while (folder.Length > root.Length && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
                folder = Path.GetDirectoryName(folder)!;
            }
        }
        catch (IOException)
        {
            // A concurrent upload just created something here; leaving the folder is correct.
        }
    }
}
