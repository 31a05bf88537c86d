namespace MadBase.Worker.Tenancy;

/// <summary><c>Worker__*</c>: how much of the database cluster one worker may take.</summary>
internal sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Connections per project per worker: bounds what one busy tenant can take from the cluster.</summary>
    public int MaxPoolSizePerProject { get; set; } = 20;
}
