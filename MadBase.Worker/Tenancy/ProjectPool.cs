using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// One project's connection pool on this worker, with what <see cref="ConnectionBudget"/> knows of it. The counters
/// are read and written under the budget's lock only.
/// </summary>
internal sealed class ProjectPool
{
    public ProjectPool(string projectRef, NpgsqlDataSource dataSource, ConnectionBudget budget)
    {
        ProjectRef = projectRef;
        DataSource = dataSource;
        // One handler per pool, not one per request: a connection's close gives its slot back, once (a broken
        // connection reports Open → Closed when it breaks, and nothing when it is disposed after).
        ConnectionClosed = (sender, e) =>
        {
            if (e.CurrentState == System.Data.ConnectionState.Closed && sender is NpgsqlConnection connection)
            {
                connection.StateChange -= ConnectionClosed;
                budget.Leave(this);
            }
        };
    }

    public string ProjectRef { get; }

    /// <summary>The data source's name, which Npgsql's metrics give its pool (<see cref="PoolConnectionCounts"/>).</summary>
    public string PoolName => NameOf(ProjectRef);

    public NpgsqlDataSource DataSource { get; }

    public System.Data.StateChangeEventHandler ConnectionClosed { get; }

    /// <summary>Connections handed out and not yet closed.</summary>
    public int Busy { get; set; }

    /// <summary>
    /// At least the Postgres connections the pool holds: Npgsql opens one only when all it has are busy, so a pool
    /// never holds more than the most it had busy at once since it was last cleared.
    /// </summary>
    public int Held { get; set; }

    /// <summary>When a request last took a connection (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long LastUsed { get; set; }

    /// <summary>Requests at the worker's cap waiting for a connection of this pool to come back.</summary>
    public LinkedList<TaskCompletionSource> Waiters { get; } = new();

    /// <summary>
    /// Opened without the bootstrap (the database was up to date), so nothing has yet re-asserted the project's login
    /// role: a login its database refuses sends the project through the full bootstrap once.
    /// </summary>
    public bool LoginUnproven { get; init; }

    /// <summary>Dropped (its project changed, or it sat idle): its connections close as they come back.</summary>
    public bool Retired { get; set; }

    public static string NameOf(string projectRef) => "project:" + projectRef;
}
