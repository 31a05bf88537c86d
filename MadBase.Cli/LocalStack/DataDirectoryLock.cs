namespace MadBase.Cli;

/// <summary>
/// One stack per data directory. The lock is the OS's (flock through FileShare.None), so it goes away
/// with our process however it ends, and a killed run never blocks the next one.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    private const string FileName = "madbase.lock";
    private readonly FileStream file;

    private DataDirectoryLock(FileStream file)
    {
        this.file = file;
    }

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        return TryAcquire(dataDirectory)
            ?? throw new LocalStackException(
                $"Another madbase stack is running with the data directory {dataDirectory}. "
                + "Stop it first, or use another --data-dir.");
    }

    /// <summary>True when some process holds the lock, i.e. a stack is running on this directory.</summary>
    public static bool IsHeld(string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, FileName)))
        {
            return false;
        }

        using DataDirectoryLock? probe = TryAcquire(dataDirectory);
        return probe is null;
    }

    public void Dispose()
    {
        file.Dispose();
    }

    private static DataDirectoryLock? TryAcquire(string dataDirectory)
    {
        try
        {
            return new DataDirectoryLock(new FileStream(
                Path.Combine(dataDirectory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
