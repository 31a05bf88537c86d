using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// One pooled data source per project, opened as the project's login role. The first request for a
/// project brings its database up to date (every module's migrations) before anything is served; a change
/// published by Control drops the data source so the next request sees the new settings, and so does a project
/// left unused (<see cref="IdleProjectPools"/>). Every connection is taken within the worker's
/// <see cref="ConnectionBudget"/>.
/// </summary>
internal sealed partial class TenantDatabases : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ProjectPool>>> sources = new(StringComparer.Ordinal);
    private readonly SystemDatabase system;
    private readonly IReadOnlyList<ITenantMigrationSource> migrations;
    private readonly WorkerOptions options;
    private readonly ProjectDatabaseHealth health;
    private readonly ConnectionBudget budget;
    private readonly TimeProvider time;
    private readonly ILogger<TenantDatabases> logger;

    public TenantDatabases(
        SystemDatabase system,
        IEnumerable<ITenantMigrationSource> migrations,
        ProjectDirectory projects,
        IOptions<WorkerOptions> options,
        ProjectDatabaseHealth health,
        ConnectionBudget budget,
        TimeProvider time,
        ILogger<TenantDatabases> logger)
    {
        this.system = system;
        this.migrations = [.. migrations];
        this.options = options.Value;
        this.health = health;
        this.budget = budget;
        this.time = time;
        this.logger = logger;
        projects.Changed += Drop;
    }

    /// <summary>The projects this worker has served since their settings last changed.</summary>
    public IReadOnlyCollection<string> OpenProjectRefs => [.. sources.Keys];

    private Task<ProjectPool> GetAsync(Project project)
    {
        var lazy = sources.GetOrAdd(project.Ref, _ => new Lazy<Task<ProjectPool>>(() => OpenAsync(project, bootstrap: false)));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled)
        {
            // A failed bootstrap (database briefly down) must not stick: the next request tries again.
            sources.TryRemove(new KeyValuePair<string, Lazy<Task<ProjectPool>>>(project.Ref, lazy));
        }

        return task;
    }

    /// <summary>
    /// An open connection to the project's database, for a request: a database that cannot be reached or
    /// brought up to date is that project's <see cref="ProjectDatabaseUnavailableException"/>, never the worker's.
    /// </summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync(Project project, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await OpenPooledAsync(project, cancellationToken);
            health.Reachable(project.Ref);
            return connection;
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested && IsUnavailable(error))
        {
            if (health.Failed(project.Ref))
            {
                LogUnavailable(logger, project.Ref, error);
            }

            throw new ProjectDatabaseUnavailableException(project.Ref, error);
        }
    }

    /// <summary>
    /// A connection from the project's pool. A change to the project (Control publishes one right after creating it,
    /// and with every settings change) drops and disposes the pool, and a request that took the pool just before
    /// then fails to open from it: it takes the new pool instead, once.
    /// </summary>
    private async Task<NpgsqlConnection> OpenPooledAsync(Project project, CancellationToken cancellationToken)
    {
        var pool = await GetAsync(project);
        try
        {
            return await OpenFromAsync(pool, cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            return await OpenFromAsync(await GetAsync(project), cancellationToken);
        }
        catch (PostgresException e) when (pool.LoginUnproven && IsLoginRefused(e))
        {
            return await OpenFromAsync(await BootstrapAgainAsync(project, pool), cancellationToken);
        }
    }

    /// <summary>
    /// The database's ledger was complete, but it refuses the project's login role as the bootstrap leaves it (a
    /// database another project's bootstrap brought up to date, a role changed by hand): the pool is replaced by one
    /// opened through the full bootstrap, once however many requests found the refusal.
    /// </summary>
    private async Task<ProjectPool> BootstrapAgainAsync(Project project, ProjectPool refused)
    {
        var fresh = new Lazy<Task<ProjectPool>>(() => OpenAsync(project, bootstrap: true));
        var current = sources.AddOrUpdate(project.Ref, fresh, (_, existing) => ReferenceEquals(Opened(existing), refused) ? fresh : existing);
        if (ReferenceEquals(current, fresh))
        {
            budget.Retire(refused);
            await refused.DataSource.DisposeAsync();
        }

        return await current.Value;
    }

    /// <summary>Wrong password, no such role, or no CONNECT on the database: what the bootstrap's role statements set.</summary>
    private static bool IsLoginRefused(PostgresException error) =>
        error.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification
            or PostgresErrorCodes.InsufficientPrivilege;

    /// <summary>
    /// An idle connection of the project's open pool, or null when it has none: for background checks that must not
    /// make a pool grow, or take another project's connections, at the worker's cap.
    /// </summary>
    public async Task<NpgsqlConnection?> TryOpenIdleConnectionAsync(Project project, CancellationToken cancellationToken)
    {
        if (!sources.TryGetValue(project.Ref, out var lazy) || Opened(lazy) is not { } pool || !budget.TryEnterIdle(pool))
        {
            return null;
        }

        try
        {
            return await OpenEnteredAsync(pool, cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>A connection of <paramref name="pool"/>, within the budget: its close gives the room back.</summary>
    private async Task<NpgsqlConnection> OpenFromAsync(ProjectPool pool, CancellationToken cancellationToken)
    {
        try
        {
            await budget.EnterAsync(pool, cancellationToken);
        }
        catch (TimeoutException error)
        {
            // The worker is saturated, not the project's database: its health stays as it is.
            throw new ProjectDatabaseUnavailableException(pool.ProjectRef, error);
        }

        return await OpenEnteredAsync(pool, cancellationToken);
    }

    /// <summary>Opens a connection of <paramref name="pool"/> in the room the budget gave; gives it back if the open fails.</summary>
    private async Task<NpgsqlConnection> OpenEnteredAsync(ProjectPool pool, CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = pool.DataSource.CreateConnection();
            connection.StateChange += pool.ConnectionClosed;
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            // Never opened, so no close will report it.
            if (connection is not null)
            {
                connection.StateChange -= pool.ConnectionClosed;
                await connection.DisposeAsync();
            }

            budget.Leave(pool);
            throw;
        }
    }

    /// <summary>
    /// Closes the pools of projects no request used since <paramref name="unusedSince"/> (a
    /// <see cref="TimeProvider.GetTimestamp"/>) and that have no connection out; a request racing the close opens
    /// the pool again.
    /// </summary>
    public async Task CloseIdleAsync(long unusedSince)
    {
        foreach (var (projectRef, lazy) in sources)
        {
            if (Opened(lazy) is { } pool && budget.IsIdle(pool, unusedSince)
                && sources.TryRemove(new KeyValuePair<string, Lazy<Task<ProjectPool>>>(projectRef, lazy)))
            {
                budget.Retire(pool);
                await pool.DataSource.DisposeAsync();
                LogIdleClosed(logger, projectRef);
            }
        }
    }

    /// <summary>
    /// A fresh connection in place of one from the pool that Postgres had ended: whatever ended it (a restart,
    /// terminated backends) ended the pool's other idle connections too, so they are closed rather than each
    /// failing a later request.
    /// </summary>
    public async Task<NpgsqlConnection> ReplaceDeadAsync(Project project, CancellationToken cancellationToken)
    {
        if (sources.TryGetValue(project.Ref, out var lazy) && Opened(lazy) is { } pool)
        {
            pool.DataSource.Clear();
        }

        LogPoolCleared(logger, project.Ref);
        return await OpenConnectionAsync(project, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in sources.Values)
        {
            if (Opened(lazy) is { } pool)
            {
                await pool.DataSource.DisposeAsync();
            }
        }
    }

    /// <summary>The pool, once its project's database is up to date and it is open; null before, or if that failed.</summary>
    private static ProjectPool? Opened(Lazy<Task<ProjectPool>> lazy) =>
        lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result : null;

    /// <summary>
    /// The project's pool, its database brought up to date first. A database whose ledger already lists every migration
    /// (another worker served the project, or this one before the pool was closed) skips the bootstrap unless
    /// <paramref name="bootstrap"/>: it writes shared catalogs and fires the database's DDL triggers, and a project
    /// that spilled to a second worker, or came back after its pool was closed, paid ~200 ms for it under load.
    /// </summary>
    private async Task<ProjectPool> OpenAsync(Project project, bool bootstrap)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var admin = TenantConnections.Admin(project, system.ConnectionString);
        var upToDate = !bootstrap && await TenantMigrator.IsUpToDateAsync(admin, migrations, timeout.Token);
        if (!upToDate)
        {
            await TenantMigrator.ApplyAsync(admin, project, migrations, timeout.Token);
        }

        LogReady(logger, project.Ref, upToDate ? "up to date" : "migrated", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        var builder = new NpgsqlDataSourceBuilder(
            TenantConnections.Authenticator(project, system.ConnectionString, options.MaxPoolSizePerProject))
        {
            Name = ProjectPool.NameOf(project.Ref),
        };
        return new ProjectPool(project.Ref, builder.Build(), budget) { LastUsed = time.GetTimestamp(), LoginUnproven = upToDate };
    }

    /// <summary>
    /// While connecting or migrating, any database error or timeout (migrations give up after 60 s) means
    /// the project cannot be served now.
    /// </summary>
    private static bool IsUnavailable(Exception error) =>
        error is (NpgsqlException or TimeoutException or OperationCanceledException) and not NpgsqlOperationInProgressException;

    private void Drop(string projectRef)
    {
        health.Forget(projectRef);
        if (sources.TryRemove(projectRef, out var lazy) && lazy.IsValueCreated)
        {
            // Connections in use finish their request; the pool closes them as they come back.
            _ = lazy.Value.ContinueWith(
                t =>
                {
                    if (!t.IsCompletedSuccessfully)
                    {
                        return Task.CompletedTask;
                    }

                    budget.Retire(t.Result);
                    return t.Result.DataSource.DisposeAsync().AsTask();
                },
                TaskScheduler.Default);
        }
    }

    [LoggerMessage(EventId = EventIds.TenantDatabaseReady, Level = LogLevel.Information, Message = "Project {ProjectRef} database ready ({How}) in {ElapsedMs:F0} ms")]
    private static partial void LogReady(ILogger logger, string projectRef, string how, double elapsedMs);

    [LoggerMessage(EventId = EventIds.TenantPoolIdle, Level = LogLevel.Debug, Message = "Project {ProjectRef} pool closed: unused for Worker__ProjectIdleSeconds")]
    private static partial void LogIdleClosed(ILogger logger, string projectRef);

    [LoggerMessage(EventId = EventIds.TenantDeadPooledConnection, Level = LogLevel.Information, Message = "Project {ProjectRef} had a dead pooled connection; pool cleared and the transaction set up again")]
    private static partial void LogPoolCleared(ILogger logger, string projectRef);

    [LoggerMessage(EventId = EventIds.TenantDatabaseUnavailable, Level = LogLevel.Warning, Message = "Project {ProjectRef} database unavailable; its requests get 503 until it answers again")]
    private static partial void LogUnavailable(ILogger logger, string projectRef, Exception error);
}
