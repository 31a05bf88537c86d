using Microsoft.Extensions.Options;

namespace MadBase.Worker.Functions.Runtime;

/// <summary>
/// Where the deno binary is: <c>Functions__DenoPath</c>, else the repository's <c>tools/deno</c> (npm's deno
/// package, which <c>npm ci</c> there installs) found upward from the worker's folder, else <c>deno</c> on PATH.
/// Found lazily, so a worker without Deno still serves everything but functions.
/// </summary>
internal sealed class DenoBinary(IOptions<FunctionsOptions> options)
{
    private readonly Lazy<string> path = new(() => Locate(options.Value.DenoPath));

    public string Path => path.Value;

    private static string Locate(string? configured)
    {
        if (configured is { Length: > 0 })
        {
            return configured;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = System.IO.Path.Combine(folder.FullName, "tools", "deno", "node_modules", "deno", "deno");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, "deno"))
            .FirstOrDefault(File.Exists);
        return onPath ?? throw new FunctionBootException(
            "Deno was not found: set Functions__DenoPath, or run `npm ci` in tools/deno", new FileNotFoundException("deno"));
    }
}
