using MadBase.ServiceDefaults.Security;
using Npgsql;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>How a <c>madbase.projects</c> row becomes a <see cref="Project"/>, shared by every reader of the table.</summary>
public static class ProjectRows
{
    /// <summary>The columns <see cref="ReadOneAsync"/> expects, in order.</summary>
    public const string Columns =
        "ref, name, db_name, db_url, jwt_secret, anon_key, service_role_key, authenticator_password, settings::text, created_at, signing_keys::text, api_keys::text";

    public static async Task<Project?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new Project(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetString(4),
            reader.GetString(5),
            reader.GetString(6),
            reader.GetString(7),
            ProjectSettings.Parse(reader.GetString(8)),
            reader.GetFieldValue<DateTimeOffset>(9))
        {
            SigningKeys = SigningKey.ParseList(reader.GetString(10)),
            ApiKeys = ProjectApiKey.ParseList(reader.GetString(11)),
        };
    }
}
