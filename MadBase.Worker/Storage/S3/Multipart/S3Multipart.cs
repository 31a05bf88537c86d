using System.Globalization;
using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Storage.Objects;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// S3 multipart uploads: create, upload part (or copy one from an object), list parts, list uploads, complete, abort. Each part streams to a blob of its own
/// (never whole in memory) and is recorded in storage.s3_multipart_uploads_parts; completing streams the parts,
/// in order, through the Storage module's own upload (<see cref="ObjectUpload.StoreAsync"/>: limits, MIME rules,
/// and the object row under the caller's RLS), then drops the parts. The object's ETag is the MD5 of its bytes.
/// </summary>
internal static class S3Multipart
{
    private const int MaxParts = 10000;

    public static async Task<IResult> CreateAsync(StorageServices services, string bucket, string key)
    {
        var request = services.Context.Request;
        var name = ObjectNames.Validate(key);
        var owner = services.Tenant.Caller.Subject;
        var upload = new MultipartUpload(
            BlobKeys.NewVersion(), bucket, name, owner,
            request.ContentType is { Length: > 0 } type ? type : "application/octet-stream",
            request.Headers.CacheControl.ToString() is { Length: > 0 } cache ? cache : "no-cache",
            S3ObjectOperations.UserMetadataJson(request));

        // As storage-api does, refuse at once an upload the caller could never complete: a trial write of the
        // object row under the caller's policies, rolled back.
        await using (var trial = await services.BeginAsync("storage.object.upload"))
        {
            var placeholder = new NewObject(Guid.NewGuid(), bucket, name, owner, upload.Id, "{}", null);
            await ObjectRows.UpsertAsync(trial, placeholder, services.Aborted);
        }

        await using var transaction = await services.BeginAsync("storage.s3.multipart.create", asServiceRole: true);
        await MultipartRows.InsertAsync(transaction, upload, services.Aborted);
        await transaction.CommitAsync(services.Aborted);
        return S3Xml.Result(S3Xml.Element(
            "InitiateMultipartUploadResult",
            S3Xml.Element("Bucket", bucket),
            S3Xml.Element("Key", name),
            S3Xml.Element("UploadId", upload.Id)));
    }

    public static async Task<IResult> UploadPartAsync(StorageServices services, string bucket, string key, string uploadId)
    {
        var number = PartNumber(services);
        await FindAsync(services, bucket, key, uploadId);
        var etag = await StorePartAsync(services, bucket, key, uploadId, number, services.Context.Request.Body);
        services.Context.Response.Headers.ETag = etag;
        return Results.Ok();
    }

    /// <summary>
    /// UploadPartCopy: a part taken from an existing object (<c>x-amz-copy-source</c>), whole or the byte range of
    /// <c>x-amz-copy-source-range</c>, as large copies are made. The source is read under the caller's RLS, as a
    /// download is, and streamed into the part's blob.
    /// </summary>
    public static async Task<IResult> UploadPartCopyAsync(StorageServices services, string bucket, string key, string uploadId)
    {
        var number = PartNumber(services);
        var request = services.Context.Request;
        var (sourceBucket, sourceKey) = S3ObjectOperations.CopySource(request);
        await FindAsync(services, bucket, key, uploadId);
        ObjectRow source;
        await using (var read = await services.BeginAsync("storage.object.get_authenticated"))
        {
            source = await ObjectRows.FindAsync(read, sourceBucket, sourceKey, services.Aborted) ?? throw StorageError.NoSuchKey();
            await read.CommitAsync(services.Aborted);
        }

        var (offset, length) = CopyRange(request.Headers["x-amz-copy-source-range"].ToString(), source.Metadata.Size);
        await using var blob = new SliceStream(
            await services.Blobs.OpenReadAsync(source.BlobKey(services.Project.Ref), offset, length, services.Aborted) ?? throw StorageError.NoSuchKey(),
            length);
        var etag = await StorePartAsync(services, bucket, key, uploadId, number, blob);
        return S3Xml.Result(S3Xml.Element(
            "CopyPartResult",
            S3Xml.Element("LastModified", S3Xml.Time(DateTimeOffset.UtcNow)),
            S3Xml.Element("ETag", etag)));
    }

    /// <summary>
    /// ListMultipartUploads (<c>GET /{bucket}?uploads</c>): the caller's uploads in progress in the bucket, by key and
    /// then by when they began, with <c>prefix</c>, <c>delimiter</c> ('/', folding keys into common prefixes),
    /// <c>key-marker</c>/<c>upload-id-marker</c> and <c>max-uploads</c>, as S3 pages them.
    /// </summary>
    public static async Task<IResult> ListUploadsAsync(StorageServices services, string bucket)
    {
        var query = services.Context.Request.Query;
        var prefix = query["prefix"].ToString();
        var delimiter = query["delimiter"].ToString();
        if (delimiter is not ("" or "/"))
        {
            throw S3Errors.InvalidArgument("only '/' is supported as delimiter");
        }

        var maxUploads = 1000;
        if (query.ContainsKey("max-uploads")
            && (!int.TryParse(query["max-uploads"], NumberStyles.None, CultureInfo.InvariantCulture, out maxUploads) || maxUploads is < 1 or > 1000))
        {
            throw S3Errors.InvalidArgument("max-uploads must be an integer between 1 and 1000");
        }

        var keyMarker = query["key-marker"].ToString();
        var uploadIdMarker = keyMarker.Length > 0 ? query["upload-id-marker"].ToString() : string.Empty;
        List<MultipartUpload> uploads;
        await using (var transaction = await services.BeginAsync("storage.s3.multipart.list_uploads", asServiceRole: true))
        {
            if (await Buckets.Buckets.FindLimitsAsync(transaction, bucket, services.Aborted) is null)
            {
                throw StorageError.NoSuchBucket();
            }

            uploads = await MultipartRows.ListAsync(
                transaction, bucket, services.Tenant.Caller.Subject, prefix, keyMarker, uploadIdMarker,
                skipFolder: delimiter.Length > 0 && keyMarker.EndsWith('/'), maxUploads + 1, services.Aborted);
            await transaction.CommitAsync(services.Aborted);
        }

        // With a delimiter, the keys with a '/' past the prefix count once, as their folder.
        var entries = new List<(MultipartUpload? Upload, string? Folder)>();
        foreach (var upload in uploads)
        {
            var slash = delimiter.Length > 0 ? upload.Key.IndexOf('/', prefix.Length) : -1;
            if (slash < 0)
            {
                entries.Add((upload, null));
            }
            else if (entries.Count == 0 || entries[^1].Folder != upload.Key[..(slash + 1)])
            {
                entries.Add((null, upload.Key[..(slash + 1)]));
            }
        }

        var truncated = entries.Count > maxUploads;
        var page = entries.Take(maxUploads).ToList();
        var last = page.Count > 0 ? page[^1] : default;
        var owner = services.Tenant.Caller.Subject ?? services.Project.Ref;
        return S3Xml.Result(S3Xml.Element(
            "ListMultipartUploadsResult",
            S3Xml.Element("Bucket", bucket),
            S3Xml.Element("KeyMarker", keyMarker),
            S3Xml.Element("UploadIdMarker", uploadIdMarker),
            truncated ? S3Xml.Element("NextKeyMarker", last.Upload?.Key ?? last.Folder) : null,
            truncated ? S3Xml.Element("NextUploadIdMarker", last.Upload?.Id ?? string.Empty) : null,
            S3Xml.Element("Prefix", prefix),
            delimiter.Length > 0 ? S3Xml.Element("Delimiter", delimiter) : null,
            S3Xml.Element("MaxUploads", maxUploads),
            S3Xml.Element("IsTruncated", truncated ? "true" : "false"),
            page.Where(e => e.Upload is not null).Select(e => S3Xml.Element(
                "Upload",
                S3Xml.Element("Key", e.Upload!.Key),
                S3Xml.Element("UploadId", e.Upload.Id),
                S3Xml.Element("Initiator", S3Xml.Element("ID", owner), S3Xml.Element("DisplayName", owner)),
                S3Xml.Element("Owner", S3Xml.Element("ID", owner), S3Xml.Element("DisplayName", owner)),
                S3Xml.Element("StorageClass", "STANDARD"),
                S3Xml.Element("Initiated", S3Xml.Time(e.Upload.Created)))),
            page.Where(e => e.Folder is not null).Select(e => S3Xml.Element("CommonPrefixes", S3Xml.Element("Prefix", e.Folder)))));
    }

    private static int PartNumber(StorageServices services) =>
        int.TryParse(services.Context.Request.Query["partNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= MaxParts
            ? number
            : throw S3Errors.InvalidArgument($"Part number must be an integer between 1 and {MaxParts}, inclusive");

    /// <summary><c>bytes=first-last</c> (inclusive) within the source, or the whole source when absent.</summary>
    private static (long Offset, long Length) CopyRange(string range, long size)
    {
        if (range.Length == 0)
        {
            return (0, size);
        }

        var dash = range.StartsWith("bytes=", StringComparison.Ordinal) ? range.IndexOf('-', 6) : -1;
        if (dash < 0
            || !long.TryParse(range.AsSpan(6, dash - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(range.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var lastByte)
            || first > lastByte || lastByte >= size)
        {
            throw S3Errors.InvalidArgument($"Range specified is not valid for source object of size: {size}");
        }

        return (first, lastByte - first + 1);
    }

    /// <summary>Streams one part into a blob of its own and records it; returns its ETag (the MD5 of its bytes).</summary>
    private static async Task<string> StorePartAsync(StorageServices services, string bucket, string key, string uploadId, int number, Stream data)
    {
        var limits = await LimitAsync(services, bucket);
        var blobKey = ObjectNames.NewBlobKey(services.Project.Ref, bucket, key, BlobKeys.NewVersion());
        string? replaced;
        string etag;
        try
        {
            await using var metered = new MeteredUploadStream(data, limits);
            var size = await services.Blobs.WriteAsync(blobKey, metered, "application/octet-stream", services.Aborted);
            etag = metered.ETag();
            await using var transaction = await services.BeginAsync("storage.s3.multipart.upload_part", asServiceRole: true);
            _ = await MultipartRows.FindAsync(transaction, uploadId, bucket, key, services.Tenant.Caller.Subject, services.Aborted, forUpdate: true) ?? throw NoSuchUpload();
            replaced = await MultipartRows.SavePartAsync(transaction, uploadId, number, etag, size, blobKey, services.Aborted);
            await transaction.CommitAsync(services.Aborted);
        }
        catch
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [blobKey]);
            throw;
        }

        if (replaced is not null)
        {
            await BlobCleanup.DeleteQuietlyAsync(services, [replaced]);
        }

        return etag;
    }

    public static async Task<IResult> ListPartsAsync(StorageServices services, string bucket, string key, string uploadId)
    {
        var query = services.Context.Request.Query;
        var marker = int.TryParse(query["part-number-marker"], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0;
        var maxParts = int.TryParse(query["max-parts"], NumberStyles.None, CultureInfo.InvariantCulture, out var x) ? Math.Clamp(x, 1, 1000) : 1000;
        List<UploadedPart> parts;
        await using (var transaction = await services.BeginAsync("storage.s3.multipart.list_parts", asServiceRole: true))
        {
            _ = await MultipartRows.FindAsync(transaction, uploadId, bucket, key, services.Tenant.Caller.Subject, services.Aborted) ?? throw NoSuchUpload();
            parts = await MultipartRows.PartsAsync(transaction, uploadId, marker, maxParts + 1, services.Aborted);
            await transaction.CommitAsync(services.Aborted);
        }

        var truncated = parts.Count > maxParts;
        var page = parts.Take(maxParts).ToList();
        return S3Xml.Result(S3Xml.Element(
            "ListPartsResult",
            S3Xml.Element("Bucket", bucket),
            S3Xml.Element("Key", key),
            S3Xml.Element("UploadId", uploadId),
            S3Xml.Element("PartNumberMarker", marker),
            S3Xml.Element("NextPartNumberMarker", page.Count > 0 ? page[^1].Number : marker),
            S3Xml.Element("MaxParts", maxParts),
            S3Xml.Element("IsTruncated", truncated ? "true" : "false"),
            S3Xml.Element("StorageClass", "STANDARD"),
            page.Select(p => S3Xml.Element(
                "Part",
                S3Xml.Element("PartNumber", p.Number),
                S3Xml.Element("LastModified", S3Xml.Time(p.Created)),
                S3Xml.Element("ETag", p.ETag),
                S3Xml.Element("Size", p.Size)))));
    }

    public static async Task<IResult> CompleteAsync(StorageServices services, string bucket, string key, string uploadId)
    {
        var body = await S3Xml.ReadAsync(services.Context.Request, services.Aborted);
        var requested = body.Children("Part").Select(p => (
            Number: int.TryParse(p.Child("PartNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw S3Errors.MalformedXml(),
            ETag: (p.Child("ETag") ?? throw S3Errors.MalformedXml()).Trim('"'))).ToList();
        if (body.Name.LocalName != "CompleteMultipartUpload" || requested.Count == 0)
        {
            throw S3Errors.MalformedXml();
        }

        if (requested.Zip(requested.Skip(1)).Any(pair => pair.First.Number >= pair.Second.Number))
        {
            throw new StorageError(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.");
        }

        var upload = await FindAsync(services, bucket, key, uploadId);
        List<UploadedPart> stored;
        await using (var transaction = await services.BeginAsync("storage.s3.multipart.complete", asServiceRole: true))
        {
            stored = await MultipartRows.PartsAsync(transaction, uploadId, 0, MaxParts, services.Aborted);
        }

        var byNumber = stored.ToDictionary(p => p.Number);
        var chosen = requested.Select(r => byNumber.TryGetValue(r.Number, out var part) && part.ETag.Trim('"') == r.ETag
            ? part
            : throw new StorageError(400, "InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")).ToList();

        var target = new UploadTarget(bucket, upload.Key, Upsert: true, upload.OwnerId, false, "storage.object.upload");
        await using var joined = new PartsStream(services.Blobs, chosen);
        var (_, metadata) = await ObjectUpload.StoreAsync(services, target, new UploadBody(joined, upload.ContentType, upload.CacheControl, upload.UserMetadataJson));

        await DeleteUploadAsync(services, uploadId);
        return S3Xml.Result(S3Xml.Element(
            "CompleteMultipartUploadResult",
            S3Xml.Element("Location", $"/{bucket}/{upload.Key}"),
            S3Xml.Element("Bucket", bucket),
            S3Xml.Element("Key", upload.Key),
            S3Xml.Element("ETag", metadata.ETag)));
    }

    public static async Task<IResult> AbortAsync(StorageServices services, string bucket, string key, string uploadId)
    {
        await FindAsync(services, bucket, key, uploadId);
        await DeleteUploadAsync(services, uploadId);
        return Results.NoContent();
    }

    private static async Task<MultipartUpload> FindAsync(StorageServices services, string bucket, string key, string uploadId)
    {
        await using var transaction = await services.BeginAsync("storage.s3.multipart.find", asServiceRole: true);
        return await MultipartRows.FindAsync(transaction, uploadId, bucket, key, services.Tenant.Caller.Subject, services.Aborted) ?? throw NoSuchUpload();
    }

    private static async Task DeleteUploadAsync(StorageServices services, string uploadId)
    {
        IReadOnlyList<string> parts;
        await using (var transaction = await services.BeginAsync("storage.s3.multipart.delete", asServiceRole: true))
        {
            parts = await MultipartRows.DeleteAsync(transaction, uploadId, services.Aborted);
            await transaction.CommitAsync(services.Aborted);
        }

        await BlobCleanup.DeleteQuietlyAsync(services, parts);
    }

    /// <summary>A part may be as large as a whole object may be (the project's limit, or the bucket's when smaller).</summary>
    private static async Task<long> LimitAsync(StorageServices services, string bucket)
    {
        await using var lookup = await services.BeginAsync("storage.s3.multipart.upload_part", asServiceRole: true);
        var limits = await Buckets.Buckets.FindLimitsAsync(lookup, bucket, services.Aborted) ?? throw StorageError.NoSuchBucket();
        return Math.Min(services.Project.Settings.Storage.FileSizeLimit, limits.FileSizeLimit ?? long.MaxValue);
    }

    private static StorageError NoSuchUpload() =>
        new(404, "NoSuchUpload", "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.");
}
