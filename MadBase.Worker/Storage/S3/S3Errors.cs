namespace MadBase.Worker.Storage.S3;

/// <summary>
/// The S3 protocol's own refusals, as <see cref="StorageError"/>s carrying S3's codes and status codes
/// (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html); <see cref="S3ErrorRenderer"/> writes them as XML.
/// </summary>
internal static class S3Errors
{
    public static StorageError AccessDenied(string message) => new(403, "AccessDenied", message);

    public static StorageError InvalidAccessKeyId() =>
        new(403, "InvalidAccessKeyId", "The AWS access key Id you provided does not exist in our records.");

    public static StorageError SignatureDoesNotMatch() => new(403, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.");

    public static StorageError RequestTimeTooSkewed() =>
        new(403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.");

    public static StorageError Expired() => new(403, "AccessDenied", "Request has expired");

    public static StorageError AuthorizationHeaderMalformed(string message) => new(400, "AuthorizationHeaderMalformed", message);

    public static StorageError AuthorizationQueryParametersError(string message) => new(400, "AuthorizationQueryParametersError", message);

    public static StorageError InvalidRequest(string message) => new(400, "InvalidRequest", message);

    public static StorageError InvalidArgument(string message) => new(400, "InvalidArgument", message);

    public static StorageError MalformedXml() =>
        new(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.");

    public static StorageError BadDigest() => new(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");

    public static StorageError IncompleteBody() => new(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");

    public static StorageError BucketAlreadyOwnedByYou() =>
        new(409, "BucketAlreadyOwnedByYou", "The bucket you tried to create already exists, and you own it.");

    public static StorageError BucketNotEmpty() => new(409, "BucketNotEmpty", "The bucket you tried to delete is not empty");

    public static StorageError MethodNotAllowed() => new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}
