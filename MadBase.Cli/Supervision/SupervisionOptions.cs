namespace MadBase.Cli.Supervision;

/// <summary>
/// How the local stack restarts a server that exits on its own: at once the first time; then, while
/// each new process exits again before <see cref="StablePeriod"/>, after a delay that doubles from
/// <see cref="FirstRetryDelay"/> up to <see cref="MaxRetryDelay"/>.
/// </summary>
internal sealed record SupervisionOptions
{
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A restarted process that runs this long has recovered: its next exit restarts it at once again.</summary>
    public TimeSpan StablePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a server stopped on purpose (a test taking a worker away) is checked for a new start.</summary>
    public TimeSpan StoppedPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
