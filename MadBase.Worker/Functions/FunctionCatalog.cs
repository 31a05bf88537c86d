using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Projects;
using Npgsql;

namespace MadBase.Worker.Functions;

/// <summary>
/// Reads what Control stored of a project's functions (<c>madbase.functions</c>, <c>function_versions</c>,
/// <c>function_secrets</c>) with the worker's own SQL, as <see cref="ProjectDirectory"/> reads projects. Which
/// version a function serves is cached like a project and dropped on the same change message, which Control
/// publishes on every deploy, delete and secret change.
/// </summary>
internal sealed class FunctionCatalog
{
    private const string SelectFunction = """
        SELECT f.version, f.verify_jwt, v.sha256
        FROM madbase.functions f
        JOIN madbase.function_versions v USING (project_ref, slug, version)
        WHERE f.project_ref = $1 AND f.slug = $2
        """;

    private const string SelectBundle =
        "SELECT bundle FROM madbase.function_versions WHERE project_ref = $1 AND slug = $2 AND version = $3";

    private const string SelectSecrets = "SELECT name, value FROM madbase.function_secrets WHERE project_ref = $1";

    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MissingTtl = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<(string Ref, string Slug), Entry> cache = new();
    private readonly SystemDatabase database;
    private readonly TimeProvider time;

    public FunctionCatalog(SystemDatabase database, ProjectDirectory projects, TimeProvider time)
    {
        this.database = database;
        this.time = time;
        projects.Changed += Forget;
    }

    /// <summary>Raised after a project's cached functions were dropped: its running instances are out of date.</summary>
    public event Action<string>? Changed;

    public async ValueTask<DeployedFunction?> FindAsync(string projectRef, string slug, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (cache.TryGetValue((projectRef, slug), out var entry) && entry.ExpiresAt > now)
        {
            return entry.Function;
        }

        var function = await LoadAsync(projectRef, slug, cancellationToken);
        cache[(projectRef, slug)] = new Entry(function, now + (function is null ? MissingTtl : Ttl));
        return function;
    }

    /// <summary>The bundle of one version; null when it is gone (a later deploy pruned it).</summary>
    public async Task<byte[]?> ReadBundleAsync(DeployedFunction function, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(SelectBundle);
        command.Parameters.Add(new NpgsqlParameter { Value = function.ProjectRef });
        command.Parameters.Add(new NpgsqlParameter { Value = function.Slug });
        command.Parameters.Add(new NpgsqlParameter { Value = function.Version });
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public async Task<Dictionary<string, string>> ReadSecretsAsync(string projectRef, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(SelectSecrets);
        command.Parameters.Add(new NpgsqlParameter { Value = projectRef });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            secrets[reader.GetString(0)] = reader.GetString(1);
        }

        return secrets;
    }

    private async Task<DeployedFunction?> LoadAsync(string projectRef, string slug, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(SelectFunction);
        command.Parameters.Add(new NpgsqlParameter { Value = projectRef });
        command.Parameters.Add(new NpgsqlParameter { Value = slug });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new DeployedFunction(projectRef, slug, reader.GetInt32(0), reader.GetBoolean(1), reader.GetString(2))
            : null;
    }

    private void Forget(string projectRef)
    {
        foreach (var key in cache.Keys.Where(k => k.Ref == projectRef))
        {
            cache.TryRemove(key, out _);
        }

        Changed?.Invoke(projectRef);
    }

    private sealed record Entry(DeployedFunction? Function, DateTimeOffset ExpiresAt);
}
