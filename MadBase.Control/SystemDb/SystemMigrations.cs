namespace MadBase.Control.SystemDb;

/// <summary>One step of the system database's schema. Applied once, in version order; never edited once shipped.</summary>
internal sealed record SystemMigration(int Version, string Name, string Sql);

internal static class SystemMigrations
{
    /// <summary>The ledger itself is created idempotently, before any versioned step can be looked up in it.</summary>
    public const string Ledger = """
        CREATE SCHEMA IF NOT EXISTS madbase;
        REVOKE ALL ON SCHEMA madbase FROM PUBLIC;
        CREATE TABLE IF NOT EXISTS madbase.schema_migrations (
            version int PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now());
        """;

    /// <summary>
    /// <c>madbase.projects</c> holds exactly what <c>ProjectDirectory</c> reads. Secrets sit here in clear
    /// because services need them to sign and to connect; access to this database is the boundary.
    /// </summary>
    public static IReadOnlyList<SystemMigration> All { get; } =
    [
        new(1, "projects", """
            CREATE TABLE madbase.projects (
                ref text PRIMARY KEY,
                name text NOT NULL,
                db_name text NOT NULL UNIQUE,
                db_url text NULL,
                jwt_secret text NOT NULL,
                anon_key text NOT NULL,
                service_role_key text NOT NULL,
                authenticator_password text NOT NULL,
                settings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now());
            """),
        new(2, "project signing keys", """
            ALTER TABLE madbase.projects
                ADD COLUMN signing_keys jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(signing_keys) = 'array');
            """),
    ];
}
