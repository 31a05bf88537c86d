using Npgsql;

namespace MadBase.Control.SystemDb;

/// <summary>Statements run for their effect: DDL, locks, the utility commands that take no parameters.</summary>
internal static class SqlCommands
{
    public static async Task ExecuteAsync(
        this NpgsqlConnection connection, string sql, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task ExecuteAsync(this NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
