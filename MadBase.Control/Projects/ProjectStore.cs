using System.Text.Json.Nodes;
using MadBase.Control.Admin;
using MadBase.Control.SystemDb;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace MadBase.Control.Projects;

/// <summary>
/// The rows of <c>madbase.projects</c>, through EF. Reads go straight to the database, not through
/// <see cref="ProjectDirectory"/>'s cache: an admin must see a change made by another Control instance.
/// </summary>
internal sealed partial class ProjectStore(ControlDb db, TimeProvider time, ILogger<ProjectStore> logger)
{
    /// <summary>Updates that lost the race to a concurrent one are computed again from the new row, this often.</summary>
    private const int UpdateAttempts = 5;

    public Task<List<ProjectSummary>> ListAsync(CancellationToken cancellationToken) =>
        db.Projects.AsNoTracking()
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.Ref)
            .Select(p => new ProjectSummary(p.Ref, p.Name, p.DbName, p.CreatedAt))
            .ToListAsync(cancellationToken);

    public Task<bool> AnyAsync(CancellationToken cancellationToken) => db.Projects.AnyAsync(cancellationToken);

    public async Task<Project?> FindAsync(string projectRef, CancellationToken cancellationToken)
    {
        if (!ProjectRefs.IsValid(projectRef))
        {
            return null;
        }

        var row = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Ref == projectRef, cancellationToken);
        return row?.ToProject();
    }

    /// <summary>
    /// Inserts inside the caller's transaction (on this store's context), so the row appears only once the
    /// project's database is ready; a concurrent insert of the same ref waits on this one and then fails as a conflict.
    /// </summary>
    public async Task<Project> InsertAsync(Project project, JsonObject settings, CancellationToken cancellationToken)
    {
        var row = ProjectRow.From(project, settings);
        db.Projects.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw AdminException.Conflict($"project {project.Ref} already exists");
        }

        return project with { CreatedAt = row.CreatedAt };
    }

    /// <summary>
    /// Renames and/or merges settings; the signing keys follow the new settings in the same update. Concurrent
    /// patches do not lose each other's keys: the update applies only to the row version it was computed from.
    /// </summary>
    public Task<Project?> UpdateAsync(string projectRef, string? name, JsonObject? settingsPatch, CancellationToken cancellationToken) =>
        ModifyAsync(
            projectRef,
            name,
            (stored, keys, now) =>
            {
                var (settings, effective) = SettingsPatch.Apply(stored, settingsPatch ?? []);
                var before = ProjectSettings.Parse(stored.ToJsonString()).Auth;
                return (settings, SigningKeyRotation.Reconcile(keys, before, effective.Auth, now));
            },
            cancellationToken);

    /// <summary>A new current key of the configured algorithm; the one it replaces verifies until its tokens expire.</summary>
    public Task<Project?> RotateSigningKeyAsync(string projectRef, CancellationToken cancellationToken) =>
        ModifyAsync(
            projectRef,
            null,
            (stored, keys, now) =>
            {
                var auth = ProjectSettings.Parse(stored.ToJsonString()).Auth;
                if (!SigningAlgorithms.IsAsymmetric(auth.JwtSigning.Algorithm))
                {
                    throw AdminException.BadRequest(
                        $"settings.auth.jwt_signing.algorithm is {auth.JwtSigning.Algorithm}: there is no key pair to rotate (tokens are signed with the JWT secret)");
                }

                return (stored, SigningKeyRotation.Reconcile(keys, auth, auth, now, rotate: true));
            },
            cancellationToken);

    /// <summary>
    /// Adds an imported key. As the current one it retires the signing key it replaces (which verifies until its
    /// tokens expire) and makes the project sign with its algorithm.
    /// </summary>
    public Task<Project?> ImportSigningKeyAsync(string projectRef, SigningKey key, bool current, CancellationToken cancellationToken) =>
        ModifyAsync(
            projectRef,
            null,
            (stored, keys, now) =>
            {
                if (keys.Any(k => k.Kid == key.Kid))
                {
                    throw AdminException.Conflict($"the project already has a key with kid {key.Kid}");
                }

                if (!current)
                {
                    return (stored, [.. keys, key]);
                }

                var lifetime = TimeSpan.FromSeconds(ProjectSettings.Parse(stored.ToJsonString()).Auth.JwtExpirySeconds);
                var patch = new JsonObject { ["auth"] = new JsonObject { ["jwt_signing"] = new JsonObject { ["algorithm"] = key.Algorithm } } };
                var (settings, _) = SettingsPatch.Apply(stored, patch);
                return (settings, [
                    .. keys.Select(k => k.RetiredAt is null ? k with { RetiredAt = now, VerifyUntil = now + lifetime + SigningKeyRotation.Grace } : k),
                    key with { RetiredAt = null },
                ]);
            },
            cancellationToken);

    /// <summary>Adds a publishable or secret key (its hash); null when the project does not exist.</summary>
    public Task<Project?> AddApiKeyAsync(string projectRef, ProjectApiKey key, int maxKeys, CancellationToken cancellationToken) =>
        ModifyRowAsync(
            projectRef,
            (row, _) =>
            {
                var keys = ProjectApiKey.ParseList(row.ApiKeys);
                if (keys.Any(k => k.Hash == key.Hash))
                {
                    throw AdminException.Conflict("the project already has this key");
                }

                if (keys.Count >= maxKeys)
                {
                    throw AdminException.Conflict($"a project has at most {maxKeys} publishable and secret keys: revoke one first");
                }

                row.ApiKeys = ProjectApiKey.ToJson([.. keys, key]);
            },
            cancellationToken);

    /// <summary>Removes a key; false when the project has no key with that id.</summary>
    public async Task<bool> RevokeApiKeyAsync(string projectRef, string id, CancellationToken cancellationToken)
    {
        var found = false;
        await ModifyRowAsync(
            projectRef,
            (row, _) =>
            {
                var keys = ProjectApiKey.ParseList(row.ApiKeys);
                found = keys.Any(k => k.Id == id);
                row.ApiKeys = ProjectApiKey.ToJson(keys.Where(k => k.Id != id));
            },
            cancellationToken);
        return found;
    }

    /// <summary>
    /// A new legacy JWT secret (and the anon/service_role keys signed with it), and imported asymmetric keys;
    /// <paramref name="change"/> gets the row's current values and returns what to store.
    /// </summary>
    public Task<Project?> ReplaceJwtKeysAsync(
        string projectRef,
        Func<Project, DateTimeOffset, (string Secret, string AnonKey, string ServiceRoleKey, IReadOnlyList<SigningKey> Keys)> change,
        CancellationToken cancellationToken) =>
        ModifyRowAsync(
            projectRef,
            (row, now) =>
            {
                var (secret, anon, serviceRole, keys) = change(row.ToProject(), now);
                row.JwtSecret = secret;
                row.AnonKey = anon;
                row.ServiceRoleKey = serviceRole;
                row.SigningKeys = SigningKey.ToJson(keys);
            },
            cancellationToken);

    private Task<Project?> ModifyAsync(
        string projectRef,
        string? name,
        Func<JsonObject, IReadOnlyList<SigningKey>, DateTimeOffset, (JsonObject Settings, IReadOnlyList<SigningKey> Keys)> change,
        CancellationToken cancellationToken) =>
        ModifyRowAsync(
            projectRef,
            (row, now) =>
            {
                var (settings, keys) = change(JsonNode.Parse(row.Settings)!.AsObject(), SigningKey.ParseList(row.SigningKeys), now);
                row.Name = name ?? row.Name;
                row.Settings = settings.ToJsonString();
                row.SigningKeys = SigningKey.ToJson(keys);
            },
            cancellationToken);

    private async Task<Project?> ModifyRowAsync(string projectRef, Action<ProjectRow, DateTimeOffset> change, CancellationToken cancellationToken)
    {
        if (!ProjectRefs.IsValid(projectRef))
        {
            return null;
        }

        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var row = await db.Projects.SingleOrDefaultAsync(p => p.Ref == projectRef, cancellationToken);
            if (row is null)
            {
                return null;
            }

            var now = time.GetUtcNow();
            change(row, now);
            row.UpdatedAt = now;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return row.ToProject();
            }
            catch (DbUpdateConcurrencyException)
            {
                if (attempt == UpdateAttempts)
                {
                    throw AdminException.Conflict($"project {projectRef} kept changing under this update: try again");
                }

                // Another update committed between our read and our write: start again from its row.
                LogUpdateRace(logger, projectRef, attempt);
            }
        }
    }

    public Task DeleteAsync(string projectRef, CancellationToken cancellationToken) =>
        db.Projects.Where(p => p.Ref == projectRef).ExecuteDeleteAsync(cancellationToken);

    [LoggerMessage(EventId = EventIds.ProjectChangedDuringUpdate, Level = LogLevel.Debug, Message = "Project {ProjectRef} changed during an update (attempt {Attempt}); computing it again")]
    private static partial void LogUpdateRace(ILogger logger, string projectRef, int attempt);
}
