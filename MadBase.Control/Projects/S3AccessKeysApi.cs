using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Storage;
using Npgsql;

namespace MadBase.Control.Projects;

/// <summary>
/// A project's S3 access keys for <c>/storage/v1/s3</c>, under <c>/admin/v1/projects/{ref}/storage/s3-access-keys</c>:
/// POST creates one and is the only answer that shows its secret, GET lists them (no secrets), DELETE revokes one
/// at once (workers look keys up per request). The keys act as service_role, as Supabase's do.
/// </summary>
internal static class S3AccessKeysApi
{
    private const int MaxDescriptionLength = 200;

    public static IEndpointRouteBuilder MapS3AccessKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/admin/v1/projects/{projectRef}/storage/s3-access-keys")
            .AddEndpointFilter<AdminErrorFilter>()
            .AddEndpointFilter<AdminAuthentication>();
        keys.MapPost("/", Create);
        keys.MapGet("/", List);
        keys.MapDelete("/{accessKeyId}", Revoke);
        return app;
    }

    public static async Task<IResult> Create(string projectRef, HttpRequest request, ProjectStore store, SystemDatabase system, CancellationToken cancellationToken)
    {
        var description = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0
            ? (await RequestBody.ReadAsync<CreateS3AccessKey>(request, CreateS3AccessKey.Expected, cancellationToken)).Description ?? string.Empty
            : string.Empty;
        if (description.Length > MaxDescriptionLength)
        {
            throw AdminException.BadRequest($"description: at most {MaxDescriptionLength} characters");
        }

        var key = new S3AccessKey(S3AccessKeyIds.New(projectRef), S3AccessKeyIds.NewSecret(), description, DateTimeOffset.UtcNow);
        await using var connection = await OpenAsync(projectRef, store, system, cancellationToken);
        await using var command = new NpgsqlCommand(
            "INSERT INTO storage.s3_access_keys (access_key_id, secret_access_key, description) VALUES ($1, $2, $3) RETURNING created_at", connection);
        command.Parameters.AddWithValue(key.AccessKeyId);
        command.Parameters.AddWithValue(key.SecretAccessKey);
        command.Parameters.AddWithValue(key.Description);
        var created = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        return TypedResults.Created(
            $"/admin/v1/projects/{projectRef}/storage/s3-access-keys/{key.AccessKeyId}",
            key with { CreatedAt = new DateTimeOffset(created, TimeSpan.Zero) });
    }

    public static async Task<IResult> List(string projectRef, ProjectStore store, SystemDatabase system, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(projectRef, store, system, cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT access_key_id, description, created_at FROM storage.s3_access_keys ORDER BY created_at, access_key_id", connection);
        var keys = new List<S3AccessKeySummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new S3AccessKeySummary(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return TypedResults.Ok(keys);
    }

    public static async Task<IResult> Revoke(string projectRef, string accessKeyId, ProjectStore store, SystemDatabase system, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(projectRef, store, system, cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM storage.s3_access_keys WHERE access_key_id = $1", connection);
        command.Parameters.AddWithValue(accessKeyId);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0
            ? TypedResults.NoContent()
            : throw AdminException.NotFound("access key not found");
    }

    /// <summary>The project's database with its key table in place (a project no worker has served yet has none).</summary>
    private static async Task<NpgsqlConnection> OpenAsync(string projectRef, ProjectStore store, SystemDatabase system, CancellationToken cancellationToken)
    {
        var project = await store.FindAsync(projectRef, cancellationToken) ?? throw AdminException.NotFound("project not found");
        var connectionString = TenantConnections.Admin(project, system.ConnectionString);
        await TenantMigrator.ApplyAsync(connectionString, project, [new S3AccessKeyMigrations()], cancellationToken);
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}

internal sealed record CreateS3AccessKey(string? Description)
{
    public const string Expected = """{"description": "<optional text>"}""";
}

/// <summary>The created key, with the only copy of its secret the API will ever return.</summary>
internal sealed record S3AccessKey(string AccessKeyId, string SecretAccessKey, string Description, DateTimeOffset CreatedAt);

internal sealed record S3AccessKeySummary(string AccessKeyId, string Description, DateTimeOffset CreatedAt);
