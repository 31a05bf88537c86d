using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Storage.Buckets;
using MadBase.Worker.Storage.Objects;
using MadBase.Worker.Storage.Signing;
using MadBase.Worker.Tenancy;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Storage.Resumable;

/// <summary>
/// /storage/v1/upload/resumable: TUS 1.0 as storage-api serves it to tus-js-client and Uppy (src/http/routes/tus).
/// The upload's state is a row of storage.resumable_uploads, its bytes are parts in the blob store, so any
/// worker can take any PATCH and a restart loses nothing. The <c>/sign</c> routes authorise with the
/// <c>x-signature</c> of a signed upload URL instead of the caller's policies.
/// </summary>
internal static class ResumableHandlers
{
    private const string Operation = "storage.object.upload_resumable";

    public static IResult Options([AsParameters] StorageServices services)
    {
        var response = services.Context.Response;
        TusProtocol.WriteCommonHeaders(response);
        response.Headers["Tus-Version"] = TusProtocol.Version;
        response.Headers["Tus-Extension"] = TusProtocol.Extensions;
        response.Headers["Tus-Max-Size"] = services.Project.Settings.Storage.FileSizeLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.NoContent();
    }

    public static Task<IResult> Create([AsParameters] StorageServices services, IOptions<StorageOptions> options) => CreateAsync(services, options.Value, signed: false);

    public static Task<IResult> CreateSigned([AsParameters] StorageServices services, IOptions<StorageOptions> options) => CreateAsync(services, options.Value, signed: true);

    public static Task<IResult> Head([AsParameters] StorageServices services, string id) => HeadAsync(services, id, signed: false);

    public static Task<IResult> HeadSigned([AsParameters] StorageServices services, string id) => HeadAsync(services, id, signed: true);

    public static Task<IResult> Patch([AsParameters] StorageServices services, string id) => PatchAsync(services, id, signed: false);

    public static Task<IResult> PatchSigned([AsParameters] StorageServices services, string id) => PatchAsync(services, id, signed: true);

    public static Task<IResult> Terminate([AsParameters] StorageServices services, string id) => TerminateAsync(services, id, signed: false);

    public static Task<IResult> TerminateSigned([AsParameters] StorageServices services, string id) => TerminateAsync(services, id, signed: true);

    private static async Task<IResult> CreateAsync(StorageServices services, StorageOptions options, bool signed)
    {
        var request = services.Context.Request;
        TusProtocol.RequireVersion(request);
        var length = TusProtocol.ReadLength(request, TusProtocol.UploadLength);
        var metadata = UploadMetadata.Parse(request.Headers[TusProtocol.UploadMetadata].ToString());
        var (owner, upsert) = signed
            ? await SignatureAsync(services, metadata.BucketName, metadata.ObjectName)
            : (services.Tenant.Caller.Subject, services.Upsert);

        // Limits and policies are checked now, before any byte is accepted, and again on completion.
        var (limits, limit) = await ObjectUpload.BucketLimitsAsync(services, metadata.BucketName, Operation);
        if (length > limit)
        {
            throw TusProtocol.MaximumSizeExceeded();
        }

        if (!MimeTypes.IsAllowed(limits.AllowedMimeTypes, metadata.ContentType))
        {
            throw StorageError.InvalidMimeType(MimeTypes.Essence(metadata.ContentType));
        }

        if (!signed)
        {
            await UploadPermission.CheckAsync(services, metadata.BucketName, metadata.ObjectName, upsert, Operation);
        }

        var url = new UploadUrl(metadata.BucketName, metadata.ObjectName, BlobKeys.NewVersion());
        _ = ObjectNames.NewBlobKey(services.Project.Ref, url.BucketId, url.Name, url.Version);
        var upload = new ResumableUpload(
            url.Version, url.BucketId, url.Name, owner, signed, upsert, length, 0, 0, metadata.ContentType, metadata.CacheControl,
            metadata.UserMetadataJson, false, services.Time.GetUtcNow().AddMinutes(options.ResumableExpiryMinutes));
        await using (var transaction = await services.BeginAsync(Operation, asServiceRole: true))
        {
            await ResumableUploads.InsertAsync(transaction, upload, services.Aborted);
            if (length == 0)
            {
                await ResumableCompletion.CompleteAsync(services, transaction, upload);
            }

            await transaction.CommitAsync(services.Aborted);
        }

        var response = services.Context.Response;
        TusProtocol.WriteCommonHeaders(response, upload.ExpiresAt);
        response.Headers.Location = url.Location(request, signed);
        response.StatusCode = StatusCodes.Status201Created;
        return Results.Empty;
    }

    private static async Task<IResult> HeadAsync(StorageServices services, string id, bool signed)
    {
        TusProtocol.RequireVersion(services.Context.Request);
        ResumableUpload upload;
        await using (var transaction = await services.BeginAsync(Operation, asServiceRole: true))
        {
            upload = await FindAsync(services, transaction, id, signed, lockRow: false);
        }

        var response = services.Context.Response;
        TusProtocol.WriteCommonHeaders(response, upload.ExpiresAt);
        response.Headers[TusProtocol.UploadOffset] = upload.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[TusProtocol.UploadLength] = upload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Ok();
    }

    private static async Task<IResult> PatchAsync(StorageServices services, string id, bool signed)
    {
        var request = services.Context.Request;
        TusProtocol.RequireVersion(request);
        if (!string.Equals(request.ContentType, TusProtocol.OffsetContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageError(415, "TusError", "Content-Type must be " + TusProtocol.OffsetContentType);
        }

        var offset = TusProtocol.ReadLength(request, TusProtocol.UploadOffset);
        await using var transaction = await services.BeginAsync(Operation, asServiceRole: true);
        var upload = await FindAsync(services, transaction, id, signed, lockRow: true);
        if (offset != upload.Offset)
        {
            throw TusProtocol.OffsetConflict();
        }

        var wasCompleted = upload.Completed;
        if (!wasCompleted)
        {
            if (!signed)
            {
                await UploadPermission.CheckAsync(services, upload.BucketId, upload.Name, upload.Upsert, Operation);
            }

            upload = await ResumableCompletion.WritePartAsync(services, transaction, upload);
        }

        await transaction.CommitAsync(services.Aborted);
        if (upload.Completed && !wasCompleted)
        {
            await ResumableCompletion.DeletePartsQuietlyAsync(services, upload.Id);
        }

        var response = services.Context.Response;
        TusProtocol.WriteCommonHeaders(response, upload.ExpiresAt);
        response.Headers[TusProtocol.UploadOffset] = upload.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (upload.Completed)
        {
            response.Headers["Tus-Complete"] = "1";
        }

        return Results.NoContent();
    }

    private static async Task<IResult> TerminateAsync(StorageServices services, string id, bool signed)
    {
        TusProtocol.RequireVersion(services.Context.Request);
        await using (var transaction = await services.BeginAsync(Operation, asServiceRole: true))
        {
            var upload = await FindAsync(services, transaction, id, signed, lockRow: true);
            if (upload.Completed)
            {
                throw new StorageError(400, "TusError", "Cannot terminate an already completed upload");
            }

            await ResumableUploads.DeleteAsync(transaction, upload.Id, services.Aborted);
            await transaction.CommitAsync(services.Aborted);
        }

        await ResumableCompletion.DeletePartsQuietlyAsync(services, UploadUrl.Decode(id).Version);
        TusProtocol.WriteCommonHeaders(services.Context.Response);
        return Results.NoContent();
    }

    /// <summary>
    /// The upload the URL names, if this caller may touch it: an upload made through <c>/sign</c> only with a
    /// valid signature for its object, any other only by its creator (or service_role).
    /// </summary>
    private static async Task<ResumableUpload> FindAsync(StorageServices services, RlsTransaction transaction, string id, bool signed, bool lockRow)
    {
        var url = UploadUrl.Decode(id);
        if (signed)
        {
            await SignatureAsync(services, url.BucketId, url.Name);
        }

        var upload = await ResumableUploads.FindAsync(transaction, url, lockRow, services.Aborted) ?? throw TusProtocol.NotFound();
        var caller = services.Tenant.Caller;
        if (upload.Signed != signed || (!signed && caller.Role != ApiRoles.ServiceRole && caller.Subject != upload.OwnerId))
        {
            throw TusProtocol.NotFound();
        }

        return upload.ExpiresAt < services.Time.GetUtcNow() ? throw TusProtocol.Expired() : upload;
    }

    /// <summary>The owner and upsert flag a signed upload URL grants, from its token in the x-signature header.</summary>
    private static async Task<(string? Owner, bool Upsert)> SignatureAsync(StorageServices services, string bucketId, string name)
    {
        var signature = services.Context.Request.Headers["x-signature"].ToString();
        if (signature.Length == 0)
        {
            throw StorageError.InvalidSignature("Missing x-signature header");
        }

        var claims = await SignedTokens.VerifyAsync(services.Verifier, services.Project, signature, SignedTokens.Upload, bucketId + "/" + name);
        return (claims.Owner, claims.Upsert);
    }
}
