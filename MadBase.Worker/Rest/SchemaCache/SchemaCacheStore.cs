using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MadBase.Worker.Rest.SchemaCache;

/// <summary>
/// One schema cache per project. The first request loads it; afterwards a LISTEN connection on channel
/// <c>pgrst</c> (fed by <c>NOTIFY pgrst, 'reload schema'</c> and by the DDL event trigger of the Rest
/// migration) reloads it in the background, and requests keep the old model until the new one is ready.
/// A worker keeps at most <see cref="RestOptions.MaxSchemaListeners"/> such connections: a project beyond them
/// asks its DDL log, at most every <see cref="RestOptions.SchemaPollSeconds"/> and off its requests' path, whether
/// DDL committed since its cache was read (NOTIFY pgrst alone then waits for that check).
/// The notification can arrive after a request that already needs the change (a client creating a table
/// and querying it at once), so a request that misses a table or function calls <see cref="CatchUpAsync"/>,
/// which asks the database whether DDL committed after the snapshot the cache was read in.
/// </summary>
internal sealed partial class SchemaCacheStore : IAsyncDisposable
{
    // Lazy: GetOrAdd may run its factory twice under contention, and a ProjectSchema starts a listener.
    private readonly ConcurrentDictionary<string, Lazy<ProjectSchema>> projects = new(StringComparer.Ordinal);
    private readonly TenantDatabases databases;
    private readonly SystemDatabase system;
    private readonly TimeProvider time;
    private readonly ILogger<SchemaCacheStore> logger;
    private readonly int maxListeners;
    private readonly long pollTicks;
    private int listeners;

    public SchemaCacheStore(
        TenantDatabases databases,
        SystemDatabase system,
        ProjectDirectory directory,
        IOptions<RestOptions> options,
        TimeProvider time,
        ILogger<SchemaCacheStore> logger)
    {
        this.databases = databases;
        this.system = system;
        this.time = time;
        this.logger = logger;
        maxListeners = options.Value.MaxSchemaListeners;
        pollTicks = options.Value.SchemaPollSeconds * time.TimestampFrequency;
        directory.Changed += Drop;
    }

    public async Task<SchemaModel> GetAsync(Project project)
    {
        for (var attempt = 1; ; attempt++)
        {
            var entry = Entry(project);
            try
            {
                return await entry.CurrentAsync();
            }
            catch (OperationCanceledException) when (entry.Dropped && attempt < 3)
            {
                // The project changed while its schema was loading (Control's change message can come after
                // the project's first request, e.g. just after it was created): the dropped entry's load was
                // cancelled, which says nothing of this request, so it reads through the fresh entry.
            }
        }
    }

    /// <summary>
    /// True after reloading the cache when DDL committed since it was read; false (at the cost of one small
    /// query) when the cache is current, so the miss is real. Databases without the DDL log always say false.
    /// </summary>
    /// <param name="project">The request's project.</param>
    /// <param name="used">The model the request was planned against; a newer one in place already is a catch-up.</param>
    /// <remarks>
    /// A cache evicted (idle) or dropped since the request took its model is no more: the retry loads a new one from
    /// the catalog as it is now, so that is a catch-up too.
    /// </remarks>
    public Task<bool> CatchUpAsync(Project project, SchemaModel used) =>
        projects.TryGetValue(project.Ref, out var entry) ? entry.Value.CatchUpAsync(used) : Task.FromResult(true);

    /// <summary>Loads a fresh model now and swaps it in; used by the listener and by tests.</summary>
    public Task ReloadAsync(Project project) =>
        Entry(project).ReloadAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in projects.Values.Select(lazy => lazy.Value))
        {
            await entry.DisposeAsync();
        }
    }

    /// <summary>
    /// Drops the caches (and stops the listeners) of projects not asked for since <paramref name="unusedSince"/>.
    /// A request racing the eviction keeps the model it holds, or, if its load is cancelled, reads through a
    /// fresh entry (<see cref="GetAsync"/>).
    /// </summary>
    public async Task EvictIdleAsync(DateTimeOffset unusedSince)
    {
        foreach (var (projectRef, entry) in projects)
        {
            if (entry.IsValueCreated && entry.Value.LastUsed < unusedSince && projects.TryRemove(new(projectRef, entry)))
            {
                LogEvicted(logger, projectRef);
                await entry.Value.DisposeAsync();
            }
        }
    }

    private void Drop(string projectRef)
    {
        if (projects.TryRemove(projectRef, out var entry))
        {
            _ = entry.Value.DisposeAsync().AsTask();
        }
    }

    private ProjectSchema Entry(Project project)
    {
        var entry = projects.GetOrAdd(project.Ref, _ => new Lazy<ProjectSchema>(() => new ProjectSchema(this, project))).Value;
        entry.LastUsed = time.GetUtcNow();
        return entry;
    }

    /// <summary>A listener for one more project, if the worker has room for it.</summary>
    private bool TakeListener()
    {
        while (true)
        {
            var taken = Volatile.Read(ref listeners);
            if (taken >= maxListeners)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref listeners, taken + 1, taken) == taken)
            {
                return true;
            }
        }
    }

    private void ReleaseListener() => Interlocked.Decrement(ref listeners);

    private async Task<(SchemaModel Model, string? Snapshot)> LoadAsync(Project project, CancellationToken cancellationToken)
    {
        await using var connection = await databases.OpenConnectionAsync(project, cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // One snapshot for the whole catalog, and its identity: CatchUpAsync asks what committed after it.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var current = new NpgsqlCommand("SELECT pg_catalog.pg_current_snapshot()::text", connection, transaction);
        var snapshot = (string?)await current.ExecuteScalarAsync(cancellationToken);
        var model = await SchemaLoader.LoadAsync(connection, project.Settings.Rest.Schemas, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogLoaded(logger, project.Ref, model.Tables.Count, model.Functions.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        SchemaCacheMetrics.Loaded();
        return (model, snapshot);
    }

    /// <summary>Whether DDL (logged by the Rest migration's event triggers) committed after the snapshot.</summary>
    private async Task<bool> ChangedSinceAsync(Project project, string snapshot, CancellationToken cancellationToken)
    {
        await using var connection = await databases.OpenConnectionAsync(project, cancellationToken);
        return await ChangedSinceAsync(connection, snapshot, cancellationToken);
    }

    /// <summary>
    /// The poll's check, on an idle connection of the project's pool only: a poll must never open a connection (at the
    /// worker's cap that would close another project's), so with none idle it waits for a later request (null).
    /// </summary>
    private async Task<bool?> PolledChangedSinceAsync(Project project, string snapshot, CancellationToken cancellationToken)
    {
        await using var connection = await databases.TryOpenIdleConnectionAsync(project, cancellationToken);
        return connection is null ? null : await ChangedSinceAsync(connection, snapshot, cancellationToken);
    }

    private static async Task<bool> ChangedSinceAsync(NpgsqlConnection connection, string snapshot, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT _madbase.schema_changed_since($1::pg_snapshot) WHERE pg_catalog.to_regproc('_madbase.schema_changed_since') IS NOT NULL",
            connection);
        command.Parameters.AddWithValue(snapshot);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    [LoggerMessage(EventId = EventIds.SchemaCacheLoaded, Level = LogLevel.Information, Message = "Schema cache of project {ProjectRef} loaded: {Tables} relations, {Functions} functions in {ElapsedMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string projectRef, int tables, int functions, double elapsedMs);

    [LoggerMessage(EventId = EventIds.SchemaCacheListenerFailed, Level = LogLevel.Warning, Message = "Schema cache listener of project {ProjectRef} failed; retrying")]
    private static partial void LogListenerFailed(ILogger logger, string projectRef, Exception exception);

    [LoggerMessage(EventId = EventIds.SchemaCacheEvicted, Level = LogLevel.Debug, Message = "Schema cache of project {ProjectRef} evicted: unused for the idle period")]
    private static partial void LogEvicted(ILogger logger, string projectRef);

    [LoggerMessage(EventId = EventIds.SchemaCacheReloadFailed, Level = LogLevel.Warning, Message = "Schema cache reload of project {ProjectRef} failed; keeping the previous one")]
    private static partial void LogReloadFailed(ILogger logger, string projectRef, Exception exception);

    private sealed record Loaded(SchemaModel Model, string? Snapshot);

    private sealed class ProjectSchema : IAsyncDisposable
    {
        private readonly SchemaCacheStore store;
        private readonly Project project;
        private readonly CancellationTokenSource stopping = new();
        private readonly SemaphoreSlim reloading = new(1, 1);
        private readonly Lock gate = new();
        private readonly Task listener;
        private readonly bool listening;
        private Task<SchemaModel> current;

        /// <summary>Without a listener: when the DDL log was last asked (<see cref="TimeProvider.GetTimestamp"/>), and whether a check runs.</summary>
        private long polledAt;
        private int polling;

        /// <summary>The model in place and the snapshot it was read in, swapped together.</summary>
        private Loaded? loaded;

        /// <summary>The reload that has not started reading the catalog yet, which every new request for one joins.</summary>
        private Task? queued;

        public ProjectSchema(SchemaCacheStore store, Project project)
        {
            this.store = store;
            this.project = project;
            current = FirstLoadAsync();
            listening = store.TakeListener();
            listener = listening ? Task.Run(ListenAsync) : Task.CompletedTask;
            polledAt = store.time.GetTimestamp();
        }

        /// <summary>When a request last asked for this cache (a torn read of the struct cannot matter: eviction is coarse).</summary>
        public DateTimeOffset LastUsed { get; set; }

        /// <summary>Dropped from the store (its project changed or it went unused): its loads are cancelled.</summary>
        public bool Dropped => stopping.IsCancellationRequested;

        public Task<SchemaModel> CurrentAsync()
        {
            var task = current;
            if (task.IsFaulted || task.IsCanceled)
            {
                // The first load failed (database down): the next request tries again.
                Interlocked.CompareExchange(ref current, FirstLoadAsync(), task);
                return current;
            }

            if (!listening)
            {
                PollIfDue();
            }

            return task;
        }

        /// <summary>Starts a check of the DDL log when the last is older than the poll interval and none runs; never waits for it.</summary>
        private void PollIfDue()
        {
            var now = store.time.GetTimestamp();
            if (now - Volatile.Read(ref polledAt) < store.pollTicks || Interlocked.CompareExchange(ref polling, 1, 0) != 0)
            {
                return;
            }

            Volatile.Write(ref polledAt, now);
            _ = Task.Run(PollAsync);
        }

        private async Task PollAsync()
        {
            try
            {
                if (Volatile.Read(ref loaded) is { Snapshot: { } readAt })
                {
                    switch (await store.PolledChangedSinceAsync(project, readAt, stopping.Token))
                    {
                        case true:
                            await ReloadAsync();
                            break;
                        case null:
                            // No idle connection to ask on: the next request tries again.
                            Volatile.Write(ref polledAt, 0);
                            break;
                    }
                }
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException or ProjectDatabaseUnavailableException
                                              or OperationCanceledException)
            {
                // The next request's check tries again; a reload that failed has logged why.
            }
            finally
            {
                Volatile.Write(ref polling, 0);
            }
        }

        public async Task<bool> CatchUpAsync(SchemaModel used)
        {
            if (Volatile.Read(ref loaded) is not { } now)
            {
                return false;
            }

            var (model, readAt) = now;
            if (!ReferenceEquals(model, used))
            {
                // Reloaded since the request began: the newer model may have what it lacked.
                return true;
            }

            if (readAt is null)
            {
                return false;
            }

            try
            {
                if (!await store.ChangedSinceAsync(project, readAt, stopping.Token))
                {
                    return false;
                }
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException)
            {
                return false;
            }

            await ReloadAsync();
            return true;
        }

        /// <summary>
        /// A burst of DDL (a migration) sends many notifications: they all join the one queued reload, which
        /// starts once the running one (if any) is done, so it reads the catalog after every one of them.
        /// </summary>
        public Task ReloadAsync()
        {
            lock (gate)
            {
                return queued ??= QueuedReloadAsync();
            }
        }

        private async Task QueuedReloadAsync()
        {
            // Off the caller's thread, so that the lock in ReloadAsync is released before this one is taken.
            await Task.Yield();
            await reloading.WaitAsync(stopping.Token);
            lock (gate)
            {
                queued = null;
            }

            try
            {
                var (model, readAt) = await store.LoadAsync(project, stopping.Token);
                current = Task.FromResult(model);
                Volatile.Write(ref loaded, new Loaded(model, readAt));
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException or ProjectDatabaseUnavailableException)
            {
                LogReloadFailed(store.logger, project.Ref, error);
                SchemaCacheMetrics.Failed();
            }
            finally
            {
                reloading.Release();
            }
        }

        private async Task<SchemaModel> FirstLoadAsync()
        {
            var (model, readAt) = await store.LoadAsync(project, stopping.Token);
            // The listener's first reload may have finished before this load: never replace its newer pair.
            Interlocked.CompareExchange(ref loaded, new Loaded(model, readAt), null);
            return model;
        }

        public async ValueTask DisposeAsync()
        {
            if (listening && !stopping.IsCancellationRequested)
            {
                store.ReleaseListener();
            }

            await stopping.CancelAsync();
            try
            {
                await listener;
            }
            catch (OperationCanceledException)
            {
                // Stopped on purpose.
            }

            stopping.Dispose();
        }

        private async Task ListenAsync()
        {
            var connectionString = new NpgsqlConnectionStringBuilder(
                TenantConnections.Authenticator(project, store.system.ConnectionString, 1))
            {
                Pooling = false,
                KeepAlive = 30,
                ApplicationName = "madbase-schema-listener:" + project.Ref,
            }.ConnectionString;
            // The first load may have read the catalog before LISTEN was in place: reload once it is.
            var missed = true;
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(connectionString);
                    await connection.OpenAsync(stopping.Token);
                    connection.Notification += (_, e) =>
                    {
                        if (e.Payload is "" or "reload schema")
                        {
                            _ = ReloadAsync();
                        }
                    };
                    await using (var listen = new NpgsqlCommand("LISTEN pgrst", connection))
                    {
                        await listen.ExecuteNonQueryAsync(stopping.Token);
                    }

                    if (missed)
                    {
                        // Changes made while nobody listened were not announced to us.
                        missed = false;
                        _ = ReloadAsync();
                    }

                    while (!stopping.IsCancellationRequested)
                    {
                        await connection.WaitAsync(stopping.Token);
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception error) when (error is NpgsqlException or IOException or TimeoutException)
                {
                    LogListenerFailed(store.logger, project.Ref, error);
                    missed = true;
                    await Task.Delay(TimeSpan.FromSeconds(1), stopping.Token);
                }
            }
        }
    }
}
