using System.Security.Cryptography;
using MadBase.ServiceDefaults.Projects;
using Microsoft.AspNetCore.Http;

namespace MadBase.ServiceDefaults.Storage;

/// <summary>
/// A project's S3 access keys (storage.s3_access_keys), kept in the project's own database. Control creates and
/// revokes them, so the table is its own migration module that Control can bring up before the first worker
/// has served the project; the Worker registers it with its Storage module.
/// </summary>
/// <remarks>
/// SigV4 is an HMAC, so the verifier needs each secret in clear; it is protected by the table's grants: none to
/// PUBLIC, anon, authenticated or service_role (so no API request, whatever its role, can read it), SELECT only
/// to the project's login role (the Worker, outside any SET ROLE). Control returns a secret once, at creation.
/// </remarks>
public sealed class S3AccessKeyMigrations : ITenantMigrationSource
{
    private const string Version1 = """
        CREATE TABLE IF NOT EXISTS storage.s3_access_keys (
            access_key_id text PRIMARY KEY,
            secret_access_key text NOT NULL,
            description text NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now());
        REVOKE ALL ON storage.s3_access_keys FROM PUBLIC, anon, authenticated, service_role;
        DO $$ BEGIN
            EXECUTE format('GRANT USAGE ON SCHEMA storage TO %I', current_setting('madbase.authenticator'));
            EXECUTE format('GRANT SELECT ON storage.s3_access_keys TO %I', current_setting('madbase.authenticator'));
        END $$;
        """;

    public string Module => "storage-s3";

    public IReadOnlyList<TenantMigration> Migrations { get; } = [new(1, "s3-access-keys", Version1)];
}

/// <summary>
/// S3 access key ids name their project, so the Gateway can route a SigV4 request, which carries no apikey:
/// <c>&lt;ref&gt;.&lt;32 hex&gt;</c> for a generated key, or the bare ref for session-token access (Supabase's
/// scheme: access key id = project ref, secret = anon key, session token = the user's JWT). The name only routes:
/// the signature is checked against that project's own keys, so a key id naming another project gets nowhere.
/// </summary>
public static class S3AccessKeyIds
{
    /// <summary>Where S3 clients send requests; a project ref cannot contain the separator.</summary>
    public static readonly PathString ProtocolPath = "/storage/v1/s3";

    private const char Separator = '.';

    public static string New(string projectRef) => projectRef + Separator + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>The ref an access key id names, or null when it names none.</summary>
    public static string? ProjectRef(string accessKeyId)
    {
        var dot = accessKeyId.IndexOf(Separator, StringComparison.Ordinal);
        var projectRef = dot < 0 ? accessKeyId : accessKeyId[..dot];
        return ProjectRefs.IsValid(projectRef) ? projectRef : null;
    }

    /// <summary>The access key id of a SigV4 request: from its Authorization header, or a presigned URL's X-Amz-Credential.</summary>
    public static string? FromRequest(HttpRequest request)
    {
        const string credential = "Credential=";
        var authorization = request.Headers.Authorization.ToString();
        string scope;
        if (authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal)
            && authorization.IndexOf(credential, StringComparison.Ordinal) is var at and >= 0)
        {
            scope = authorization[(at + credential.Length)..];
        }
        else
        {
            scope = request.Query["X-Amz-Credential"].ToString();
        }

        var slash = scope.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? scope[..slash] : null;
    }
}
