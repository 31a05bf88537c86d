namespace MadBase.Tests.Infrastructure;

/// <summary>
/// The stack's service logs as the tests read them: while the services still write them, and, for a failure message,
/// their error lines (a fixture's stack and its logs are gone once the run ends, so what explains an unexpected 500
/// has to travel with the assertion).
/// </summary>
internal static class StackLogs
{
    /// <summary>A log file's lines, read without locking it against the service writing it.</summary>
    public static IEnumerable<string> Lines(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }

    /// <summary>The last error and critical lines of Control's, the workers' and the gateway's logs.</summary>
    public static string Errors(MadBase.Cli.RunningStack stack, int most = 6)
    {
        var lines = stack.Services
            .Where(service => File.Exists(service.LogFile))
            .SelectMany(service => Lines(service.LogFile)
                .Where(line => line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal))
                .Select(line => Path.GetFileName(service.LogFile) + ": " + (line.Length > 4000 ? line[..4000] : line)))
            .TakeLast(most)
            .ToList();
        return lines.Count == 0 ? "(no error lines in the services' logs)" : string.Join('\n', lines);
    }
}
