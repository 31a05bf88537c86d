using MadBase.Control.Admin;
using MadBase.Control.SystemDb;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MadBase.Control.Projects;

/// <summary>
/// Makes a project whole or not at all: row (uncommitted), database, bootstrap (roles, schemas,
/// auth.uid()), then commit. Until the commit no one else sees the project; on any failure the database
/// and login role are dropped again and the row rolls back. A project on an external database (another cluster)
/// is bootstrapped in that database, which stays its owner's: never created nor dropped here.
/// </summary>
internal sealed partial class ProjectCreation(
    ControlDb db,
    ProjectStore store,
    SystemDatabase database,
    ProjectChanges changes,
    IOptions<ProjectDefaultsOptions> defaults,
    TimeProvider time,
    ILogger<ProjectCreation> logger)
{
    public async Task<Project> CreateAsync(NewProject request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var (settingsDocument, settings) = SettingsPatch.Apply([], defaults.Value.Apply(request.Ref, request.Settings));
        var secret = request.JwtSecret ?? ProjectSecrets.NewJwtSecret();
        var now = time.GetUtcNow();
        var project = new Project(
            request.Ref,
            request.Name,
            request.DatabaseUrl is null ? ProjectDatabase.NameFor(request.Ref) : ExternalDatabaseUrl.DatabaseName(request.DatabaseUrl),
            request.DatabaseUrl,
            secret,
            JwtIssuer.ApiKey(request.Ref, "anon", secret, now),
            JwtIssuer.ApiKey(request.Ref, "service_role", secret, now),
            ProjectSecrets.NewPassword(),
            settings,
            now)
        {
            SigningKeys = SigningKeyRotation.Reconcile([], settings.Auth, settings.Auth, now),
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        project = await store.InsertAsync(project, settingsDocument, cancellationToken);

        if (project.DatabaseUrl is null)
        {
            // On another connection: CREATE DATABASE cannot run inside the row's transaction.
            await ProjectDatabase.CreateAsync(database.DataSource, project.DatabaseName, cancellationToken);
        }

        try
        {
            await TenantMigrator.ApplyAsync(
                TenantConnections.Admin(project, database.ConnectionString), project, [new PlatformMigrations()], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (project.DatabaseUrl is not null && e is (Npgsql.NpgsqlException or System.Net.Sockets.SocketException))
        {
            // The caller's database refused or could not be reached: theirs to fix, said in the admin API's 400.
            LogFailed(logger, e, project.Ref);
            throw AdminException.BadRequest($"database_url: {e.Message}");
        }
        catch (Exception e)
        {
            LogFailed(logger, e, project.Ref);
            await DropQuietlyAsync(project);
            throw;
        }

        await changes.PublishAsync(project.Ref);
        LogCreated(logger, project.Ref, project.DatabaseName, (long)time.GetElapsedTime(started).TotalMilliseconds);
        return project;
    }

    private async Task DropQuietlyAsync(Project project)
    {
        try
        {
            // Not the request's token: a caller that gave up must not leave a half-made database behind.
            await ProjectDatabase.DropAsync(database.DataSource, project, CancellationToken.None);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            LogCleanupFailed(logger, e, project.Ref, project.DatabaseName);
        }
    }

    [LoggerMessage(EventId = EventIds.ProjectCreated, Level = LogLevel.Information, Message = "Project {ProjectRef} created (database {DatabaseName}) in {ElapsedMs} ms")]
    private static partial void LogCreated(ILogger logger, string projectRef, string databaseName, long elapsedMs);

    [LoggerMessage(EventId = EventIds.ProjectCreationFailed, Level = LogLevel.Error, Message = "Creating project {ProjectRef} failed; dropping its database again")]
    private static partial void LogFailed(ILogger logger, Exception error, string projectRef);

    [LoggerMessage(EventId = EventIds.ProjectCreationCleanupFailed, Level = LogLevel.Error, Message = "Cleanup after the failed creation of {ProjectRef} failed: drop database {DatabaseName} by hand")]
    private static partial void LogCleanupFailed(ILogger logger, Exception error, string projectRef, string databaseName);
}
