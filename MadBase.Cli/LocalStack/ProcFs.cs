using System.Globalization;

namespace MadBase.Cli;

/// <summary>What /proc says about a process that need not be our child.</summary>
internal static class ProcFs
{
    /// <summary>Field 22 of /proc/&lt;pid&gt;/stat: when the process started, in clock ticks since boot.</summary>
    public static long? StartTime(int pid)
    {
        return StatFields(pid) is { } fields
            && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long started)
            ? started
            : null;
    }

    /// <summary>
    /// True while the process that started at <paramref name="startTime"/> runs: a recycled pid is another
    /// process, and a zombie (exited, not yet reaped by a parent that is not us) has stopped serving.
    /// </summary>
    public static bool IsRunning(int pid, long startTime)
    {
        return StatFields(pid) is { } fields && fields[0] != "Z" && StartTime(pid) == startTime;
    }

    /// <summary>The fields of /proc/&lt;pid&gt;/stat after the command name, which may hold spaces and parentheses.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            string stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
