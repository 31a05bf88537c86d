namespace MadBase.Cli;

/// <summary>Where a private Postgres cluster lives and how it listens.</summary>
/// <param name="DataDirectory">The cluster's own directory (initdb's -D); created on first start.</param>
/// <param name="Port">Loopback port it listens on.</param>
/// <param name="SuperuserPassword">Password of the 'postgres' superuser, fixed at initdb time.</param>
internal sealed record PostgresClusterOptions(string DataDirectory, int Port, string SuperuserPassword)
{
    public const string DefaultBinDirectory = "/usr/lib/postgresql/15/bin";

    public string BinDirectory { get; init; } = DefaultBinDirectory;

    /// <summary>Server output is appended here; null keeps only the in-memory tail.</summary>
    public string? LogFile { get; init; }

    /// <summary>Extra server settings, passed as -c name=value on every start.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Test clusters trade crash safety for speed: no fsync at initdb or at run time.</summary>
    public bool SkipFsync { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a postmaster that exited on its own is given to be replaced by someone else's
    /// (`pg_ctl restart` starts the new one once the old one is gone) before we start our own.
    /// </summary>
    public TimeSpan ExternalRestartWindow { get; init; } = TimeSpan.FromSeconds(5);
}
