using System.Text.Json;
using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage.Objects;

/// <summary>/storage/v1/object: storage-api's src/http/routes/object (uploads, info, delete, move, copy).</summary>
internal static class ObjectHandlers
{
    public static async Task<IResult> Create([AsParameters] StorageServices services, string bucket, string path)
    {
        var upsert = services.Upsert;
        var target = new UploadTarget(bucket, ObjectNames.Validate(path), upsert, services.Tenant.Caller.Subject, false, "storage.object.upload");
        return await ObjectUpload.RunAsync(services, target);
    }

    public static async Task<IResult> Update([AsParameters] StorageServices services, string bucket, string path)
    {
        var target = new UploadTarget(bucket, ObjectNames.Validate(path), true, services.Tenant.Caller.Subject, false, "storage.object.update");
        return await ObjectUpload.RunAsync(services, target);
    }

    public static async Task<IResult> Info([AsParameters] StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        await using var transaction = await services.BeginAsync("storage.object.info");
        var json = await ObjectRows.InfoAsync(transaction, bucket, path, services.Aborted) ?? throw StorageError.NoSuchKey();
        await transaction.CommitAsync(services.Aborted);
        return StorageJson.Raw(json);
    }

    /// <summary>Info of an object in a public bucket, whoever asks (storage-api's /object/info/public); a private bucket is NoSuchBucket here.</summary>
    public static async Task<IResult> PublicInfo([AsParameters] StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        await using var transaction = await services.BeginAsync("storage.object.info_public", asServiceRole: true);
        if (await Buckets.Buckets.FindLimitsAsync(transaction, bucket, services.Aborted) is not { Public: true })
        {
            throw StorageError.NoSuchBucket();
        }

        var json = await ObjectRows.InfoAsync(transaction, bucket, path, services.Aborted) ?? throw StorageError.NoSuchKey();
        await transaction.CommitAsync(services.Aborted);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> DeleteOne([AsParameters] StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        var (_, keys) = await DeleteAsync(services, bucket, [path]);
        if (keys.Count == 0)
        {
            throw StorageError.NoSuchKey();
        }

        return StorageJson.Message("Successfully deleted");
    }

    public static async Task<IResult> DeleteMany([AsParameters] StorageServices services, string bucket)
    {
        var body = await StorageJson.ReadObjectAsync(services.Context);
        if (!body.TryGetProperty("prefixes", out var prefixes) || prefixes.ValueKind != JsonValueKind.Array || prefixes.GetArrayLength() is 0 or > 1000)
        {
            throw StorageError.InvalidRequest("body must have required property 'prefixes' (1 to 1000 names)");
        }

        var names = prefixes.EnumerateArray()
            .Select(p => p.ValueKind == JsonValueKind.String ? p.GetString()! : throw StorageError.InvalidRequest("prefixes must be strings"))
            .ToArray();
        var (json, _) = await DeleteAsync(services, bucket, names);
        return StorageJson.Raw(json);
    }

    public static async Task<IResult> Move([AsParameters] StorageServices services)
    {
        var request = await TransferRequest.ReadAsync(services.Context);
        var projectRef = services.Project.Ref;
        var version = BlobKeys.NewVersion();
        var destinationKey = ObjectNames.NewBlobKey(projectRef, request.DestinationBucket, request.DestinationKey, version);
        string sourceKey;
        try
        {
            await using var transaction = await services.BeginAsync("storage.object.move");
            var source = await ObjectRows.FindAsync(transaction, request.BucketId, request.SourceKey, services.Aborted, forUpdate: true)
                ?? throw StorageError.NoSuchKey();
            sourceKey = source.BlobKey(projectRef);
            await services.Blobs.CopyAsync(sourceKey, destinationKey, services.Aborted);
            if (!await ObjectRows.MoveAsync(transaction, source, request.DestinationBucket, request.DestinationKey, version, services.Tenant.Caller.Subject, services.Aborted))
            {
                throw StorageError.NoSuchKey();
            }

            await transaction.CommitAsync(services.Aborted);
        }
        catch
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [destinationKey]);
            throw;
        }

        await BlobCleanup.DeleteQuietlyAsync(services, [sourceKey]);
        return StorageJson.Message("Successfully moved");
    }

    public static async Task<IResult> Copy([AsParameters] StorageServices services)
    {
        var request = await TransferRequest.ReadAsync(services.Context);
        // x-upsert: true overwrites the destination, as storage-api's copy does.
        var (id, _) = await CopyAsync(services, request, services.Upsert);
        return Results.Json(new Dictionary<string, object>
        {
            ["Id"] = id,
            ["Key"] = request.DestinationBucket + "/" + request.DestinationKey,
        });
    }

    /// <summary>
    /// A copy as a new version of the destination: the source's bytes copied to a new blob, then the row written in
    /// the caller's RLS transaction (with <paramref name="upsert"/>, over an existing object, whose old bytes go after
    /// the commit). <paramref name="replace"/> gives the copy new metadata instead of the source's (S3's REPLACE directive).
    /// </summary>
    public static async Task<(Guid Id, ObjectMetadata Metadata)> CopyAsync(
        StorageServices services, TransferRequest request, bool upsert, (string ContentType, string CacheControl, string? UserMetadataJson)? replace = null)
    {
        var projectRef = services.Project.Ref;
        var version = BlobKeys.NewVersion();
        var destinationKey = ObjectNames.NewBlobKey(projectRef, request.DestinationBucket, request.DestinationKey, version);
        var id = Guid.NewGuid();
        ObjectMetadata metadata;
        string? previousVersion = null;
        try
        {
            await using var transaction = await services.BeginAsync("storage.object.copy");
            var source = await ObjectRows.FindAsync(transaction, request.BucketId, request.SourceKey, services.Aborted)
                ?? throw StorageError.NoSuchKey();
            await services.Blobs.CopyAsync(source.BlobKey(projectRef), destinationKey, services.Aborted);
            metadata = source.Metadata with { LastModified = services.Time.GetUtcNow() };
            var userMetadata = source.UserMetadataJson;
            if (replace is { } fresh)
            {
                metadata = metadata with { MimeType = fresh.ContentType, CacheControl = fresh.CacheControl };
                userMetadata = fresh.UserMetadataJson;
            }

            var row = new NewObject(id, request.DestinationBucket, request.DestinationKey, services.Tenant.Caller.Subject, version, metadata.ToJson(), userMetadata);
            if (upsert)
            {
                (id, previousVersion) = await ObjectRows.UpsertAsync(transaction, row, services.Aborted);
            }
            else
            {
                await ObjectRows.InsertAsync(transaction, row, services.Aborted);
            }

            await transaction.CommitAsync(services.Aborted);
        }
        catch
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [destinationKey]);
            throw;
        }

        if (previousVersion is not null && previousVersion != version)
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [BlobKeys.For(projectRef, request.DestinationBucket, request.DestinationKey, previousVersion)]);
        }

        return (id, metadata);
    }

    /// <summary>Deletes the named objects the caller may delete (RLS decides), then their bytes; returns the deleted rows as JSON and their blob keys.</summary>
    public static async Task<(string Json, IReadOnlyList<string> Keys)> DeleteAsync(StorageServices services, string bucket, string[] names)
    {
        (string Json, IReadOnlyList<string> Keys) result;
        await using (var transaction = await services.BeginAsync("storage.object.delete"))
        {
            result = await ObjectRows.DeleteManyAsync(transaction, services.Project.Ref, bucket, names, services.Aborted);
            await transaction.CommitAsync(services.Aborted);
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
