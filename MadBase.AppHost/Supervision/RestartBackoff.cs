namespace MadBase.AppHost.Supervision;

/// <summary>
/// How long to wait before restarting a process that exited, as the CLI's <c>madbase start</c>: 0.5 s, doubling
/// with each exit up to 30 s, and back to 0.5 s once the process had run 30 s (a crash now and then is not a loop).
/// </summary>
internal sealed class RestartBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    private TimeSpan _next = First;

    /// <param name="ranFor">How long the process had been running before it exited; null if it never ran.</param>
    public TimeSpan NextDelay(TimeSpan? ranFor)
    {
        if (ranFor >= Longest)
        {
            _next = First;
        }

        TimeSpan delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Longest.Ticks));
        return delay;
    }
}
