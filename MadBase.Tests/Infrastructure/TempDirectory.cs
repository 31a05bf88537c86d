namespace MadBase.Tests.Infrastructure;

/// <summary>
/// A short directory under /tmp, world-searchable so the 'postgres' user can reach a cluster inside it
/// when tests run as root (Directory.CreateTempSubdirectory makes 0700 ones).
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    private TempDirectory(string fullPath)
    {
        FullPath = fullPath;
    }

    public string FullPath { get; }

    public static TempDirectory Create(string prefix)
    {
        string path = Path.Combine("/tmp", $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)]);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The local stack runs on Linux only.");
        }

        Directory.CreateDirectory(
            path,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return new TempDirectory(path);
    }

    public string Combine(string name)
    {
        return Path.Combine(FullPath, name);
    }

    public void Dispose()
    {
        Delete(() => Directory.Delete(FullPath, recursive: true));
    }

    /// <summary>Keeps only what a failure message points at (its logs), dropping the rest (a cluster).</summary>
    public void DeleteAllBut(string keep)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(FullPath))
        {
            if (Path.GetFileName(entry) != keep)
            {
                Delete(() =>
                {
                    if (Directory.Exists(entry))
                    {
                        Directory.Delete(entry, recursive: true);
                    }
                    else
                    {
                        File.Delete(entry);
                    }
                });
            }
        }
    }

    private static void Delete(Action delete)
    {
        try
        {
            delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover in /tmp must not fail the run.
        }
    }
}
