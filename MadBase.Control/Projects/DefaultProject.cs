using MadBase.Control.SystemDb;
using MadBase.ServiceDefaults.Logging;
using Microsoft.Extensions.Options;

namespace MadBase.Control.Projects;

/// <summary>
/// The single-project case needs no admin step: on a start that finds no project at all, create one
/// from configuration (or with a generated secret, persisted in its row so restarts keep its keys).
/// </summary>
internal sealed partial class DefaultProject(
    IServiceScopeFactory scopes,
    IOptions<DefaultProjectOptions> options,
    ILogger<DefaultProject> logger) : IHostedService
{
    public const string Name = "Default project";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value;

        // A session-level lock held on the scope's context: creation runs CREATE DATABASE on other connections,
        // outside any transaction. A second Control starting now waits here, then finds the project.
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ProjectStore>();
        var creation = scope.ServiceProvider.GetRequiredService<ProjectCreation>();
        await using (await scope.ServiceProvider.GetRequiredService<ControlDb>().Database.LockAsync("madbase.default_project", cancellationToken))
        {
            if (!await store.AnyAsync(cancellationToken))
            {
                await creation.CreateAsync(new(configured.Ref, Name, configured.JwtSecret, []), cancellationToken);
                LogCreated(logger, configured.Ref, configured.JwtSecret is null ? "generated" : "Auth__JwtSecret");
            }
            else if (configured.JwtSecret is not null
                && await store.FindAsync(configured.Ref, cancellationToken) is { } existing
                && existing.JwtSecret != configured.JwtSecret)
            {
                LogSecretIgnored(logger, configured.Ref);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = EventIds.DefaultProjectCreated, Level = LogLevel.Information, Message = "No project yet: created the default project {ProjectRef} (JWT secret: {SecretSource})")]
    private static partial void LogCreated(ILogger logger, string projectRef, string secretSource);

    [LoggerMessage(EventId = EventIds.DefaultProjectSecretDiffers, Level = LogLevel.Warning, Message = "Auth__JwtSecret differs from the stored secret of project {ProjectRef}; the stored one stays in use (its keys were signed with it)")]
    private static partial void LogSecretIgnored(ILogger logger, string projectRef);
}

/// <summary><c>Projects__DefaultRef</c> (default "default") and <c>Auth__JwtSecret</c> (optional, at least 32 characters).</summary>
internal sealed class DefaultProjectOptions
{
    public string Ref { get; set; } = "default";

    public string? JwtSecret { get; set; }
}
