using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Storage.Buckets;
using MadBase.Worker.Tenancy;
using Microsoft.AspNetCore.Http.Features;

namespace MadBase.Worker.Storage.Objects;

/// <summary>Who is uploading where, decided by the route (a user's own upload, or a signed upload URL).</summary>
internal sealed record UploadTarget(string BucketId, string Name, bool Upsert, string? OwnerId, bool AsServiceRole, string Operation);

/// <summary>
/// An upload, in the order that keeps storage consistent: the bytes stream to a new versioned blob (limits
/// and MIME rules checked on the way, nothing buffered whole), then one RLS transaction writes the row.
/// Only when that commits is the object visible; if anything fails the new blob is deleted, and an
/// overwritten object's old bytes are deleted only after the new row is committed.
/// </summary>
internal static class ObjectUpload
{
    public static async Task<IResult> RunAsync(StorageServices services, UploadTarget target)
    {
        var (id, _) = await StoreAsync(services, target);
        return Results.Json(new Dictionary<string, object>
        {
            ["Id"] = id,
            ["Key"] = target.BucketId + "/" + target.Name,
        });
    }

    /// <summary>The upload itself, for every door that stores bytes (storage-api's routes, the S3 protocol): the new row's id and metadata.
    /// <paramref name="given"/> replaces the request's body (an S3 multipart upload's parts, joined).</summary>
    public static async Task<(Guid Id, ObjectMetadata Metadata)> StoreAsync(StorageServices services, UploadTarget target, UploadBody? given = null)
    {
        var cancellationToken = services.Aborted;
        var project = services.Project;
        var (limits, limit) = await LimitsAsync(services, target);
        var body = given ?? await UploadBody.ReadAsync(services.Context.Request, cancellationToken);
        if (!MimeTypes.IsAllowed(limits.AllowedMimeTypes, body.ContentType))
        {
            throw StorageError.InvalidMimeType(MimeTypes.Essence(body.ContentType));
        }

        var version = BlobKeys.NewVersion();
        var key = ObjectNames.NewBlobKey(project.Ref, target.BucketId, target.Name, version);
        await using var metered = new MeteredUploadStream(body.Content, limit);
        var size = await services.Blobs.WriteAsync(key, metered, body.ContentType, cancellationToken);
        StorageMetrics.Stored(size);

        var metadata = new ObjectMetadata(metered.ETag(), size, body.ContentType, body.CacheControl, services.Time.GetUtcNow());
        var row = new NewObject(Guid.NewGuid(), target.BucketId, target.Name, target.OwnerId, version, metadata.ToJson(), body.UserMetadataJson);
        var id = await CommitAsync(services, target, row, key);
        return (id, metadata);
    }

    /// <summary>
    /// Makes stored bytes an object: writes the row (see <see cref="WriteRowAsync"/>) and then deletes the bytes
    /// of the version it replaced. Returns the row's id.
    /// </summary>
    public static async Task<Guid> CommitAsync(StorageServices services, UploadTarget target, NewObject row, string key)
    {
        var (id, previousVersion) = await WriteRowAsync(services, target, row, key);
        if (previousVersion is not null && previousVersion != row.Version)
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [BlobKeys.For(services.Project.Ref, target.BucketId, target.Name, previousVersion)]);
        }

        return id;
    }

    /// <summary>
    /// The bucket's limits and the size limit in force for it: the smaller of the project's and the bucket's.
    /// As storage-api does, the bucket is read as superuser; the caller's rights are checked by the policies on the object row.
    /// </summary>
    public static async Task<(BucketLimits Limits, long Limit)> BucketLimitsAsync(StorageServices services, string bucketId, string operation)
    {
        BucketLimits limits;
        await using (var lookup = await services.BeginAsync(operation, asServiceRole: true))
        {
            limits = await Buckets.Buckets.FindLimitsAsync(lookup, bucketId, services.Aborted) ?? throw StorageError.NoSuchBucket();
        }

        return (limits, Math.Min(services.Project.Settings.Storage.FileSizeLimit, limits.FileSizeLimit ?? long.MaxValue));
    }

    /// <summary>Our own limits are enforced while streaming; Kestrel's default 30 MB cap would cut large uploads short.</summary>
    public static void LiftBodySizeLimit(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }
    }

    /// <summary>The bucket's limits and the limit in force; a declared length over it is refused before any byte is read.</summary>
    private static async Task<(BucketLimits Limits, long Limit)> LimitsAsync(StorageServices services, UploadTarget target)
    {
        var (limits, limit) = await BucketLimitsAsync(services, target.BucketId, target.Operation);
        var request = services.Context.Request;
        if (request.ContentLength > limit && !IsMultipart(request))
        {
            throw StorageError.EntityTooLarge();
        }

        LiftBodySizeLimit(services.Context);
        return (limits, limit);
    }

    /// <summary>
    /// The object row, in the caller's RLS transaction: the object becomes visible when it commits. If it does not,
    /// the blob just written under <paramref name="key"/> is deleted. Returns the row's id and the version it replaced.
    /// </summary>
    private static async Task<(Guid Id, string? PreviousVersion)> WriteRowAsync(StorageServices services, UploadTarget target, NewObject row, string key)
    {
        var cancellationToken = services.Aborted;
        try
        {
            await using var transaction = await services.BeginAsync(target.Operation, target.AsServiceRole);
            var written = target.Upsert
                ? await ObjectRows.UpsertAsync(transaction, row, cancellationToken)
                : await InsertAsync(transaction, row, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return written;
        }
        catch
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [key]);
            throw;
        }
    }

    private static async Task<(Guid Id, string? PreviousVersion)> InsertAsync(RlsTransaction transaction, NewObject row, CancellationToken cancellationToken)
    {
        await ObjectRows.InsertAsync(transaction, row, cancellationToken);
        return (row.Id, null);
    }

    private static bool IsMultipart(HttpRequest request) =>
        request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true;
}
