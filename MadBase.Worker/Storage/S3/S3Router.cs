namespace MadBase.Worker.Storage.S3;

/// <summary>
/// Which S3 operation a request is: path-style <c>/{bucket}/{key}</c>, then method, then the query's sub-resource
/// (<c>?list-type=2</c>, <c>?delete</c>, <c>?uploads</c>, <c>?uploadId</c>) and <c>x-amz-copy-source</c>, as S3's
/// REST API tells them apart.
/// </summary>
internal static class S3Router
{
    public static Task<IResult> RouteAsync([AsParameters] StorageServices services, string? path)
    {
        var request = services.Context.Request;
        var query = request.Query;
        var (bucket, key) = Split(path);
        var method = request.Method;

        if (bucket.Length == 0)
        {
            return HttpMethods.IsGet(method) ? S3BucketOperations.ListBucketsAsync(services) : throw S3Errors.MethodNotAllowed();
        }

        if (key.Length == 0)
        {
            return method switch
            {
                "GET" when query.ContainsKey("location") => Task.FromResult(S3BucketOperations.Location(services)),
                "GET" when query.ContainsKey("uploads") => S3Multipart.ListUploadsAsync(services, bucket),
                "GET" => S3Listing.ListAsync(services, bucket),
                "HEAD" => S3BucketOperations.HeadBucketAsync(services, bucket),
                "PUT" => S3BucketOperations.CreateBucketAsync(services, bucket),
                "DELETE" => S3BucketOperations.DeleteBucketAsync(services, bucket),
                "POST" when query.ContainsKey("delete") => S3ObjectOperations.DeleteObjectsAsync(services, bucket),
                _ => throw S3Errors.MethodNotAllowed(),
            };
        }

        var uploadId = query["uploadId"].ToString();
        return method switch
        {
            "GET" or "HEAD" when uploadId.Length > 0 => S3Multipart.ListPartsAsync(services, bucket, key, uploadId),
            "GET" or "HEAD" => S3ObjectOperations.GetObjectAsync(services, bucket, key),
            "PUT" when uploadId.Length > 0 && request.Headers.ContainsKey("x-amz-copy-source") => S3Multipart.UploadPartCopyAsync(services, bucket, key, uploadId),
            "PUT" when uploadId.Length > 0 => S3Multipart.UploadPartAsync(services, bucket, key, uploadId),
            "PUT" when request.Headers.ContainsKey("x-amz-copy-source") => S3ObjectOperations.CopyObjectAsync(services, bucket, key),
            "PUT" => S3ObjectOperations.PutObjectAsync(services, bucket, key),
            "DELETE" when uploadId.Length > 0 => S3Multipart.AbortAsync(services, bucket, key, uploadId),
            "DELETE" => S3ObjectOperations.DeleteObjectAsync(services, bucket, key),
            "POST" when query.ContainsKey("uploads") => S3Multipart.CreateAsync(services, bucket, key),
            "POST" when uploadId.Length > 0 => S3Multipart.CompleteAsync(services, bucket, key, uploadId),
            _ => throw S3Errors.MethodNotAllowed(),
        };
    }

    private static (string Bucket, string Key) Split(string? path)
    {
        var trimmed = (path ?? string.Empty).TrimStart('/');
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (trimmed, string.Empty) : (trimmed[..slash], trimmed[(slash + 1)..]);
    }
}
