using System.Text.Json;

namespace MadBase.Worker.Storage;

/// <summary>
/// storage-api's error (src/internal/errors/storage-error.ts): the body carries the real status as a
/// string, <c>{"statusCode":"404","code":"NoSuchKey","error":"not_found","message":"Object not found"}</c>,
/// while the HTTP status is 400 for every error that is not a 500 (its <c>userStatusCode</c>).
/// </summary>
internal sealed class StorageError(int status, string code, string message, string? error = null) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string Error { get; } = error ?? code;

    public int HttpStatus => Status >= 500 ? Status : StatusCodes.Status400BadRequest;

    public static StorageError NoSuchBucket() => new(404, "NoSuchBucket", "Bucket not found", "Bucket not found");

    public static StorageError NoSuchKey() => new(404, "NoSuchKey", "Object not found", "not_found");

    public static StorageError InvalidJwt(string message) => new(400, "InvalidJWT", message);

    public static StorageError AccessDenied(string message) => new(403, "AccessDenied", message, "Unauthorized");

    public static StorageError InvalidRequest(string message) => new(400, "InvalidRequest", message);

    public static StorageError InvalidKey(string key) => new(400, "InvalidKey", $"Invalid key: {key}");

    public static StorageError InvalidBucketName() => new(400, "InvalidBucketName", "Bucket name invalid", "Invalid Input");

    public static StorageError Duplicate() => new(409, "Duplicate", "The resource already exists", "Duplicate");

    public static StorageError BucketNotEmpty() => new(409, "ResourceNotEmpty", "The bucket you tried to delete is not empty");

    public static StorageError EntityTooLarge() => new(413, "EntityTooLarge", "The object exceeded the maximum allowed size", "Payload too large");

    public static StorageError InvalidMimeType(string mimeType) => new(415, "InvalidMimeType", $"mime type {mimeType} is not supported", "invalid_mime_type");

    public static StorageError InvalidSignature(string message = "Invalid signature") => new(400, "InvalidSignature", message);

    public static StorageError ExpiredToken() => new(400, "ExpiredToken", "The provided token has expired.");

    public static StorageError InvalidRange() => new(416, "InvalidRange", "invalid range provided", "invalid_range");

    public static StorageError Internal() => new(500, "InternalError", "Internal server error");

    public static StorageError DatabaseUnavailable() => new(503, "DatabaseError", "Database is not available, try again later", "Service Unavailable");

    public Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = HttpStatus;
        response.ContentType = "application/json";
        var body = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["statusCode"] = Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["code"] = Code,
            ["error"] = Error,
            ["message"] = Message,
        });
        return response.WriteAsync(body, context.RequestAborted);
    }
}

/// <summary>Lets handlers return a <see cref="StorageError"/> as an IResult.</summary>
internal sealed class StorageErrorResult(StorageError error) : IResult
{
    public StorageError Error => error;

    public Task ExecuteAsync(HttpContext httpContext) => error.WriteAsync(httpContext);
}
