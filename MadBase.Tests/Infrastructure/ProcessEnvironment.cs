namespace MadBase.Tests.Infrastructure;

/// <summary>The environment a running process was started with, as the kernel keeps it (/proc/PID/environ).</summary>
internal static class ProcessEnvironment
{
    public static Dictionary<string, string> Read(int pid)
    {
        return File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Last()[1], StringComparer.Ordinal);
    }

    /// <summary>The ServiceRuntimeSettings (the GC's gen0 cap) that the process lacks or has with another value.</summary>
    public static string[] MissingRuntimeSettings(int pid)
    {
        Dictionary<string, string> environment = Read(pid);
        return [.. MadBase.Cli.ServiceRuntimeSettings.Environment
            .Where(setting => !environment.TryGetValue(setting.Key, out string? value) || value != setting.Value)
            .Select(setting => $"{setting.Key}={setting.Value}")];
    }
}
