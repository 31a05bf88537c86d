namespace MadBase.Worker.Tenancy;

/// <summary><c>Worker__*</c>: how much of the database cluster one worker may take.</summary>
internal sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Connections per project per worker: bounds what one busy tenant can take from the cluster.</summary>
    public int MaxPoolSizePerProject { get; set; } = 20;

    /// <summary>
    /// Connections of all projects' pools together (<see cref="ConnectionBudget"/>): what one worker may take from the
    /// cluster however many projects it serves.
    /// </summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary>A project's pool unused this long is closed, its memory with it; its next request opens it again.</summary>
    public int ProjectIdleSeconds { get; set; } = 600;
}
