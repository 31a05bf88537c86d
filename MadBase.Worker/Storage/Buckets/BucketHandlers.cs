using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Storage.Objects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage.Buckets;

/// <summary>/storage/v1/bucket: storage-api's src/http/routes/bucket.</summary>
internal static class BucketHandlers
{
    public static async Task<IResult> List([AsParameters] StorageServices services)
    {
        await using var transaction = await services.BeginAsync("storage.bucket.list");
        var json = await Buckets.ListAsync(transaction, services.Context.Request.Query, services.Aborted);
        await transaction.CommitAsync(services.Aborted);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> Get([AsParameters] StorageServices services, string id)
    {
        await using var transaction = await services.BeginAsync("storage.bucket.get");
        var json = await Buckets.GetAsync(transaction, id, services.Aborted) ?? throw StorageError.NoSuchBucket();
        await transaction.CommitAsync(services.Aborted);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> Create([AsParameters] StorageServices services)
    {
        var fields = BucketFields.From(await StorageJson.ReadObjectAsync(services.Context), null);
        await using var transaction = await services.BeginAsync("storage.bucket.create");
        await Buckets.CreateAsync(transaction, fields, services.Tenant.Caller, services.Aborted);
        await transaction.CommitAsync(services.Aborted);
        return Results.Json(new Dictionary<string, string> { ["name"] = fields.Id });
    }

    public static async Task<IResult> Update([AsParameters] StorageServices services, string id)
    {
        var fields = BucketFields.From(await StorageJson.ReadObjectAsync(services.Context), id);
        await using var transaction = await services.BeginAsync("storage.bucket.update");
        if (!await Buckets.UpdateAsync(transaction, fields, services.Aborted))
        {
            throw StorageError.NoSuchBucket();
        }

        await transaction.CommitAsync(services.Aborted);
        return StorageJson.Message("Successfully updated");
    }

    public static async Task<IResult> Empty([AsParameters] StorageServices services, string id)
    {
        IReadOnlyList<string> removed;
        await using (var transaction = await services.BeginAsync("storage.bucket.empty"))
        {
            if (await Buckets.GetAsync(transaction, id, services.Aborted) is null)
            {
                throw StorageError.NoSuchBucket();
            }

            removed = await ObjectRows.DeleteAllAsync(transaction, services.Project.Ref, id, services.Aborted);
            await transaction.CommitAsync(services.Aborted);
        }

        await BlobCleanup.DeleteQuietlyAsync(services, removed);
        return StorageJson.Message("Successfully emptied");
    }

    public static async Task<IResult> Delete([AsParameters] StorageServices services, string id)
    {
        // Emptiness is a fact about the bucket, not about what the caller may see: checked as service_role.
        await using (var check = await services.BeginAsync("storage.bucket.delete", asServiceRole: true))
        {
            if (await Buckets.HasObjectsAsync(check, id, services.Aborted))
            {
                throw StorageError.BucketNotEmpty();
            }
        }

        await using var transaction = await services.BeginAsync("storage.bucket.delete");
        if (!await Buckets.DeleteAsync(transaction, id, services.Aborted))
        {
            throw StorageError.NoSuchBucket();
        }

        await transaction.CommitAsync(services.Aborted);
        return StorageJson.Message("Successfully deleted");
    }
}
