using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Rest;

/// <summary>
/// The Rest module's part of every project database: Supabase's pgrst_ddl_watch/pgrst_drop_watch event
/// triggers, which announce DDL on channel <c>pgrst</c> so the schema cache reloads. Creating event
/// triggers needs a superuser; an owner without it skips them (NOTIFY pgrst still works by hand).
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

    public string Module => "rest";

    public IReadOnlyList<TenantMigration> Migrations { get; } = [new(1, "ddl watch", DdlWatch)];
}
