using MadBase.ServiceDefaults.Database;
using Npgsql;

namespace MadBase.Control.SystemDb;

/// <summary>
/// Brings the system database up to date before Control serves anything. Postgres often starts beside
/// us (compose, the local stack), so an unreachable server is waited for, up to <see cref="Patience"/>.
/// Concurrent Control instances serialize on an advisory lock and each step is applied exactly once.
/// </summary>
internal sealed partial class SystemMigrator(SystemDatabase database, TimeProvider time, ILogger<SystemMigrator> logger) : IHostedService
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenWhenReadyAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('madbase.system_migrations'))", cancellationToken, transaction);
        await connection.ExecuteAsync(SystemMigrations.Ledger, cancellationToken, transaction);

        var applied = new HashSet<int>();
        await using (var select = new NpgsqlCommand("SELECT version FROM madbase.schema_migrations", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        foreach (var migration in SystemMigrations.All.Where(m => !applied.Contains(m.Version)).OrderBy(m => m.Version))
        {
            await connection.ExecuteAsync(migration.Sql, cancellationToken, transaction);
            await using var record = new NpgsqlCommand("INSERT INTO madbase.schema_migrations (version, name) VALUES ($1, $2)", connection, transaction);
            record.Parameters.AddWithValue(migration.Version);
            record.Parameters.AddWithValue(migration.Name);
            await record.ExecuteNonQueryAsync(cancellationToken);
            LogApplied(logger, migration.Version, migration.Name);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<NpgsqlConnection> OpenWhenReadyAsync(CancellationToken cancellationToken)
    {
        var where = Describe(database.ConnectionString);
        var deadline = time.GetUtcNow() + Patience;
        while (true)
        {
            try
            {
                return await database.DataSource.OpenConnectionAsync(cancellationToken);
            }
            catch (Exception e) when (IsNotReadyYet(e) && time.GetUtcNow() < deadline)
            {
                LogWaiting(logger, where);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
            catch (Exception e) when (IsNotReadyYet(e))
            {
                LogUnreachable(logger, where, (int)Patience.TotalSeconds);
                throw new InvalidOperationException(
                    $"The system database ({where}) did not answer within {(int)Patience.TotalSeconds} s: "
                    + "check that Postgres is running and that ConnectionStrings__madbase points at it.",
                    e);
            }
            catch (PostgresException e)
            {
                // Wrong password, missing database and the like: waiting will not fix them.
                throw new InvalidOperationException(
                    $"The system database ({where}) refused the connection ({e.SqlState}: {e.MessageText}): check ConnectionStrings__madbase.",
                    e);
            }
        }
    }

    /// <summary>Refused or timed-out connections, and a server still starting up (57P03), are worth waiting for.</summary>
    private static bool IsNotReadyYet(Exception e) => e is NpgsqlException { IsTransient: true } or TimeoutException;

    /// <summary>Where, without the password, for messages.</summary>
    private static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"host {builder.Host}, port {builder.Port}, database {builder.Database}";
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Applied system migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Waiting for the system database ({Where})")]
    private static partial void LogWaiting(ILogger logger, string where);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Critical, Message = "System database ({Where}) unreachable after {Seconds} s")]
    private static partial void LogUnreachable(ILogger logger, string where, int seconds);
}
