using System.Xml.Linq;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.RequestIds;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// Renders what /storage/v1/s3 requests run into as S3 does: <c>&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;&lt;Resource/&gt;&lt;RequestId/&gt;&lt;/Error&gt;</c>
/// with the real status code (never storage-api's blanket 400). The verdicts are the Storage module's own
/// (<see cref="StorageErrorRenderer.ToStorageError"/>), so RLS refusals and constraint errors mean the same on both doors.
/// </summary>
internal sealed class S3ErrorRenderer(StorageErrorRenderer storage) : IModuleErrorRenderer
{
    public IResult TenantFailed(TenantRequest failed) => failed.Failure switch
    {
        TenantFailure.NoProject or TenantFailure.UnknownProject => Result(S3Errors.InvalidAccessKeyId()),
        _ => Result(new StorageError(400, "InvalidToken", "The provided token is malformed or otherwise invalid: " + failed.FailureMessage)),
    };

    public IResult? QueryNotStorable() => Result(S3Errors.InvalidArgument(PostgresText.Refusal));

    public IResult TextNotStorable(PostgresException refused) => Result(S3Errors.InvalidArgument("invalid input"));

    public IResult DatabaseUnavailable(Exception error) => Result(new StorageError(503, "ServiceUnavailable", "Please reduce your request rate."));

    public IResult? Render(Exception error, TenantRequest tenant) =>
        storage.ToStorageError(error) is { } known ? Result(S3Shape(known)) : null;

    public static IResult Result(StorageError error) => new S3ErrorResult(error);

    /// <summary>storage-api's codes where S3 names the same condition differently.</summary>
    private static StorageError S3Shape(StorageError error) => error.Code switch
    {
        "InvalidJWT" => new StorageError(400, "InvalidToken", error.Message),
        "Duplicate" => new StorageError(409, "BucketAlreadyOwnedByYou", error.Message),
        "EntityTooLarge" => new StorageError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size."),
        "InvalidKey" => new StorageError(400, "InvalidArgument", error.Message),
        "DatabaseError" => new StorageError(503, "ServiceUnavailable", error.Message),
        _ => error,
    };

    private sealed class S3ErrorResult(StorageError error) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = error.Status;
            if (HttpMethods.IsHead(httpContext.Request.Method))
            {
                // A HEAD answer has no body; S3 clients read the status alone.
                return Task.CompletedTask;
            }

            response.ContentType = "application/xml";
            var document = new XDocument(
                new XDeclaration("1.0", "UTF-8", null),
                new XElement(
                    "Error",
                    new XElement("Code", error.Code),
                    new XElement("Message", error.Message),
                    new XElement("Resource", httpContext.Request.Path.Value),
                    new XElement("RequestId", httpContext.Response.Headers[RequestId.HeaderName].ToString())));
            return response.WriteAsync(document.Declaration + document.ToString(SaveOptions.DisableFormatting), httpContext.RequestAborted);
        }
    }
}
