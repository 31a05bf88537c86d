using System.Text.Json.Nodes;
using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using Npgsql;

namespace MadBase.Control.Projects;

/// <summary>
/// The rows of <c>madbase.projects</c>. Reads go straight to the database, not through
/// <see cref="ProjectDirectory"/>'s cache: an admin must see a change made by another Control instance.
/// </summary>
internal sealed class ProjectStore(SystemDatabase database, TimeProvider time)
{
    private const string Columns = ProjectRows.Columns;

    public async Task<List<ProjectSummary>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT ref, name, db_name, created_at FROM madbase.projects ORDER BY created_at, ref");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var projects = new List<ProjectSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            projects.Add(new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return projects;
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM madbase.projects)");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<Project?> FindAsync(string projectRef, CancellationToken cancellationToken)
    {
        if (!ProjectRefs.IsValid(projectRef))
        {
            return null;
        }

        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM madbase.projects WHERE ref = $1");
        command.Parameters.AddWithValue(projectRef);
        return await ProjectRows.ReadOneAsync(command, cancellationToken);
    }

    /// <summary>
    /// Inserts inside the caller's transaction, so the row appears only once the project's database is
    /// ready; a concurrent insert of the same ref waits on this one and then fails as a conflict.
    /// </summary>
    public static async Task<Project> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Project project, JsonObject settings, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO madbase.projects
                (ref, name, db_name, db_url, jwt_secret, anon_key, service_role_key, authenticator_password, settings, signing_keys)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)
            RETURNING created_at
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue(project.Ref);
        command.Parameters.AddWithValue(project.Name);
        command.Parameters.AddWithValue(project.DatabaseName);
        command.Parameters.AddWithValue((object?)project.DatabaseUrl ?? DBNull.Value);
        command.Parameters.AddWithValue(project.JwtSecret);
        command.Parameters.AddWithValue(project.AnonKey);
        command.Parameters.AddWithValue(project.ServiceRoleKey);
        command.Parameters.AddWithValue(project.AuthenticatorPassword);
        command.Parameters.AddWithValue(settings.ToJsonString());
        command.Parameters.AddWithValue(SigningKey.ToJson(project.SigningKeys));
        try
        {
            var createdAt = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
            return project with { CreatedAt = new DateTimeOffset(createdAt, TimeSpan.Zero) };
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw AdminException.Conflict($"project {project.Ref} already exists");
        }
    }

    /// <summary>
    /// Renames and/or merges settings under a row lock, so concurrent patches do not lose each other's keys;
    /// the signing keys follow the new settings in the same transaction.
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

    private async Task<Project?> ModifyAsync(
        string projectRef,
        string? name,
        Func<JsonObject, IReadOnlyList<SigningKey>, DateTimeOffset, (JsonObject Settings, IReadOnlyList<SigningKey> Keys)> change,
        CancellationToken cancellationToken)
    {
        if (!ProjectRefs.IsValid(projectRef))
        {
            return null;
        }

        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            "SELECT settings::text, signing_keys::text FROM madbase.projects WHERE ref = $1 FOR UPDATE", connection, transaction);
        select.Parameters.AddWithValue(projectRef);
        JsonObject stored;
        IReadOnlyList<SigningKey> storedKeys;
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            stored = JsonNode.Parse(reader.GetString(0))!.AsObject();
            storedKeys = SigningKey.ParseList(reader.GetString(1));
        }

        var (settings, keys) = change(stored, storedKeys, time.GetUtcNow());

        await using var update = new NpgsqlCommand(
            $"""
            UPDATE madbase.projects SET name = coalesce($2, name), settings = $3::jsonb, signing_keys = $4::jsonb, updated_at = now()
            WHERE ref = $1
            RETURNING {Columns}
            """,
            connection,
            transaction);
        update.Parameters.AddWithValue(projectRef);
        update.Parameters.AddWithValue((object?)name ?? DBNull.Value);
        update.Parameters.AddWithValue(settings.ToJsonString());
        update.Parameters.AddWithValue(SigningKey.ToJson(keys));
        var project = await ProjectRows.ReadOneAsync(update, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return project;
    }

    public async Task DeleteAsync(string projectRef, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("DELETE FROM madbase.projects WHERE ref = $1");
        command.Parameters.AddWithValue(projectRef);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
