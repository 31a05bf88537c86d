namespace MadBase.ServiceDefaults.Functions;

/// <summary>
/// Where functions' console output is kept for the admin API: one Redis stream per project, written by the
/// workers that run its functions and read by Control. A stream trimmed to <see cref="MaxEntries"/> is a ring
/// any worker can append to and any Control replica can read, with no schema and no cleanup job.
/// </summary>
public static class FunctionLogStream
{
    /// <summary>Lines kept per project (approximately: Redis trims whole nodes).</summary>
    public const int MaxEntries = 2000;

    /// <summary>Longest line kept; longer ones are cut (a function printing a whole body should not fill the ring).</summary>
    public const int MaxLineLength = 4096;

    public const string Time = "t";
    public const string Slug = "fn";
    public const string Version = "v";
    public const string Stream = "s";
    public const string Line = "l";

    public static string Key(string projectRef) => "madbase:functions:logs:" + projectRef;
}
