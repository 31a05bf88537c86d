namespace MadBase.ServiceDefaults.Functions;

/// <summary>
/// Where the deno binary is, for the worker that runs functions and Control that checks them at deploy:
/// <c>Functions__DenoPath</c>, else a <c>deno</c> beside the service's own files (how the Worker's image ships it),
/// else the repository's <c>tools/deno</c> (npm's deno package, which <c>npm ci</c> there installs) found upward
/// from the service's folder, else <c>deno</c> on PATH; null when none is there.
/// </summary>
public static class DenoLocator
{
    public const string Hint = "set Functions__DenoPath, or run `npm ci` in tools/deno";

    public static string? Find(string? configured)
    {
        if (configured is { Length: > 0 })
        {
            return configured;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, "deno");
        if (File.Exists(beside))
        {
            return beside;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "tools", "deno", "node_modules", "deno", "deno");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "deno"))
            .FirstOrDefault(File.Exists);
    }
}
