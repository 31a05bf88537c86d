using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Rest;

/// <summary>
/// The Rest module's part of every project database: Supabase's pgrst_ddl_watch/pgrst_drop_watch event
/// triggers, which announce DDL on channel <c>pgrst</c> so the schema cache reloads. Creating event
/// triggers needs a superuser; an owner without it skips them (NOTIFY pgrst still works by hand).
/// Version 2 makes them also log each DDL transaction: a worker that cannot find a table or function asks
/// whether DDL committed since its cache was read, and if so reloads before answering (see
/// <see cref="SchemaCache.SchemaCacheStore"/>), so a table created a moment ago is never a 404. Version 3 logs and
/// announces only DDL that changed something.
/// </summary>
internal sealed class RestMigrations : ITenantMigrationSource
{
    private const string DdlWatch = """
        CREATE OR REPLACE FUNCTION extensions.pgrst_ddl_watch() RETURNS event_trigger LANGUAGE plpgsql AS $$
        BEGIN
            NOTIFY pgrst, 'reload schema';
        END
        $$;

        CREATE OR REPLACE FUNCTION extensions.pgrst_drop_watch() RETURNS event_trigger LANGUAGE plpgsql AS $$
        BEGIN
            NOTIFY pgrst, 'reload schema';
        END
        $$;

        DO $watch$
        BEGIN
            IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                DROP EVENT TRIGGER IF EXISTS pgrst_ddl_watch;
                CREATE EVENT TRIGGER pgrst_ddl_watch ON ddl_command_end EXECUTE FUNCTION extensions.pgrst_ddl_watch();
                DROP EVENT TRIGGER IF EXISTS pgrst_drop_watch;
                CREATE EVENT TRIGGER pgrst_drop_watch ON sql_drop EXECUTE FUNCTION extensions.pgrst_drop_watch();
            END IF;
        END
        $watch$;
        """;

    // A row per DDL transaction, stamped with its transaction id: a schema cache read under snapshot S
    // is behind exactly when a row exists whose transaction S does not see (committed since S was
    // taken). Each trigger call removes older rows it can lock at once (SKIP LOCKED, so concurrent
    // migrations never wait on each other), which keeps the table to a few rows and never hides a change:
    // the deleting transaction leaves its own, newer row. The watch functions are SECURITY DEFINER because
    // DDL by any role fires them and must not fail on _madbase's privileges. Temporary objects (which API
    // functions may create on every call) are not logged: they never reach a schema cache.
    private const string DdlLog = """
        CREATE TABLE IF NOT EXISTS _madbase.schema_changes (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            xid xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id());

        CREATE OR REPLACE FUNCTION _madbase.log_schema_change() RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
        DECLARE
            newest bigint;
        BEGIN
            INSERT INTO _madbase.schema_changes DEFAULT VALUES RETURNING id INTO newest;
            DELETE FROM _madbase.schema_changes WHERE id IN (
                SELECT id FROM _madbase.schema_changes WHERE id < newest FOR UPDATE SKIP LOCKED);
        END
        $$;
        REVOKE ALL ON FUNCTION _madbase.log_schema_change() FROM PUBLIC;

        CREATE OR REPLACE FUNCTION extensions.pgrst_ddl_watch() RETURNS event_trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM pg_catalog.pg_event_trigger_ddl_commands()
                WHERE schema_name IS NULL OR schema_name NOT LIKE 'pg\_temp%') THEN
                PERFORM _madbase.log_schema_change();
            END IF;
            NOTIFY pgrst, 'reload schema';
        END
        $$;

        CREATE OR REPLACE FUNCTION extensions.pgrst_drop_watch() RETURNS event_trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects() WHERE NOT is_temporary) THEN
                PERFORM _madbase.log_schema_change();
            END IF;
            NOTIFY pgrst, 'reload schema';
        END
        $$;

        CREATE OR REPLACE FUNCTION _madbase.schema_changed_since(snapshot pg_snapshot) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
            SELECT EXISTS (SELECT 1 FROM _madbase.schema_changes WHERE NOT pg_catalog.pg_visible_in_snapshot(xid, snapshot))
        $$;
        REVOKE ALL ON FUNCTION _madbase.schema_changed_since(pg_snapshot) FROM PUBLIC;
        DO $grant$
        BEGIN
            EXECUTE format('GRANT USAGE ON SCHEMA _madbase TO %I', current_setting('madbase.authenticator'));
            EXECUTE format('GRANT EXECUTE ON FUNCTION _madbase.schema_changed_since(pg_snapshot) TO %I', current_setting('madbase.authenticator'));
        END
        $grant$;
        """;

    // A CREATE ... IF NOT EXISTS that found its object still fires ddl_command_end, with no command to report: nothing
    // changed, so nothing is logged or announced (version 2 announced it, and every bootstrap's IF NOT EXISTS made
    // each worker listening to the project reload its schema cache). Temporary objects never reach a cache either;
    // Supabase's pgrst_ddl_watch skips pg_temp too.
    private const string DdlWatchOnChange = """
        CREATE OR REPLACE FUNCTION extensions.pgrst_ddl_watch() RETURNS event_trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM pg_catalog.pg_event_trigger_ddl_commands()
                WHERE schema_name IS NULL OR schema_name NOT LIKE 'pg\_temp%') THEN
                PERFORM _madbase.log_schema_change();
                NOTIFY pgrst, 'reload schema';
            END IF;
        END
        $$;
        """;

    public string Module => "rest";

    public IReadOnlyList<TenantMigration> Migrations { get; } = [new(1, "ddl watch", DdlWatch), new(2, "ddl log", DdlLog), new(3, "ddl watch on change only", DdlWatchOnChange)];
}
