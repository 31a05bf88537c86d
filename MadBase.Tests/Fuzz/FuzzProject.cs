using MadBase.Tests.Infrastructure;
using MadBase.Tests.Rest;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// The one project every fuzz family runs against, created once per stack: the Rest library schema (the
/// same authors and books the parser fuzz plans against), two buckets with objects, a signed-in user, and
/// auth rate limits out of the way so the handlers, not the limiter, answer the fuzz.
/// </summary>
internal sealed class FuzzProject
{
    private static readonly Dictionary<string, Lazy<Task<FuzzProject>>> Shared = [];

    private FuzzProject(TestProject project, string userToken, string signedUrl)
    {
        Project = project;
        UserToken = userToken;
        SignedUrl = signedUrl;
        Tokens = new FuzzTokens(project.JwtSecret, project.Ref);
    }

    public TestProject Project { get; }

    public string ApiUrl => Project.Stack.ApiUrl;

    public string AnonKey => Project.AnonKey;

    public string ServiceRoleKey => Project.ServiceRoleKey;

    public string Ref => Project.Ref;

    public string AdminPassword => Project.Stack.AdminPassword;

    /// <summary>An access token of a real user of this project, from /auth/v1/signup.</summary>
    public string UserToken { get; }

    /// <summary>A valid signed download URL's path and query, <c>/storage/v1/object/sign/fz/…?token=…</c>.</summary>
    public string SignedUrl { get; }

    public FuzzTokens Tokens { get; }

    public static Task<FuzzProject> SharedAsync(StackFixture stack)
    {
        lock (Shared)
        {
            if (!Shared.TryGetValue(stack.ApiUrl, out var project))
            {
                project = new Lazy<Task<FuzzProject>>(() => CreateAsync(stack));
                Shared[stack.ApiUrl] = project;
            }

            return project.Value;
        }
    }

    /// <summary>The headers of a request that gets past the gateway and the tenant check as <paramref name="bearer"/>.</summary>
    public List<KeyValuePair<string, string>> Headers(string bearer) => [new("apikey", AnonKey), new("Authorization", "Bearer " + bearer)];

    private static async Task<FuzzProject> CreateAsync(StackFixture stack)
    {
        var settings = new
        {
            auth = new
            {
                autoconfirm = true,
                anonymous_sign_ins = true,
                rate_limit_token_refresh = 1_000_000,
                rate_limit_otp = 1_000_000,
                rate_limit_verify = 1_000_000,
                rate_limit_anonymous_users = 1_000_000,
                rate_limit_passkey = 1_000_000,
                passkey = new { enabled = true },
                mfa = new { web_authn = new { enroll_enabled = true, verify_enabled = true } },
                // Phone and Web3 sign-in on, so their handlers (SMS captured, not sent) meet the fuzz too.
                phone_enabled = true,
                sms = new { max_frequency_seconds = 0, rate_limit_sent = 0 },
                web3 = new { ethereum_enabled = true, solana_enabled = true, rate_limit = 1_000_000 },
            },
            rest = new { aggregates_enabled = true },
        };
        var project = await TestProject.SharedAsync(stack, "fuzz", RestFixtureSql.Library + RestFixtureSql.WriteRules, settings);

        var signup = await SendAsync(project, HttpMethod.Post, "/auth/v1/signup", project.AnonKey, """{"email":"fuzz@example.com","password":"secret-123"}""");
        var userToken = signup.Element.GetProperty("access_token").GetString()!;

        foreach (var bucket in new[] { """{"id":"fz","name":"fz","public":true}""", """{"id":"fzp","name":"fzp","public":false,"file_size_limit":1000,"allowed_mime_types":["text/plain"]}""" })
        {
            await SendAsync(project, HttpMethod.Post, "/storage/v1/bucket", project.ServiceRoleKey, bucket);
        }

        foreach (var name in new[] { "fz/a.txt", "fz/dir/b.txt", "fzp/c.txt" })
        {
            await SendAsync(project, HttpMethod.Post, "/storage/v1/object/" + name, project.ServiceRoleKey, "hello", "text/plain");
        }

        var signed = await SendAsync(project, HttpMethod.Post, "/storage/v1/object/sign/fz/a.txt", project.ServiceRoleKey, """{"expiresIn":3600}""");
        var signedUrl = "/storage/v1" + signed.Element.GetProperty("signedURL").GetString()!;
        return new FuzzProject(project, userToken, signedUrl);
    }

    private static async Task<ApiResponse> SendAsync(TestProject project, HttpMethod method, string path, string bearer, string body, string contentType = "application/json")
    {
        var response = await project.SendAsync(method, path, body, bearer, ("Content-Type", contentType));
        Assert.True(response.Status is >= System.Net.HttpStatusCode.OK and < System.Net.HttpStatusCode.MultipleChoices, $"{method} {path}: {(int)response.Status} {response.Body}");
        return response;
    }
}
