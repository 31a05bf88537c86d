using System.Text.Json;
using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage.Objects;

/// <summary>/storage/v1/object: storage-api's src/http/routes/object (uploads, info, delete, move, copy).</summary>
internal static class ObjectHandlers
{
    public static async Task<IResult> Create(HttpContext context, Tenant tenant, StorageServices services, string bucket, string path)
    {
        var upsert = string.Equals(context.Request.Headers["x-upsert"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var target = new UploadTarget(bucket, ObjectNames.Validate(path), upsert, tenant.Caller.Subject, false, "storage.object.upload");
        return await ObjectUpload.RunAsync(context, tenant, services, target);
    }

    public static async Task<IResult> Update(HttpContext context, Tenant tenant, StorageServices services, string bucket, string path)
    {
        var target = new UploadTarget(bucket, ObjectNames.Validate(path), true, tenant.Caller.Subject, false, "storage.object.update");
        return await ObjectUpload.RunAsync(context, tenant, services, target);
    }

    public static async Task<IResult> Info(HttpContext context, Tenant tenant, StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        await using var transaction = await services.BeginAsync(tenant, "storage.object.info");
        var json = await ObjectRows.InfoAsync(transaction, bucket, path, context.RequestAborted) ?? throw StorageError.NoSuchKey();
        await transaction.CommitAsync(context.RequestAborted);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> DeleteOne(HttpContext context, Tenant tenant, StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        var (_, keys) = await DeleteAsync(context, tenant, services, bucket, [path]);
        if (keys.Count == 0)
        {
            throw StorageError.NoSuchKey();
        }

        return StorageJson.Message("Successfully deleted");
    }

    public static async Task<IResult> DeleteMany(HttpContext context, Tenant tenant, StorageServices services, string bucket)
    {
        var body = await StorageJson.ReadObjectAsync(context);
        if (!body.TryGetProperty("prefixes", out var prefixes) || prefixes.ValueKind != JsonValueKind.Array || prefixes.GetArrayLength() is 0 or > 1000)
        {
            throw StorageError.InvalidRequest("body must have required property 'prefixes' (1 to 1000 names)");
        }

        var names = prefixes.EnumerateArray()
            .Select(p => p.ValueKind == JsonValueKind.String ? p.GetString()! : throw StorageError.InvalidRequest("prefixes must be strings"))
            .ToArray();
        var (json, _) = await DeleteAsync(context, tenant, services, bucket, names);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> Move(HttpContext context, Tenant tenant, StorageServices services)
    {
        var request = await TransferRequest.ReadAsync(context);
        var projectRef = tenant.Project.Ref;
        var version = BlobKeys.NewVersion();
        var destinationKey = ObjectNames.NewBlobKey(projectRef, request.DestinationBucket, request.DestinationKey, version);
        string sourceKey;
        try
        {
            await using var transaction = await services.BeginAsync(tenant, "storage.object.move");
            var source = await ObjectRows.FindAsync(transaction, request.BucketId, request.SourceKey, context.RequestAborted, forUpdate: true)
                ?? throw StorageError.NoSuchKey();
            sourceKey = source.BlobKey(projectRef);
            await services.Blobs.CopyAsync(sourceKey, destinationKey, context.RequestAborted);
            if (!await ObjectRows.MoveAsync(transaction, source, request.DestinationBucket, request.DestinationKey, version, tenant.Caller.Subject, context.RequestAborted))
            {
                throw StorageError.NoSuchKey();
            }

            await transaction.CommitAsync(context.RequestAborted);
        }
        catch
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [destinationKey]);
            throw;
        }

        await BlobCleanup.DeleteQuietlyAsync(services, [sourceKey]);
        return StorageJson.Message("Successfully moved");
    }

    public static async Task<IResult> Copy(HttpContext context, Tenant tenant, StorageServices services)
    {
        var request = await TransferRequest.ReadAsync(context);
        var projectRef = tenant.Project.Ref;
        var version = BlobKeys.NewVersion();
        var destinationKey = ObjectNames.NewBlobKey(projectRef, request.DestinationBucket, request.DestinationKey, version);
        var id = Guid.NewGuid();
        try
        {
            await using var transaction = await services.BeginAsync(tenant, "storage.object.copy");
            var source = await ObjectRows.FindAsync(transaction, request.BucketId, request.SourceKey, context.RequestAborted)
                ?? throw StorageError.NoSuchKey();
            await services.Blobs.CopyAsync(source.BlobKey(projectRef), destinationKey, context.RequestAborted);
            var metadata = source.Metadata with { LastModified = services.Time.GetUtcNow() };
            await ObjectRows.InsertAsync(
                transaction,
                new NewObject(id, request.DestinationBucket, request.DestinationKey, tenant.Caller.Subject, version, metadata.ToJson(), source.UserMetadataJson),
                context.RequestAborted);
            await transaction.CommitAsync(context.RequestAborted);
        }
        catch
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [destinationKey]);
            throw;
        }

        return Results.Json(new Dictionary<string, object>
        {
            ["Id"] = id,
            ["Key"] = request.DestinationBucket + "/" + request.DestinationKey,
        });
    }

    private static async Task<(string Json, IReadOnlyList<string> Keys)> DeleteAsync(HttpContext context, Tenant tenant, StorageServices services, string bucket, string[] names)
    {
        (string Json, IReadOnlyList<string> Keys) result;
        await using (var transaction = await services.BeginAsync(tenant, "storage.object.delete"))
        {
            result = await ObjectRows.DeleteManyAsync(transaction, tenant.Project.Ref, bucket, names, context.RequestAborted);
            await transaction.CommitAsync(context.RequestAborted);
        }

        await BlobCleanup.DeleteQuietlyAsync(services, result.Keys);
        return result;
    }
}

/// <summary>The body of POST /object/move and /object/copy.</summary>
internal sealed record TransferRequest(string BucketId, string SourceKey, string DestinationBucket, string DestinationKey)
{
    public static async Task<TransferRequest> ReadAsync(HttpContext context)
    {
        var body = await StorageJson.ReadObjectAsync(context);
        var bucketId = body.String("bucketId") ?? throw StorageError.InvalidRequest("body must have required property 'bucketId'");
        var sourceKey = body.String("sourceKey") ?? throw StorageError.InvalidRequest("body must have required property 'sourceKey'");
        var destinationKey = body.String("destinationKey") ?? throw StorageError.InvalidRequest("body must have required property 'destinationKey'");
        var destinationBucket = body.String("destinationBucket") is { Length: > 0 } other ? other : bucketId;
        return new TransferRequest(
            ObjectNames.ValidateBucket(bucketId),
            ObjectNames.Validate(sourceKey),
            ObjectNames.ValidateBucket(destinationBucket),
            ObjectNames.Validate(destinationKey));
    }
}
