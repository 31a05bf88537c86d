namespace MadBase.Worker.Storage.Objects;

/// <summary>
/// Would the caller's policies let them write this object row? Writes it and rolls back, as storage-api's
/// <c>canUpload</c> does, before any byte is accepted (signed upload URLs, resumable uploads).
/// </summary>
internal static class UploadPermission
{
    /// <summary>Throws what the write would raise: AccessDenied, Duplicate (without upsert), NoSuchBucket.</summary>
    public static async Task CheckAsync(StorageServices services, string bucketId, string name, bool upsert, string operation)
    {
        await using var transaction = await services.BeginAsync(operation);

        // A missing bucket fails the probe's foreign key: NoSuchBucket, whatever the caller may see.
        var probe = new NewObject(Guid.NewGuid(), bucketId, name, services.Tenant.Caller.Subject, "probe", "{}", null);
        if (upsert)
        {
            await ObjectRows.UpsertAsync(transaction, probe, services.Aborted);
        }
        else
        {
            await ObjectRows.InsertAsync(transaction, probe, services.Aborted);
        }
    }
}
