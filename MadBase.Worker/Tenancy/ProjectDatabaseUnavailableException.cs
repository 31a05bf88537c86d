using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// A project's database could not be reached or brought up to date. It concerns that project only: each
/// module answers 503 in its own shape, and the worker stays ready for every other project.
/// </summary>
internal sealed class ProjectDatabaseUnavailableException(string projectRef, Exception inner)
    : Exception($"the database of project {projectRef} is unavailable", inner)
{
    public string ProjectRef { get; } = projectRef;

    /// <summary>
    /// Whether <paramref name="error"/> says a project's database is unavailable rather than that a statement
    /// failed: this exception, a network or pool failure, or Postgres refusing or ending the connection
    /// (class 08, too many connections, shutting down, no such database, not accepting connections).
    /// </summary>
    public static bool Describes(Exception error) => error switch
    {
        ProjectDatabaseUnavailableException => true,
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState is PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.AdminShutdown
                or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.InvalidCatalogName,
        NpgsqlOperationInProgressException => false,
        NpgsqlException => true,
        TimeoutException => true,
        _ => false,
    };
}
