using MadBase.ServiceDefaults.Logging;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace MadBase.Control.SystemDb;

/// <summary>
/// Brings the system database up to date (EF migrations) before Control serves anything. Postgres often
/// starts beside us (compose, the local stack), so an unreachable server is waited for, up to
/// <see cref="Patience"/>. Concurrent Control instances serialize on an advisory lock; a database made before
/// EF is baselined first (<see cref="PreEfLedger"/>).
/// </summary>
internal sealed partial class SystemMigrator(IServiceScopeFactory scopes, TimeProvider time, ILogger<SystemMigrator> logger) : IHostedService
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlDb>();
        await WaitUntilReachableAsync(db, cancellationToken);

        await using (await db.Database.LockAsync("madbase.system_migrations", cancellationToken))
        {
            foreach (var id in await PreEfLedger.BaselineAsync(db, cancellationToken))
            {
                LogBaselined(logger, id);
            }

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            foreach (var id in pending)
            {
                LogApplied(logger, id);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WaitUntilReachableAsync(ControlDb db, CancellationToken cancellationToken)
    {
        var where = Describe(db.Database.GetConnectionString()!);
        var deadline = time.GetUtcNow() + Patience;
        while (true)
        {
            try
            {
                await db.Database.OpenConnectionAsync(cancellationToken);
                await db.Database.CloseConnectionAsync();
                return;
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

    [LoggerMessage(EventId = EventIds.SystemMigrationApplied, Level = LogLevel.Information, Message = "Applied system migration {MigrationId}")]
    private static partial void LogApplied(ILogger logger, string migrationId);

    [LoggerMessage(EventId = EventIds.SystemDatabaseWaiting, Level = LogLevel.Information, Message = "Waiting for the system database ({Where})")]
    private static partial void LogWaiting(ILogger logger, string where);

    [LoggerMessage(EventId = EventIds.SystemDatabaseUnreachable, Level = LogLevel.Critical, Message = "System database ({Where}) unreachable after {Seconds} s")]
    private static partial void LogUnreachable(ILogger logger, string where, int seconds);

    [LoggerMessage(EventId = EventIds.SystemMigrationRecordedAsApplied, Level = LogLevel.Information, Message = "System database made before EF: recorded migration {MigrationId} as applied (its tables were already there)")]
    private static partial void LogBaselined(ILogger logger, string migrationId);
}
