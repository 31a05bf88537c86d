using System.Globalization;

namespace MadBase.ServiceDefaults.Lifetime;

/// <summary>
/// What /proc/&lt;pid&gt;/stat says about a process that need not be our child: the one reader of it, for
/// the services (their parent) and the local stack (servers it adopted or left behind).
/// </summary>
public static class ProcFs
{
    /// <summary>Field 4: the parent's pid. <paramref name="pid"/> may be <c>self</c>.</summary>
    public static int? ParentOf(string pid)
    {
        return StatFields(pid) is { } fields
            && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent)
            ? parent
            : null;
    }

    /// <summary>Field 22: when the process started, in clock ticks since boot.</summary>
    public static long? StartTime(int pid)
    {
        return StatFields(pid.ToString(CultureInfo.InvariantCulture)) is { } fields
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
        return StatFields(pid.ToString(CultureInfo.InvariantCulture)) is { } fields && fields[0] != "Z" && StartTime(pid) == startTime;
    }

    /// <summary>The fields after the command name (field 2), which may hold spaces and parentheses: field 3 first.</summary>
    private static string[]? StatFields(string pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
