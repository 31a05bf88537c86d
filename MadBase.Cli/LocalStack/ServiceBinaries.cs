using System.Reflection;
using System.Runtime.InteropServices;

namespace MadBase.Cli;

/// <summary>
/// Finds the service builds: MADBASE_BIN_DIR when set (a folder per service, or all in one), else each
/// project's own output folder in the repository this CLI was built from.
/// </summary>
internal static class ServiceBinaries
{
    public static string? BuiltFromRepositoryRoot { get; } = Metadata("MadBaseRepositoryRoot");

    public static string BuiltConfiguration { get; } = Metadata("MadBaseConfiguration") ?? "Debug";

    public static string Locate(string service, LocalStackOptions options)
    {
        string assembly = $"MadBase.{service}";
        List<string> candidates = [];
        if (!string.IsNullOrEmpty(options.BinDirectory))
        {
            candidates.Add(Path.Combine(options.BinDirectory, assembly, assembly + ".dll"));
            candidates.Add(Path.Combine(options.BinDirectory, assembly + ".dll"));
        }
        else if (!string.IsNullOrEmpty(options.RepositoryRoot))
        {
            candidates.Add(Path.Combine(
                options.RepositoryRoot, assembly, "bin", options.Configuration, "net10.0", assembly + ".dll"));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new LocalStackException(
                $"The {service} service build was not found (looked for {string.Join(", ", candidates)}). "
                + "Build it with `dotnet build MadBase.Cli`, or point MADBASE_BIN_DIR at the published services.");
    }

    /// <summary>The dotnet host that runs us, so services run on the same runtime.</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        if (Environment.ProcessPath is { } processPath
            && Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return processPath;
        }

        // The shared runtime lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        string runtime = RuntimeEnvironment.GetRuntimeDirectory();
        string root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        string candidate = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }

    private static string? Metadata(string key)
    {
        return typeof(ServiceBinaries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == key)?.Value;
    }
}
