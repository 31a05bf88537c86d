using System.Globalization;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// What a SigV4-signed request claims, from its <c>Authorization: AWS4-HMAC-SHA256 …</c> header or, for a presigned
/// URL, its <c>X-Amz-*</c> query parameters. Parsing only: <see cref="SignatureV4"/> decides whether it holds.
/// </summary>
internal sealed record SigV4Request(
    string AccessKeyId,
    string Date,
    string Region,
    string Service,
    IReadOnlyList<string> SignedHeaders,
    string Signature,
    DateTimeOffset SignedAt,
    string AmzDate,
    string? SessionToken,
    TimeSpan? PresignedFor,
    string PayloadHash)
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>The scope the signing key is derived for: <c>date/region/service/aws4_request</c>.</summary>
    public string Scope => $"{Date}/{Region}/{Service}/aws4_request";

    public bool Presigned => PresignedFor is not null;

    /// <summary>The request's SigV4 claims, or an S3 error saying what is missing or malformed.</summary>
    public static SigV4Request Parse(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return FromHeader(request, authorization[(Algorithm.Length + 1)..]);
        }

        if (request.Query.ContainsKey("X-Amz-Signature"))
        {
            return FromQuery(request);
        }

        throw S3Errors.AccessDenied("requests to the S3 protocol must be signed with AWS Signature Version 4");
    }

    private static SigV4Request FromHeader(HttpRequest request, string parameters)
    {
        var parts = parameters.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var amzDate = request.Headers["x-amz-date"].ToString();
        var payloadHash = request.Headers["x-amz-content-sha256"].ToString();
        if (!parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signedHeaders)
            || !parts.TryGetValue("Signature", out var signature))
        {
            throw S3Errors.AuthorizationHeaderMalformed("the Authorization header needs Credential, SignedHeaders and Signature");
        }

        if (payloadHash.Length == 0)
        {
            throw S3Errors.InvalidRequest("Missing required header for this request: x-amz-content-sha256");
        }

        var session = request.Headers["x-amz-security-token"].ToString();
        return Build(credential, signedHeaders, signature, amzDate, session, null, payloadHash);
    }

    private static SigV4Request FromQuery(HttpRequest request)
    {
        var query = request.Query;
        if (query["X-Amz-Algorithm"].ToString() != Algorithm)
        {
            throw S3Errors.AuthorizationQueryParametersError("X-Amz-Algorithm must be " + Algorithm);
        }

        if (!int.TryParse(query["X-Amz-Expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires is < 1 or > 604800)
        {
            throw S3Errors.AuthorizationQueryParametersError("X-Amz-Expires must be a number of seconds from 1 to 604800");
        }

        var session = query["X-Amz-Security-Token"].ToString();
        return Build(
            query["X-Amz-Credential"].ToString(), query["X-Amz-SignedHeaders"].ToString(), query["X-Amz-Signature"].ToString(),
            query["X-Amz-Date"].ToString(), session, TimeSpan.FromSeconds(expires), UnsignedPayload);
    }

    private static SigV4Request Build(
        string credential, string signedHeaders, string signature, string amzDate, string session, TimeSpan? presignedFor, string payloadHash)
    {
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[0].Length == 0 || scope[4] != "aws4_request")
        {
            throw S3Errors.AuthorizationHeaderMalformed("Credential must be <access key id>/<date>/<region>/<service>/aws4_request");
        }

        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            throw S3Errors.AccessDenied("the request's X-Amz-Date is missing or not in ISO 8601 basic format");
        }

        if (!amzDate.StartsWith(scope[1], StringComparison.Ordinal))
        {
            throw S3Errors.AuthorizationHeaderMalformed("the credential's date does not match X-Amz-Date");
        }

        var headers = signedHeaders.Split(';');
        if (signature.Length != 64 || !headers.Contains("host"))
        {
            throw S3Errors.AuthorizationHeaderMalformed("SignedHeaders must include host, and Signature must be 64 hex digits");
        }

        return new SigV4Request(scope[0], scope[1], scope[2], scope[3], headers, signature, signedAt, amzDate,
            session.Length == 0 ? null : session, presignedFor, payloadHash);
    }
}
