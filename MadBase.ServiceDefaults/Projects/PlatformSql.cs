namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// The layout every Supabase project has: API roles, schemas, the RLS helpers and default grants.
/// Roles are cluster-wide in Postgres, so projects sharing a cluster share anon/authenticated/service_role
/// (privileges stay per database); each project gets its own login role with CONNECT on its database only.
/// </summary>
internal static class PlatformSql
{
    /// <summary>Run on every bootstrap. Reads the login role and its password from transaction settings
    /// (set as parameters), because utility statements take no bind parameters.</summary>
    public const string Roles = """
        DO $roles$
        DECLARE
            api_role text;
            login text := current_setting('madbase.authenticator');
            secret text := current_setting('madbase.authenticator_password');
        BEGIN
            FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api_role) THEN
                    BEGIN
                        EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', api_role);
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN
                        NULL; -- another project's bootstrap created it at the same moment
                    END;
                END IF;
            END LOOP;
            IF NOT (SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role') THEN
                ALTER ROLE service_role BYPASSRLS;
            END IF;

            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
                BEGIN
                    EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT', login);
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                    NULL;
                END;
            END IF;
            EXECUTE format('ALTER ROLE %I WITH LOGIN NOINHERIT NOCREATEDB NOCREATEROLE PASSWORD %L', login, secret);
            EXECUTE format('GRANT anon, authenticated, service_role TO %I', login);
            EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
            EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), login);
            -- As in Supabase, functions called through the API may use temporary tables.
            EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO anon, authenticated, service_role', current_database());
        END
        $roles$;
        """;

    /// <summary>Version 1 of the platform module: schemas, extensions, auth.uid()/role()/jwt(), grants.</summary>
    public const string Layout = """
        CREATE SCHEMA IF NOT EXISTS extensions;
        CREATE SCHEMA IF NOT EXISTS auth;
        CREATE SCHEMA IF NOT EXISTS storage;
        CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
        CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;

        DO $search$ BEGIN
            EXECUTE format('ALTER DATABASE %I SET search_path TO "$user", public, extensions', current_database());
        END $search$;

        -- As in supabase/auth migrations 20220224000811 and 20220531120530: the claims set per request,
        -- with the legacy per-claim settings first.
        CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
            )::uuid
        $$;
        CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.role', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
            )::text
        $$;
        CREATE OR REPLACE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.email', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
            )::text
        $$;
        CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
            )::jsonb
        $$;

        GRANT USAGE ON SCHEMA public, extensions, auth, storage TO anon, authenticated, service_role;
        GRANT ALL ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
        GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO anon, authenticated, service_role;
        GRANT ALL ON ALL FUNCTIONS IN SCHEMA public TO anon, authenticated, service_role;
        -- Supabase's defaults: tables the owner creates in public are reachable by the API roles, and
        -- row-level security decides what each one sees.
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
        """;
}

/// <summary>The platform module's migrations, applied before any other module's.</summary>
public sealed class PlatformMigrations : ITenantMigrationSource
{
    public string Module => "platform";

    public IReadOnlyList<TenantMigration> Migrations { get; } = [new(1, "layout", PlatformSql.Layout)];
}
