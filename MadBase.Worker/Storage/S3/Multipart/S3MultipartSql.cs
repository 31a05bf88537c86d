namespace MadBase.Worker.Storage.S3;

/// <summary>
/// Storage migration 3: S3 multipart uploads in progress and their parts (as storage-api's s3_multipart_uploads
/// tables). Bookkeeping only: RLS on and no policies, so only service_role reads them; the caller's policies
/// are checked on the object row, at create (a rolled-back trial write) and at complete (the real one).
/// </summary>
internal static class S3MultipartSql
{
    public const string Version3 = """
        CREATE TABLE IF NOT EXISTS storage.s3_multipart_uploads (
            id text PRIMARY KEY,
            bucket_id text NOT NULL REFERENCES storage.buckets (id) ON DELETE CASCADE,
            key text NOT NULL,
            owner_id text,
            content_type text NOT NULL,
            cache_control text NOT NULL,
            user_metadata jsonb,
            created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS storage.s3_multipart_uploads_parts (
            upload_id text NOT NULL REFERENCES storage.s3_multipart_uploads (id) ON DELETE CASCADE,
            part_number int NOT NULL,
            etag text NOT NULL,
            size bigint NOT NULL,
            blob_key text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (upload_id, part_number));
        CREATE INDEX IF NOT EXISTS s3_multipart_uploads_parts_blob_key ON storage.s3_multipart_uploads_parts (blob_key);
        ALTER TABLE storage.s3_multipart_uploads ENABLE ROW LEVEL SECURITY;
        ALTER TABLE storage.s3_multipart_uploads_parts ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts TO service_role;
        """;
}
