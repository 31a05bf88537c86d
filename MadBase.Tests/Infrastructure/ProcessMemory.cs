using System.Globalization;

namespace MadBase.Tests.Infrastructure;

/// <summary>A process's resident memory, from /proc/&lt;pid&gt;/status (VmRSS), for the tests that hold memory flat.</summary>
internal static class ProcessMemory
{
    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
