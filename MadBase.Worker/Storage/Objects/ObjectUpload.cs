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
    public static async Task<IResult> RunAsync(HttpContext context, Tenant tenant, StorageServices services, UploadTarget target)
    {
        var cancellationToken = context.RequestAborted;
        var project = tenant.Project;

        // As storage-api does, the bucket's limits are read as superuser; the caller's rights are checked
        // by the policies on the object row below.
        BucketLimits limits;
        await using (var lookup = await services.BeginAsync(tenant, target.Operation, asServiceRole: true))
        {
            limits = await Buckets.Buckets.FindLimitsAsync(lookup, target.BucketId, cancellationToken) ?? throw StorageError.NoSuchBucket();
        }

        var limit = Math.Min(project.Settings.Storage.FileSizeLimit, limits.FileSizeLimit ?? long.MaxValue);
        if (context.Request.ContentLength > limit && !IsMultipart(context.Request))
        {
            throw StorageError.EntityTooLarge();
        }

        // Our own limit is enforced while streaming; Kestrel's default 30 MB cap would cut large uploads short.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var body = await UploadBody.ReadAsync(context.Request, cancellationToken);
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
        Guid id;
        string? previousVersion = null;
        try
        {
            await using var transaction = await services.BeginAsync(tenant, target.Operation, target.AsServiceRole);
            if (target.Upsert)
            {
                (id, previousVersion) = await ObjectRows.UpsertAsync(transaction, row, cancellationToken);
            }
            else
            {
                await ObjectRows.InsertAsync(transaction, row, cancellationToken);
                id = row.Id;
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [key]);
            throw;
        }

        if (previousVersion is not null && previousVersion != version)
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [BlobKeys.For(project.Ref, target.BucketId, target.Name, previousVersion)]);
        }

        return Results.Json(new Dictionary<string, object>
        {
            ["Id"] = id,
            ["Key"] = target.BucketId + "/" + target.Name,
        });
    }

    private static bool IsMultipart(HttpRequest request) =>
        request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true;
}
