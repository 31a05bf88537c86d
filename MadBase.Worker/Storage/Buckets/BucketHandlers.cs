using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Storage.Objects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage.Buckets;

/// <summary>/storage/v1/bucket: storage-api's src/http/routes/bucket.</summary>
internal static class BucketHandlers
{
    public static async Task<IResult> List(HttpContext context, Tenant tenant, StorageServices services)
    {
        await using var transaction = await services.BeginAsync(tenant, "storage.bucket.list");
        var json = await Buckets.ListAsync(transaction, context.Request.Query, context.RequestAborted);
        await transaction.CommitAsync(context.RequestAborted);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> Get(HttpContext context, Tenant tenant, StorageServices services, string id)
    {
        await using var transaction = await services.BeginAsync(tenant, "storage.bucket.get");
        var json = await Buckets.GetAsync(transaction, id, context.RequestAborted) ?? throw StorageError.NoSuchBucket();
        await transaction.CommitAsync(context.RequestAborted);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> Create(HttpContext context, Tenant tenant, StorageServices services)
    {
        var fields = BucketFields.From(await StorageJson.ReadObjectAsync(context), null);
        await using var transaction = await services.BeginAsync(tenant, "storage.bucket.create");
        await Buckets.CreateAsync(transaction, fields, tenant.Caller, context.RequestAborted);
        await transaction.CommitAsync(context.RequestAborted);
        return Results.Json(new Dictionary<string, string> { ["name"] = fields.Id });
    }

    public static async Task<IResult> Update(HttpContext context, Tenant tenant, StorageServices services, string id)
    {
        var fields = BucketFields.From(await StorageJson.ReadObjectAsync(context), id);
        await using var transaction = await services.BeginAsync(tenant, "storage.bucket.update");
        if (!await Buckets.UpdateAsync(transaction, fields, context.RequestAborted))
        {
            throw StorageError.NoSuchBucket();
        }

        await transaction.CommitAsync(context.RequestAborted);
        return StorageJson.Message("Successfully updated");
    }

    public static async Task<IResult> Empty(HttpContext context, Tenant tenant, StorageServices services, string id)
    {
        IReadOnlyList<string> removed;
        await using (var transaction = await services.BeginAsync(tenant, "storage.bucket.empty"))
        {
            if (await Buckets.GetAsync(transaction, id, context.RequestAborted) is null)
            {
                throw StorageError.NoSuchBucket();
            }

            removed = await ObjectRows.DeleteAllAsync(transaction, tenant.Project.Ref, id, context.RequestAborted);
            await transaction.CommitAsync(context.RequestAborted);
        }

        await BlobCleanup.DeleteQuietlyAsync(services, removed);
        return StorageJson.Message("Successfully emptied");
    }

    public static async Task<IResult> Delete(HttpContext context, Tenant tenant, StorageServices services, string id)
    {
        // Emptiness is a fact about the bucket, not about what the caller may see: checked as service_role.
        await using (var check = await services.BeginAsync(tenant, "storage.bucket.delete", asServiceRole: true))
        {
            if (await Buckets.HasObjectsAsync(check, id, context.RequestAborted))
            {
                throw StorageError.BucketNotEmpty();
            }
        }

        await using var transaction = await services.BeginAsync(tenant, "storage.bucket.delete");
        if (!await Buckets.DeleteAsync(transaction, id, context.RequestAborted))
        {
            throw StorageError.NoSuchBucket();
        }

        await transaction.CommitAsync(context.RequestAborted);
        return StorageJson.Message("Successfully deleted");
    }
}
