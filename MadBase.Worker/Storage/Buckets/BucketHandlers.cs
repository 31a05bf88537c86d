using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Storage.Objects;

namespace MadBase.Worker.Storage.Buckets;

/// <summary>/storage/v1/bucket: storage-api's src/http/routes/bucket.</summary>
internal static class BucketHandlers
{
    public static async Task<IResult> List(HttpContext context, StorageServices services)
    {
        await using var transaction = await services.Session.BeginAsync(context, "storage.bucket.list");
        var json = await Buckets.ListAsync(transaction, context.Request.Query, context.RequestAborted);
        await transaction.CommitAsync(context.RequestAborted);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> Get(HttpContext context, StorageServices services, string id)
    {
        await using var transaction = await services.Session.BeginAsync(context, "storage.bucket.get");
        var json = await Buckets.GetAsync(transaction, id, context.RequestAborted) ?? throw StorageError.NoSuchBucket();
        await transaction.CommitAsync(context.RequestAborted);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> Create(HttpContext context, StorageServices services)
    {
        var fields = BucketFields.From(await StorageJson.ReadObjectAsync(context), null);
        var tenant = await services.Session.TenantAsync(context);
        await using var transaction = await services.Session.BeginAsync(context, "storage.bucket.create");
        await Buckets.CreateAsync(transaction, fields, tenant.Caller, context.RequestAborted);
        await transaction.CommitAsync(context.RequestAborted);
        return Results.Json(new Dictionary<string, string> { ["name"] = fields.Id });
    }

    public static async Task<IResult> Update(HttpContext context, StorageServices services, string id)
    {
        var fields = BucketFields.From(await StorageJson.ReadObjectAsync(context), id);
        await using var transaction = await services.Session.BeginAsync(context, "storage.bucket.update");
        if (!await Buckets.UpdateAsync(transaction, fields, context.RequestAborted))
        {
            throw StorageError.NoSuchBucket();
        }

        await transaction.CommitAsync(context.RequestAborted);
        return StorageJson.Message("Successfully updated");
    }

    public static async Task<IResult> Empty(HttpContext context, StorageServices services, string id)
    {
        var tenant = await services.Session.TenantAsync(context);
        IReadOnlyList<string> removed;
        await using (var transaction = await services.Session.BeginAsync(context, "storage.bucket.empty"))
        {
            if (await Buckets.GetAsync(transaction, id, context.RequestAborted) is null)
            {
                throw StorageError.NoSuchBucket();
            }

            removed = await ObjectRows.DeleteAllAsync(transaction, tenant.Project!.Ref, id, context.RequestAborted);
            await transaction.CommitAsync(context.RequestAborted);
        }

        await BlobCleanup.DeleteQuietlyAsync(services, removed);
        return StorageJson.Message("Successfully emptied");
    }

    public static async Task<IResult> Delete(HttpContext context, StorageServices services, string id)
    {
        // Emptiness is a fact about the bucket, not about what the caller may see: checked as service_role.
        await using (var check = await services.Session.BeginAsync(context, "storage.bucket.delete", asServiceRole: true))
        {
            if (await Buckets.HasObjectsAsync(check, id, context.RequestAborted))
            {
                throw StorageError.BucketNotEmpty();
            }
        }

        await using var transaction = await services.Session.BeginAsync(context, "storage.bucket.delete");
        if (!await Buckets.DeleteAsync(transaction, id, context.RequestAborted))
        {
            throw StorageError.NoSuchBucket();
        }

        await transaction.CommitAsync(context.RequestAborted);
        return StorageJson.Message("Successfully deleted");
    }
}
