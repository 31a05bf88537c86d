using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>
/// What /storage/v1/s3 refuses, signed by the real AWS SDK for .NET (AWSSDK.S3): a wrong secret or region, an
/// expired presigned URL, a revoked key, another project's key, a forged project header, a storage-api bearer
/// instead of SigV4, and RLS under a session token. What it serves is e2e/s3.test.mjs.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class S3ProtocolTests(SecondStackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;
    private S3Key key = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.SharedAsync(stack, "s3 protocol", """
            INSERT INTO storage.buckets (id, name) VALUES ('s3-tests', 's3-tests') ON CONFLICT DO NOTHING;
            """);
        key = await CreateKeyAsync(project);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AccessKey_SignedCorrectly_ListsBucketsAsServiceRole()
    {
        using var client = Client(key.Id, key.Secret);
        var buckets = await client.ListBucketsAsync();
        Assert.Contains(buckets.Buckets, b => b.BucketName == "s3-tests");
    }

    [Fact]
    public async Task WrongSecret_SignatureDoesNotMatch()
    {
        using var client = Client(key.Id, key.Secret + "0");
        await AssertRefusedAsync(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", () => client.ListBucketsAsync());
    }

    [Fact]
    public async Task WrongRegion_Refused()
    {
        // (The SDK's S3 signer always signs for the service "s3", so a wrong service cannot be sent from it.)
        using var region = Client(key.Id, key.Secret, config => config.AuthenticationRegion = "eu-west-1");
        await AssertRefusedAsync(HttpStatusCode.BadRequest, "AuthorizationHeaderMalformed", () => region.ListBucketsAsync());
    }

    [Fact]
    public async Task RevokedKey_InvalidAccessKeyId()
    {
        var revoked = await CreateKeyAsync(project);
        using var client = Client(revoked.Id, revoked.Secret);
        await client.ListBucketsAsync();

        (await project.AdminAsync(HttpMethod.Delete, $"/storage/s3-access-keys/{revoked.Id}")).AssertStatus(204);
        await AssertRefusedAsync(HttpStatusCode.Forbidden, "InvalidAccessKeyId", () => client.ListBucketsAsync());
        (await project.AdminAsync(HttpMethod.Delete, $"/storage/s3-access-keys/{revoked.Id}")).AssertStatus(404);
    }

    [Fact]
    public async Task OtherProjectsKey_NeverReachesThisProject()
    {
        var other = await TestProject.CreateAsync(stack, "s3 other project");
        var otherKey = await CreateKeyAsync(other);

        // The other project's secret under an id naming this project: routed here, unknown here.
        var suffix = otherKey.Id[(otherKey.Id.IndexOf('.', StringComparison.Ordinal) + 1)..];
        using var renamed = Client($"{project.Ref}.{suffix}", otherKey.Secret);
        await AssertRefusedAsync(HttpStatusCode.Forbidden, "InvalidAccessKeyId", () => renamed.ListBucketsAsync());

        // Its own key with a forged project header (and this project's apikey): still the other project, or refused.
        using var forged = Client(otherKey.Id, otherKey.Secret);
        forged.BeforeRequestEvent += (_, e) =>
        {
            if (e is WebServiceRequestEventArgs request)
            {
                request.Headers["X-MadBase-Project"] = project.Ref;
                request.Headers["apikey"] = project.AnonKey;
            }
        };
        await AssertRefusedAsync(HttpStatusCode.Forbidden, "InvalidAccessKeyId", () => forged.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "s3-tests" }));
    }

    [Fact]
    public async Task ExpiredPresignedUrl_AccessDenied()
    {
        using var client = Client(key.Id, key.Secret);
        await client.PutObjectAsync(new PutObjectRequest { BucketName = "s3-tests", Key = "presign/expiring.txt", ContentBody = "soon gone" });
        var url = await client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = "s3-tests",
            Key = "presign/expiring.txt",
            Verb = HttpVerb.GET,
            Protocol = Protocol.HTTP,
            // Three seconds: the SDK writes X-Amz-Expires in whole seconds counted from its own clock reading,
            // so a one-second URL could already be expired when the first GET (on a loaded machine) arrives.
            Expires = DateTime.UtcNow.AddSeconds(3),
        });

        using (var fresh = await TestHttp.Client.GetAsync(url))
        {
            Assert.Equal("soon gone", await fresh.Content.ReadAsStringAsync());
        }

        // Ask until it is refused (bounded), rather than sleeping a fixed time.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        ApiResponse expired;
        do
        {
            using var response = await TestHttp.Client.GetAsync(url);
            expired = await ApiResponse.ReadAsync(response);
        }
        while (expired.Status == HttpStatusCode.OK && DateTime.UtcNow < deadline && await Task.Delay(200).ContinueWith(_ => true));

        expired.AssertStatus(403);
        Assert.Contains("<Code>AccessDenied</Code>", expired.Body, StringComparison.Ordinal);
        Assert.Contains("Request has expired", expired.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StorageApiBearer_IsNotSigV4()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, project.Stack.ApiUrl + "/storage/v1/s3/s3-tests?list-type=2");
        request.Headers.Add("apikey", project.ServiceRoleKey);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", project.ServiceRoleKey);
        using var response = await TestHttp.Client.SendAsync(request);
        var answer = await ApiResponse.ReadAsync(response);
        answer.AssertStatus(403);
        Assert.Contains("<Code>AccessDenied</Code>", answer.Body, StringComparison.Ordinal);

        using var unsigned = await TestHttp.Client.GetAsync(project.Stack.ApiUrl + "/storage/v1/s3/");
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
    }

    [Fact]
    public async Task SessionToken_RlsDecides()
    {
        var alice = Guid.NewGuid();
        await project.ExecuteAsync($"""
            CREATE POLICY "s3 own folder {alice}" ON storage.objects FOR ALL TO authenticated
                USING (bucket_id = 's3-tests' AND (storage.foldername(name))[1] = '{alice}')
                WITH CHECK (bucket_id = 's3-tests' AND (storage.foldername(name))[1] = '{alice}');
            """);
        using var user = Client(project.Ref, project.AnonKey, sessionToken: project.UserToken(alice));

        await user.PutObjectAsync(new PutObjectRequest { BucketName = "s3-tests", Key = $"{alice}/mine.txt", ContentBody = "mine" });
        await AssertRefusedAsync(HttpStatusCode.Forbidden, "AccessDenied",
            () => user.PutObjectAsync(new PutObjectRequest { BucketName = "s3-tests", Key = "someone-else/forged.txt", ContentBody = "x" }));
        Assert.Equal(0, await project.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE name = 'someone-else/forged.txt'"));

        // The anon key signs, but the session token must be the project's JWT.
        using var forged = Client(project.Ref, project.AnonKey, sessionToken: "not-a-jwt");
        await AssertRefusedAsync(HttpStatusCode.BadRequest, "InvalidToken", () => forged.ListBucketsAsync());

        // Without a session token the bare ref is no access key.
        using var bare = Client(project.Ref, project.AnonKey);
        await AssertRefusedAsync(HttpStatusCode.Forbidden, "InvalidAccessKeyId", () => bare.ListBucketsAsync());
    }

    [Fact]
    public async Task AdminApi_ValidatesAndHidesSecrets()
    {
        (await project.AdminAsync(HttpMethod.Post, "/storage/s3-access-keys", new { description = new string('x', 201) })).AssertStatus(400);
        (await project.AdminAsync(HttpMethod.Post, "/storage/s3-access-keys", "not json")).AssertStatus(400);
        var listed = await project.AdminAsync(HttpMethod.Get, "/storage/s3-access-keys");
        listed.AssertStatus(200);
        Assert.Contains(key.Id, listed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Secret, listed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", listed.Body, StringComparison.Ordinal);

        // No API role can read the secrets, service_role included.
        var exposed = await project.ScalarAsync<bool>(
            "SELECT has_table_privilege('service_role', 'storage.s3_access_keys', 'SELECT') OR has_table_privilege('anon', 'storage.s3_access_keys', 'SELECT') OR has_table_privilege('authenticated', 'storage.s3_access_keys', 'SELECT')");
        Assert.False(exposed);
    }

    private static async Task<S3Key> CreateKeyAsync(TestProject owner)
    {
        var created = await owner.AdminAsync(HttpMethod.Post, "/storage/s3-access-keys", new { description = "xunit" });
        created.AssertStatus(201);
        var body = created.Element;
        return new S3Key(body.GetProperty("access_key_id").GetString()!, body.GetProperty("secret_access_key").GetString()!);
    }

    private AmazonS3Client Client(string accessKeyId, string secret, Action<AmazonS3Config>? configure = null, string? sessionToken = null)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = project.Stack.ApiUrl + "/storage/v1/s3",
            ForcePathStyle = true,
            AuthenticationRegion = "local",
            MaxErrorRetry = 0,
        };
        configure?.Invoke(config);
        AWSCredentials credentials = sessionToken is null
            ? new BasicAWSCredentials(accessKeyId, secret)
            : new SessionAWSCredentials(accessKeyId, secret, sessionToken);
        return new AmazonS3Client(credentials, config);
    }

    private static async Task AssertRefusedAsync(HttpStatusCode status, string code, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(call);
        Assert.Equal((status, code), (error.StatusCode, error.ErrorCode));
    }

    private sealed record S3Key(string Id, string Secret);
}
