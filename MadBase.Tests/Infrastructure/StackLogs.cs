namespace MadBase.Tests.Infrastructure;

/// <summary>
/// The error lines the stack's services logged, for a failure message: a fixture's stack and its logs are gone once
/// the run ends, so what explains an unexpected 500 has to travel with the assertion.
/// </summary>
internal static class StackLogs
{
    public static string Errors(MadBase.Cli.RunningStack stack, int most = 6)
    {
        var directory = Path.Combine(stack.DataDirectory, "logs");
        if (!Directory.Exists(directory))
        {
            return "(no logs)";
        }

        var lines = Directory.EnumerateFiles(directory, "*.log")
            .SelectMany(file => ReadShared(file)
                .Where(line => line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal))
                .Select(line => Path.GetFileName(file) + ": " + (line.Length > 4000 ? line[..4000] : line)))
            .TakeLast(most);
        return string.Join('\n', lines);
    }

    // The services still write their logs: open them without locking them.
    private static List<string> ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }
}
