using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// Reads projects from the system database and caches them. Control publishes a project's ref on
/// <see cref="ProjectHeaders.ChangesChannel"/> when it changes, which drops the entry at once; the TTL
/// covers a missed message or a deployment without Redis. Unknown refs are cached briefly too, so a
/// flood of bad keys does not become a flood of queries.
/// </summary>
public sealed partial class ProjectDirectory
{
    private const string SelectProject = $"SELECT {ProjectRows.Columns} FROM madbase.projects WHERE ref = $1";

    private readonly ConcurrentDictionary<string, Entry> cache = new(StringComparer.Ordinal);
    private readonly SystemDatabase database;
    private readonly TimeProvider time;
    private readonly ILogger<ProjectDirectory> logger;
    private readonly TimeSpan ttl;
    private readonly TimeSpan missingTtl;

    public ProjectDirectory(SystemDatabase database, TimeProvider time, IConfiguration configuration, ILogger<ProjectDirectory> logger)
    {
        this.database = database;
        this.time = time;
        this.logger = logger;
        ttl = TimeSpan.FromSeconds(configuration.GetValue("Projects:CacheSeconds", 30));
        missingTtl = TimeSpan.FromSeconds(configuration.GetValue("Projects:MissingCacheSeconds", 2));
    }

    /// <summary>Raised with a project's ref when Control says it changed or was deleted.</summary>
    public event Action<string>? Changed;

    public async ValueTask<Project?> FindAsync(string projectRef, CancellationToken cancellationToken)
    {
        if (!ProjectRefs.IsValid(projectRef))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (cache.TryGetValue(projectRef, out var entry) && entry.ExpiresAt > now)
        {
            return await entry.Load.WaitAsync(cancellationToken);
        }

        // One load per ref at a time: concurrent misses share the same task.
        var fresh = new Entry(LoadAsync(projectRef), now + ttl);
        entry = cache.AddOrUpdate(projectRef, fresh, (_, old) => old.ExpiresAt > now ? old : fresh);
        try
        {
            var project = await entry.Load.WaitAsync(cancellationToken);
            if (project is null && ReferenceEquals(entry, fresh))
            {
                cache.TryUpdate(projectRef, fresh with { ExpiresAt = now + missingTtl }, fresh);
            }

            return project;
        }
        catch (Exception) when (ReferenceEquals(entry, fresh))
        {
            cache.TryRemove(new KeyValuePair<string, Entry>(projectRef, fresh));
            throw;
        }
    }

    /// <summary>Drops the cached entry; called on Control's message and by Control itself after a change.</summary>
    public void Invalidate(string projectRef)
    {
        cache.TryRemove(projectRef, out _);
        LogInvalidated(logger, projectRef);
        Changed?.Invoke(projectRef);
    }

    private async Task<Project?> LoadAsync(string projectRef)
    {
        try
        {
            return await SelectAsync(projectRef);
        }
        catch (NpgsqlException e) when (IsDeadConnection(e))
        {
            // A pooled connection Postgres ended while it sat idle (a restart, terminated backends), and with it
            // the pool's others: drop them and read again, which a single SELECT can do safely.
            database.DataSource.Clear();
            LogDeadConnection(logger, projectRef);
            return await SelectAsync(projectRef);
        }
    }

    private async Task<Project?> SelectAsync(string projectRef)
    {
        try
        {
            await using var command = database.DataSource.CreateCommand(SelectProject);
            command.Parameters.AddWithValue(projectRef);
            return await ProjectRows.ReadOneAsync(command, CancellationToken.None);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // Control has not created the system schema yet: no project exists.
            return null;
        }
    }

    /// <summary>Postgres ended the session (shutdown, pg_terminate_backend), or the connection broke under the read.</summary>
    private static bool IsDeadConnection(NpgsqlException error) => error switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown,
        _ => error.InnerException is IOException or System.Net.Sockets.SocketException,
    };

    private sealed record Entry(Task<Project?> Load, DateTimeOffset ExpiresAt);

    [LoggerMessage(EventId = EventIds.ProjectReadAfterDeadConnection, Level = LogLevel.Information, Message = "Reading project {ProjectRef} found a dead pooled connection; pool cleared and read again")]
    private static partial void LogDeadConnection(ILogger logger, string projectRef);

    [LoggerMessage(EventId = EventIds.ProjectDroppedFromCache, Level = LogLevel.Debug, Message = "Project {ProjectRef} dropped from cache")]
    private static partial void LogInvalidated(ILogger logger, string projectRef);
}
