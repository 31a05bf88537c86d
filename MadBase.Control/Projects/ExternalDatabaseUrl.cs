using MadBase.Control.Admin;
using Npgsql;

namespace MadBase.Control.Projects;

/// <summary>
/// <c>database_url</c> of a new project: an existing database on another Postgres cluster, given as a
/// <c>postgresql://user:password@host:port/database</c> URL (what Supabase and psql print) or as an Npgsql
/// connection string, whose user may create roles there (the project's migrations create its login role). It is
/// how a deployment grows past one database server; it is stored, never shown back.
/// </summary>
internal static class ExternalDatabaseUrl
{
    private const string Expected = "database_url must be a postgresql://user:password@host[:port]/database URL or an Npgsql connection string naming a host and a database";

    /// <summary>The admin connection string (unpooled: used for migrations and the owner's tools only).</summary>
    public static string Parse(string value)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = value.StartsWith("postgres://", StringComparison.Ordinal) || value.StartsWith("postgresql://", StringComparison.Ordinal)
                ? FromUrl(new Uri(value))
                : new NpgsqlConnectionStringBuilder(value);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            throw AdminException.BadRequest(Expected);
        }

        if (string.IsNullOrEmpty(builder.Host) || string.IsNullOrEmpty(builder.Database))
        {
            throw AdminException.BadRequest(Expected);
        }

        builder.Pooling = false;
        return builder.ConnectionString;
    }

    /// <summary>The database name in <paramref name="connectionString"/>.</summary>
    public static string DatabaseName(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Database!;

    private static NpgsqlConnectionStringBuilder FromUrl(Uri url)
    {
        var user = url.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = url.Host,
            Database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/')),
            Username = user[0].Length == 0 ? null : Uri.UnescapeDataString(user[0]),
            Password = user.Length == 2 ? Uri.UnescapeDataString(user[1]) : null,
        };
        if (!url.IsDefaultPort && url.Port > 0)
        {
            builder.Port = url.Port;
        }

        // libpq's query parameters that Npgsql knows by another name or not at all are refused, not dropped.
        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var (key, setting) = (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts.ElementAtOrDefault(1) ?? string.Empty));
            builder[key == "sslmode" ? "SSL Mode" : key] = setting;
        }

        return builder;
    }
}
