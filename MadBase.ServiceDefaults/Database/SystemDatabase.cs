using Npgsql;

namespace MadBase.ServiceDefaults.Database;

/// <summary>
/// The system database (projects, keys): <c>ConnectionStrings__madbase</c>, required by every service. Its data
/// source is Aspire.Npgsql's (logging, tracing and metrics wired); this type names it and keeps the full
/// connection string, from which tenant connections in the same cluster are derived.
/// </summary>
public sealed class SystemDatabase(NpgsqlDataSource dataSource, string connectionString)
{
    public const string ConnectionName = "madbase";

    /// <summary>Owned by the container (Aspire registers it), which disposes it.</summary>
    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>The configured connection string, password included (the data source's own omits it).</summary>
    public string ConnectionString { get; } = connectionString;
}
