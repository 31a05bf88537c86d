namespace MadBase.Worker.Storage.Migrations;

internal static class StorageSchemaSql
{
    public const string Version1 = """
        CREATE TABLE IF NOT EXISTS storage.buckets (
            id text NOT NULL PRIMARY KEY,
            name text NOT NULL,
            owner uuid,
            owner_id text,
            public boolean DEFAULT false,
            avif_autodetection boolean DEFAULT false,
            file_size_limit bigint,
            allowed_mime_types text[],
            created_at timestamptz DEFAULT now(),
            updated_at timestamptz DEFAULT now()
        );
        CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets USING btree (name);

        CREATE TABLE IF NOT EXISTS storage.objects (
            id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
            bucket_id text REFERENCES storage.buckets (id),
            name text,
            owner uuid,
            owner_id text,
            created_at timestamptz DEFAULT now(),
            updated_at timestamptz DEFAULT now(),
            last_accessed_at timestamptz DEFAULT now(),
            metadata jsonb,
            path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
            version text,
            user_metadata jsonb
        );
        CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects USING btree (bucket_id, name);
        CREATE INDEX IF NOT EXISTS name_prefix_search ON storage.objects USING btree (name text_pattern_ops);

        ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
        ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;

        CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
        LANGUAGE plpgsql IMMUTABLE AS $$
        DECLARE
            _parts text[];
        BEGIN
            SELECT string_to_array(name, '/') INTO _parts;
            RETURN _parts[1:array_length(_parts, 1) - 1];
        END
        $$;

        CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE AS $$
        DECLARE
            _parts text[];
        BEGIN
            SELECT string_to_array(name, '/') INTO _parts;
            RETURN _parts[array_length(_parts, 1)];
        END
        $$;

        CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE AS $$
        DECLARE
            _parts text[];
            _filename text;
        BEGIN
            SELECT string_to_array(name, '/') INTO _parts;
            SELECT _parts[array_length(_parts, 1)] INTO _filename;
            RETURN reverse(split_part(reverse(_filename), '.', 1));
        END
        $$;

        CREATE OR REPLACE FUNCTION storage.update_updated_at_column() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.updated_at = now();
            RETURN NEW;
        END
        $$;
        DROP TRIGGER IF EXISTS update_objects_updated_at ON storage.objects;
        CREATE TRIGGER update_objects_updated_at BEFORE UPDATE ON storage.objects
            FOR EACH ROW EXECUTE FUNCTION storage.update_updated_at_column();

        GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
        GRANT ALL ON storage.buckets, storage.objects TO anon, authenticated, service_role;
        GRANT EXECUTE ON FUNCTION storage.foldername(text), storage.filename(text), storage.extension(text)
            TO anon, authenticated, service_role;
        """;

    /// <summary>Byte-order names per bucket: listing walks this index entry by entry instead of grouping every row.</summary>
    public const string Version2 = """
        CREATE INDEX IF NOT EXISTS objects_bucket_id_name_c ON storage.objects (bucket_id, name COLLATE "C");
        """;

    /// <summary>
    /// TUS uploads in progress: what every worker needs to resume one (the gateway spreads PATCHes across
    /// workers, and a worker may restart mid-upload). Only the platform touches it: no grant to anon or
    /// authenticated, so a client can neither read nor forge an upload's state.
    /// </summary>
    public const string Version4 = """
        CREATE TABLE IF NOT EXISTS storage.resumable_uploads (
            id text NOT NULL PRIMARY KEY,
            bucket_id text NOT NULL,
            name text NOT NULL,
            owner_id text,
            signed boolean NOT NULL,
            upsert boolean NOT NULL,
            upload_length bigint NOT NULL,
            upload_offset bigint NOT NULL DEFAULT 0,
            part_count integer NOT NULL DEFAULT 0,
            content_type text NOT NULL,
            cache_control text NOT NULL,
            user_metadata jsonb,
            completed boolean NOT NULL DEFAULT false,
            expires_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS resumable_uploads_expires_at ON storage.resumable_uploads (expires_at);
        REVOKE ALL ON storage.resumable_uploads FROM anon, authenticated;
        GRANT ALL ON storage.resumable_uploads TO service_role;
        """;
}
