using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Projects;
using Npgsql;

namespace MadBase.Control.Projects;

/// <summary>
/// The local stack's mail catcher: mails the Auth module captured (no SMTP host configured) in a project's
/// <c>auth_mail.outbox</c>, and SMS (no Send SMS hook; kind sms, phone_change or mfa, the number as recipient),
/// newest first, optionally for one recipient:
/// <c>GET /admin/v1/projects/{ref}/mail?to=&lt;email&gt;</c>. Admin password required, like every admin route.
/// </summary>
internal static class CapturedMailApi
{
    private const string Query = """
        SELECT id, recipient, subject, body, kind, link, otp, created_at
        FROM auth_mail.outbox
        WHERE $1 = '' OR lower(recipient) = lower($1)
        ORDER BY id DESC
        LIMIT 100
        """;

    public static IEndpointRouteBuilder MapCapturedMailApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/v1/projects")
            .AddEndpointFilter<AdminErrorFilter>()
            .AddEndpointFilter<AdminAuthentication>()
            .MapGet("/{projectRef}/mail", ListMail);
        return app;
    }

    public static async Task<IResult> ListMail(
        string projectRef, string? to, ProjectStore store, SystemDatabase system, CancellationToken cancellationToken)
    {
        if (!PostgresText.IsStorable(to))
        {
            throw AdminException.BadRequest("to: " + PostgresText.Refusal);
        }

        var project = await store.FindAsync(projectRef, cancellationToken) ?? throw AdminException.NotFound("project not found");
        var mails = new List<Dictionary<string, object?>>();
        try
        {
            await using var connection = new NpgsqlConnection(TenantConnections.Admin(project, system.ConnectionString));
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(Query, connection);
            command.Parameters.AddWithValue(to ?? string.Empty);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                mails.Add(new Dictionary<string, object?>
                {
                    ["id"] = reader.GetInt64(0),
                    ["to"] = reader.GetString(1),
                    ["subject"] = reader.GetString(2),
                    ["html"] = reader.GetString(3),
                    ["kind"] = reader.GetString(4),
                    ["link"] = reader.IsDBNull(5) ? null : reader.GetString(5),
                    ["otp"] = reader.IsDBNull(6) ? null : reader.GetString(6),
                    ["created_at"] = reader.GetFieldValue<DateTimeOffset>(7),
                });
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // The project has not served an auth request yet, so its outbox does not exist: nothing was sent.
        }

        return TypedResults.Ok(mails);
    }
}
