using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Storage.Buckets;
using MadBase.Worker.Storage.Objects;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Storage.Resumable;

/// <summary>
/// What a PATCH does to an upload whose row it holds locked: stores the body as the next part and, when the
/// last byte is in, turns the parts into the object. The row is updated in the locking transaction, so an
/// offset is only ever recorded for a part that is fully stored.
/// </summary>
internal static class ResumableCompletion
{
    private const string Operation = "storage.object.upload_resumable";

    public static async Task<ResumableUpload> WritePartAsync(StorageServices services, RlsTransaction transaction, ResumableUpload upload)
    {
        var request = services.Context.Request;
        var remaining = upload.Length - upload.Offset;
        if (request.ContentLength > remaining)
        {
            throw TusProtocol.MaximumSizeExceeded();
        }

        ObjectUpload.LiftBodySizeLimit(services.Context);
        long written;
        await using (var body = new MeteredUploadStream(request.Body, remaining))
        {
            written = await UploadParts.WriteAsync(services.Blobs, services.Project.Ref, upload.Id, upload.PartCount + 1, body, services.Aborted);
        }

        if (written == 0)
        {
            return upload;
        }

        upload = upload with { Offset = upload.Offset + written, PartCount = upload.PartCount + 1 };
        if (upload.Offset < upload.Length)
        {
            await ResumableUploads.AdvanceAsync(transaction, upload.Id, upload.Offset, upload.PartCount, completed: false, services.Aborted);
            return upload;
        }

        return await CompleteAsync(services, transaction, upload);
    }

    /// <summary>
    /// The parts become the object: the bucket's limits and the caller's policies are checked again (either may
    /// have changed since creation), the parts are read into the object's blob, and its row is written as any
    /// upload's is. A refusal ends the upload (it could never complete); a failure of any other kind leaves it
    /// to be retried from its last recorded offset.
    /// </summary>
    public static async Task<ResumableUpload> CompleteAsync(StorageServices services, RlsTransaction transaction, ResumableUpload upload)
    {
        var projectRef = services.Project.Ref;
        var key = ObjectNames.NewBlobKey(projectRef, upload.BucketId, upload.Name, upload.Id);
        try
        {
            var (limits, limit) = await ObjectUpload.BucketLimitsAsync(services, upload.BucketId, Operation);
            if (upload.Length > limit)
            {
                throw TusProtocol.MaximumSizeExceeded();
            }

            if (!MimeTypes.IsAllowed(limits.AllowedMimeTypes, upload.ContentType))
            {
                throw StorageError.InvalidMimeType(MimeTypes.Essence(upload.ContentType));
            }

            long size;
            string etag;
            await using (var parts = new MeteredUploadStream(UploadParts.OpenAll(services.Blobs, projectRef, upload.Id, upload.PartCount), limit))
            {
                size = await services.Blobs.WriteAsync(key, parts, upload.ContentType, services.Aborted);
                etag = parts.ETag();
            }

            StorageMetrics.Stored(size);
            var metadata = new ObjectMetadata(etag, size, upload.ContentType, upload.CacheControl, services.Time.GetUtcNow());
            var row = new NewObject(Guid.NewGuid(), upload.BucketId, upload.Name, upload.OwnerId, upload.Id, metadata.ToJson(), upload.UserMetadataJson);
            var target = new UploadTarget(upload.BucketId, upload.Name, upload.Upsert, upload.OwnerId, AsServiceRole: upload.Signed, Operation);
            await ObjectUpload.CommitAsync(services, target, row, key);
        }
        catch (Exception e) when (e is StorageError or PostgresException { SqlState: not null })
        {
            // Refused for good (policy, duplicate, limits): nothing of it may stay.
            await ResumableUploads.DeleteAsync(transaction, upload.Id, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            await DeletePartsQuietlyAsync(services, upload.Id);
            throw;
        }

        // The row is kept, completed, until it expires: a client whose last PATCH answer was lost sees the full offset.
        // Its parts are deleted by the caller once this is committed.
        await ResumableUploads.AdvanceAsync(transaction, upload.Id, upload.Length, 0, completed: true, services.Aborted);
        return upload with { Offset = upload.Length, PartCount = 0, Completed = true };
    }

    public static async Task DeletePartsQuietlyAsync(StorageServices services, string uploadId)
    {
        try
        {
            await UploadParts.DeleteAllAsync(services.Blobs, services.Project.Ref, uploadId, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonServiceException or HttpRequestException)
        {
            // Parts left behind are removed with the upload's row when it expires.
        }
    }
}
