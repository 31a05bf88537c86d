using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Storage.Migrations;

/// <summary>
/// The storage schema of a Supabase project (supabase/storage migrations/tenant 0002…0025, flattened):
/// buckets, objects with RLS enabled, the path helpers policies use, and the grants Supabase gives.
/// </summary>
internal sealed class StorageMigrations : ITenantMigrationSource
{
    public string Module => "storage";

    public IReadOnlyList<TenantMigration> Migrations { get; } =
    [
        new(1, "storage-schema", StorageSchemaSql.Version1),
        new(2, "objects-name-c-index", StorageSchemaSql.Version2),
        new(3, "s3-multipart-uploads", S3.S3MultipartSql.Version3),
        new(4, "resumable-uploads", StorageSchemaSql.Version4),
    ];
}
