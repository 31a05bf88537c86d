using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Realtime;

/// <summary>
/// The Realtime module's part of every project database, shaped as Supabase's tenant migrations leave it:
/// schema <c>realtime</c> with <c>messages</c> (RLS on; policies there are Realtime Authorization),
/// <c>topic()</c>, <c>send()</c> and <c>broadcast_changes()</c>, and the empty publication
/// <c>supabase_realtime</c> that Postgres changes reads. Differences: <c>messages</c> is a plain table
/// rather than daily partitions, pruned of rows older than three days instead, and a trigger announces each
/// broadcast row with NOTIFY, which is how workers learn of messages sent from SQL
/// (<see cref="Broadcast.DatabaseBroadcasts"/>).
/// </summary>
internal sealed class RealtimeMigrations : ITenantMigrationSource
{
    private const string Schema = """
        CREATE SCHEMA IF NOT EXISTS realtime;
        GRANT USAGE ON SCHEMA realtime TO anon, authenticated, service_role;

        CREATE TABLE IF NOT EXISTS realtime.messages (
            topic text NOT NULL,
            extension text NOT NULL,
            payload jsonb,
            event text,
            private boolean DEFAULT false,
            updated_at timestamp without time zone NOT NULL DEFAULT now(),
            inserted_at timestamp without time zone NOT NULL DEFAULT now(),
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            PRIMARY KEY (id, inserted_at));
        CREATE INDEX IF NOT EXISTS messages_inserted_at_topic_index
            ON realtime.messages (inserted_at DESC, topic) WHERE extension = 'broadcast' AND private IS TRUE;
        ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
        GRANT SELECT, INSERT, UPDATE ON realtime.messages TO anon, authenticated, service_role;

        CREATE OR REPLACE FUNCTION realtime.topic() RETURNS text LANGUAGE sql STABLE AS $$
            SELECT nullif(current_setting('realtime.topic', true), '')::text;
        $$;

        CREATE OR REPLACE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true)
        RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            generated_id uuid;
            final_payload jsonb;
        BEGIN
            BEGIN
                generated_id := gen_random_uuid();
                IF payload ? 'id' THEN
                    final_payload := payload;
                ELSE
                    final_payload := jsonb_set(payload, '{id}', to_jsonb(generated_id));
                END IF;
                PERFORM set_config('realtime.topic', topic, true);
                INSERT INTO realtime.messages (id, payload, event, topic, private, extension)
                VALUES (generated_id, final_payload, event, topic, private, 'broadcast');
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'ErrorSendingBroadcastMessage: %', SQLERRM;
            END;
        END
        $$;

        CREATE OR REPLACE FUNCTION realtime.broadcast_changes(
            topic_name text, event_name text, operation text, table_name text, table_schema text,
            new record, old record, level text DEFAULT 'ROW')
        RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            row_data jsonb := '{}'::jsonb;
        BEGIN
            IF level = 'STATEMENT' THEN
                RAISE EXCEPTION 'function can only be triggered for each row, not for each statement';
            END IF;
            IF operation = 'INSERT' OR operation = 'UPDATE' OR operation = 'DELETE' THEN
                row_data := jsonb_build_object('old_record', old, 'record', new, 'operation', operation,
                                               'table', table_name, 'schema', table_schema);
                PERFORM realtime.send(row_data, event_name, topic_name);
            ELSE
                RAISE EXCEPTION 'Unexpected operation type: %', operation;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'Failed to process the row: %', SQLERRM;
        END
        $$;

        -- A broadcast row is announced to listening workers; a row too large for a notification (8000
        -- bytes) is announced by id and read back. Authorization probes (no event) are not announced, and
        -- a rolled-back insert never is.
        CREATE OR REPLACE FUNCTION _madbase.realtime_announce() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
        DECLARE
            message text;
        BEGIN
            message := pg_catalog.json_build_object(
                'id', NEW.id, 'topic', NEW.topic, 'event', NEW.event,
                'private', coalesce(NEW.private, false), 'payload', NEW.payload)::text;
            IF pg_catalog.octet_length(message) > 7900 THEN
                message := pg_catalog.json_build_object('id', NEW.id, 'large', true)::text;
            END IF;
            PERFORM pg_catalog.pg_notify('madbase_realtime', message);
            RETURN NULL;
        END
        $$;
        REVOKE ALL ON FUNCTION _madbase.realtime_announce() FROM PUBLIC;

        DROP TRIGGER IF EXISTS madbase_announce ON realtime.messages;
        CREATE TRIGGER madbase_announce AFTER INSERT ON realtime.messages
            FOR EACH ROW WHEN (NEW.extension = 'broadcast' AND NEW.event IS NOT NULL)
            EXECUTE FUNCTION _madbase.realtime_announce();

        DO $publication$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
                CREATE PUBLICATION supabase_realtime;
            END IF;
        END
        $publication$;
        """;

    // As Supabase, which keeps realtime.messages in daily partitions and drops those older than a few days:
    // rows older than three days go, a batch at a time, run by the workers that listen on the project
    // (DatabaseBroadcasts) as the authenticator, which may call this and nothing else of the table.
    private const string Pruning = """
        CREATE INDEX IF NOT EXISTS messages_inserted_at_index ON realtime.messages (inserted_at);
        CREATE OR REPLACE FUNCTION _madbase.realtime_prune_messages() RETURNS bigint
        LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
            WITH gone AS (
                DELETE FROM realtime.messages WHERE ctid IN (
                    SELECT ctid FROM realtime.messages
                    WHERE inserted_at < (pg_catalog.now() AT TIME ZONE 'UTC') - interval '3 days' LIMIT 10000)
                RETURNING 1)
            SELECT pg_catalog.count(*) FROM gone
        $$;
        REVOKE ALL ON FUNCTION _madbase.realtime_prune_messages() FROM PUBLIC;
        DO $grant$
        BEGIN
            EXECUTE format('GRANT USAGE ON SCHEMA _madbase TO %I', current_setting('madbase.authenticator'));
            EXECUTE format('GRANT EXECUTE ON FUNCTION _madbase.realtime_prune_messages() TO %I', current_setting('madbase.authenticator'));
        END
        $grant$;
        """;

    public string Module => "realtime";

    public IReadOnlyList<TenantMigration> Migrations { get; } = [new(1, "realtime schema", Schema), new(2, "realtime messages pruned", Pruning)];
}
