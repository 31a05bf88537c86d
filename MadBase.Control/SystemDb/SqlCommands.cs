using Npgsql;

namespace MadBase.Control.SystemDb;

/// <summary>
/// Utility statements run for their effect on the system cluster: CREATE/DROP DATABASE and DROP ROLE for a
/// project (<see cref="Projects.ProjectDatabase"/>). They stay SQL: EF manages tables in one database, not
/// databases and roles, and these take no bind parameters nor run inside a transaction.
/// </summary>
internal static class SqlCommands
{
    public static async Task ExecuteAsync(this NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
