using System.Globalization;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Storage;
using MadBase.Worker.Tenancy;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// The door of <c>/storage/v1/s3</c>: checks the request's SigV4 signature (header or presigned query) against the
/// project's keys, then lets it in as the caller the credential stands for, as a bearer token the tenant resolver
/// verifies like any other: an access key acts as the project's service_role (storage-api's S3 keys bypass RLS),
/// a session token (access key id = project ref, secret = anon key, as Supabase's S3 authentication) as the
/// user whose JWT it is, under RLS. Whatever Authorization the client sent is replaced, so nothing reaches the
/// S3 handlers unsigned. The body is swapped for one that checks the signed payload hash or decodes aws-chunked.
/// </summary>
internal sealed class S3Authentication(
    RequestDelegate next, ProjectDirectory projects, TenantDatabases databases, IOptions<StorageOptions> options, TimeProvider time)
{
    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await AuthenticateAsync(context);
        }
        catch (StorageError refused)
        {
            await S3ErrorRenderer.Result(refused).ExecuteAsync(context);
            return;
        }
        catch (ProjectDatabaseUnavailableException)
        {
            await S3ErrorRenderer.Result(new StorageError(503, "ServiceUnavailable", "Please reduce your request rate.")).ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    private async Task AuthenticateAsync(HttpContext context)
    {
        var request = context.Request;
        var signed = SigV4Request.Parse(request);
        var project = await projects.FindAsync(request.Headers[ProjectHeaders.ProjectRef].ToString(), context.RequestAborted);
        if (project is null || S3AccessKeyIds.ProjectRef(signed.AccessKeyId) != project.Ref)
        {
            throw S3Errors.InvalidAccessKeyId();
        }

        var region = options.Value.S3ProtocolRegion;
        if (signed.Region != region || signed.Service != "s3")
        {
            throw S3Errors.AuthorizationHeaderMalformed(
                $"the credential's region '{signed.Region}' and service '{signed.Service}' are wrong; expecting '{region}' and 's3'");
        }

        CheckTime(signed);
        var (secret, bearer) = signed.SessionToken is { } session
            ? (signed.AccessKeyId == project.Ref ? project.AnonKey : throw S3Errors.InvalidAccessKeyId(), session)
            : (await FindSecretAsync(project, signed.AccessKeyId, context.RequestAborted) ?? throw S3Errors.InvalidAccessKeyId(), project.ServiceRoleKey);

        var key = SignatureV4.SigningKey(secret, signed);
        var expected = SignatureV4.Sign(key, SignatureV4.StringToSign(signed, SignatureV4.CanonicalRequest(request, signed)));
        if (!SignatureV4.Matches(expected, signed.Signature))
        {
            throw S3Errors.SignatureDoesNotMatch();
        }

        request.Headers.Authorization = "Bearer " + bearer;
        WrapBody(request, signed, key, expected);

        // Objects and parts are bounded while they stream (the project's and bucket's size limits), XML bodies by
        // their reader; Kestrel's default 30 MB cap would cut large ones short.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }
    }

    private void CheckTime(SigV4Request signed)
    {
        var now = time.GetUtcNow();
        if (signed.PresignedFor is { } lifetime)
        {
            if (now > signed.SignedAt + lifetime)
            {
                throw S3Errors.Expired();
            }

            if (signed.SignedAt - now > MaxSkew)
            {
                throw S3Errors.RequestTimeTooSkewed();
            }
        }
        else if ((now - signed.SignedAt).Duration() > MaxSkew)
        {
            throw S3Errors.RequestTimeTooSkewed();
        }
    }

    private static void WrapBody(HttpRequest request, SigV4Request signed, byte[] key, string seedSignature)
    {
        var payload = signed.PayloadHash;
        if (payload == SigV4Request.UnsignedPayload)
        {
            return;
        }

        if (payload.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            var signing = payload switch
            {
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" or "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" =>
                    new ChunkSigning(key, signed.Scope, signed.AmzDate, seedSignature),
                "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => null,
                _ => throw S3Errors.InvalidArgument("unsupported x-amz-content-sha256: " + payload),
            };
            long? decoded = long.TryParse(request.Headers["x-amz-decoded-content-length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                ? length
                : null;
            request.Body = new AwsChunkedStream(request.Body, signing, decoded);

            // The size limits downstream read the object's size, not the encoded one.
            request.ContentLength = decoded;
            return;
        }

        if (payload.Length != 64 || !payload.All(Uri.IsHexDigit))
        {
            throw S3Errors.InvalidArgument("x-amz-content-sha256 must be a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* value");
        }

        request.Body = new PayloadHashStream(request.Body, payload);
    }

    /// <summary>The key's secret, read as the project's login role: no API role may read the table (see <see cref="S3AccessKeyMigrations"/>).</summary>
    private async Task<string?> FindSecretAsync(Project project, string accessKeyId, CancellationToken cancellationToken)
    {
        await using var connection = await databases.OpenConnectionAsync(project, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT secret_access_key FROM storage.s3_access_keys WHERE access_key_id = $1", connection);
        command.Parameters.AddWithValue(accessKeyId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
