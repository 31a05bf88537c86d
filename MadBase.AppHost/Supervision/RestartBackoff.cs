using MadBase.Cli.Supervision;

namespace MadBase.AppHost.Supervision;

/// <summary>
/// How long to wait before restarting a process that exited, with the CLI's numbers (<see cref="SupervisionOptions"/>,
/// so the two cannot drift apart): 0.5 s, doubling with each exit up to 30 s, and back to 0.5 s once the process
/// had run 30 s (a crash now and then is not a loop).
/// </summary>
internal sealed class RestartBackoff
{
    private static readonly SupervisionOptions Cli = new();

    public static readonly TimeSpan First = Cli.FirstRetryDelay;
    public static readonly TimeSpan Longest = Cli.MaxRetryDelay;
    public static readonly TimeSpan Stable = Cli.StablePeriod;

    private TimeSpan next = First;

    /// <param name="ranFor">How long the process had been running before it exited; null if it never ran.</param>
    public TimeSpan NextDelay(TimeSpan? ranFor)
    {
        if (ranFor >= Stable)
        {
            next = First;
        }

        TimeSpan delay = next;
        next = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Longest.Ticks));
        return delay;
    }
}
