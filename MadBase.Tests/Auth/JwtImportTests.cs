using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using MadBase.ServiceDefaults.Security;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

/// <summary>
/// A Supabase project moving in with its tokens still valid: its legacy JWT secret and keys set through the
/// admin API, its asymmetric keys imported as JWKs, and tokens signed by them accepted through the real stack.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JwtImportTests(StackFixture stack)
{
    private const string WhoAmI = """
        CREATE FUNCTION public.whoami() RETURNS text LANGUAGE sql STABLE AS $$ SELECT auth.role() || ':' || coalesce(auth.uid()::text, '') $$;
        GRANT EXECUTE ON FUNCTION public.whoami() TO anon, authenticated, service_role;
        """;

    [Fact]
    public async Task SetJwtSecret_OldProjectsKeysAndTokensWork_ReplacedKeysDoNot()
    {
        var project = await TestProject.CreateAsync(stack, "jwt secret import", setupSql: WhoAmI);
        const string oldSecret = "the-old-supabase-projects-jwt-secret-0123456789";
        var now = DateTimeOffset.UtcNow;
        var oldAnon = JwtIssuer.ApiKey(project.Ref, "anon", oldSecret, now.AddYears(-1));
        var oldServiceRole = JwtIssuer.ApiKey(project.Ref, "service_role", oldSecret, now.AddYears(-1));
        var user = Guid.NewGuid();
        var userToken = JwtIssuer.Sign(
            new Dictionary<string, object>
            {
                ["sub"] = user.ToString(),
                ["role"] = "authenticated",
                ["aud"] = "authenticated",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
            },
            oldSecret);
        (await WhoAmIAsync(oldAnon, null)).AssertStatus(401);

        var otherSecretsKey = JwtIssuer.ApiKey(project.Ref, "anon", "another-secret-of-at-least-32-characters", now);
        (await project.AdminAsync(HttpMethod.Put, "/jwt_secret", new { jwt_secret = oldSecret, anon_key = otherSecretsKey })).AssertStatus(400);
        (await project.AdminAsync(HttpMethod.Put, "/jwt_secret", new { jwt_secret = oldSecret, anon_key = oldServiceRole })).AssertStatus(400);
        (await project.AdminAsync(HttpMethod.Put, "/jwt_secret", new { jwt_secret = "short" })).AssertStatus(400);

        var set = await project.AdminAsync(
            HttpMethod.Put, "/jwt_secret", new { jwt_secret = oldSecret, anon_key = oldAnon, service_role_key = oldServiceRole });
        set.AssertStatus(200);
        Assert.Equal(oldAnon, set.Element.GetProperty("anon_key").GetString());
        await TestProject.UntilEveryWorkerAsync(async () => (int)(await WhoAmIAsync(oldAnon, null)).Status == 200, "the imported secret");

        Assert.Equal("\"anon:\"", (await WhoAmIAsync(oldAnon, null)).Body);
        Assert.Equal($"\"authenticated:{user}\"", (await WhoAmIAsync(oldAnon, userToken)).Body);
        Assert.Equal("\"service_role:\"", (await WhoAmIAsync(oldServiceRole, null)).Body);
        (await WhoAmIAsync(project.AnonKey, null)).AssertStatus(401);
        (await WhoAmIAsync(oldAnon, project.UserToken(user))).AssertStatus(401);
    }

    [Fact]
    public async Task ImportedPublicJwk_VerifiesTokensSignedElsewhere_UntilRemoved()
    {
        var project = await TestProject.CreateAsync(stack, "jwk import", setupSql: WhoAmI);
        var elsewhere = SigningKey.Generate(SigningAlgorithms.ES256, DateTimeOffset.UtcNow);
        var user = Guid.NewGuid();
        var token = Token(user, elsewhere);
        (await WhoAmIAsync(project.AnonKey, token)).AssertStatus(401);

        var imported = await project.AdminAsync(HttpMethod.Post, "/jwt_signing/keys", new { jwk = elsewhere.PublicJwk() });
        imported.AssertStatus(201);
        var summary = imported.Element.GetProperty("signing_keys").EnumerateArray().Single(k => k.GetProperty("kid").GetString() == elsewhere.Kid);
        Assert.Equal("imported", summary.GetProperty("status").GetString());
        await TestProject.UntilEveryWorkerAsync(async () => (int)(await WhoAmIAsync(project.AnonKey, token)).Status == 200, "the imported key");

        Assert.Equal($"\"authenticated:{user}\"", (await WhoAmIAsync(project.AnonKey, token)).Body);
        var jwks = await project.AuthAsync(HttpMethod.Get, "/.well-known/jwks.json");
        Assert.Contains(jwks.Element.GetProperty("keys").EnumerateArray(), k => k.GetProperty("kid").GetString() == elsewhere.Kid);

        // The same kid again, a key that cannot sign made current, and keys of the wrong kind are refused.
        (await project.AdminAsync(HttpMethod.Post, "/jwt_signing/keys", new { jwk = elsewhere.PublicJwk() })).AssertStatus(409);
        (await project.AdminAsync(HttpMethod.Post, "/jwt_signing/keys", new { jwk = elsewhere.PublicJwk(), current = true })).AssertStatus(400);
        (await project.AdminAsync(HttpMethod.Post, "/jwt_signing/keys", new { jwk = new { kty = "oct", kid = "x", k = "c2VjcmV0" } })).AssertStatus(400);
        (await project.AdminAsync(HttpMethod.Post, "/jwt_signing/keys", new { jwk = new { kty = "EC", kid = "y", crv = "P-256", x = "AAAA", y = "AAAA" } })).AssertStatus(400);

        (await project.AdminAsync(HttpMethod.Delete, "/jwt_signing/keys/" + elsewhere.Kid)).AssertStatus(204);
        await TestProject.UntilEveryWorkerAsync(async () => (int)(await WhoAmIAsync(project.AnonKey, token)).Status == 401, "the removed key");
    }

    [Fact]
    public async Task ImportedPrivateRsaJwk_AsCurrent_SignsNewSessions()
    {
        var project = await TestProject.CreateAsync(stack, "jwk signing import");
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(includePrivateParameters: true);
        var jwk = new Dictionary<string, string>
        {
            ["kty"] = "RSA",
            ["kid"] = "old-project-key",
            ["alg"] = "RS256",
            ["n"] = B64(p.Modulus),
            ["e"] = B64(p.Exponent),
            ["d"] = B64(p.D),
            ["p"] = B64(p.P),
            ["q"] = B64(p.Q),
            ["dp"] = B64(p.DP),
            ["dq"] = B64(p.DQ),
            ["qi"] = B64(p.InverseQ),
        };

        var imported = await project.AdminAsync(HttpMethod.Post, "/jwt_signing/keys", new { jwk, current = true });
        imported.AssertStatus(201);
        Assert.Equal("RS256", imported.Element.GetProperty("settings").GetProperty("auth").GetProperty("jwt_signing").GetProperty("algorithm").GetString());
        Assert.Contains(imported.Element.GetProperty("signing_keys").EnumerateArray(),
            k => k.GetProperty("kid").GetString() == "old-project-key" && k.GetProperty("status").GetString() == "current");

        string? kid = null;
        await TestProject.UntilEveryWorkerAsync(
            async () =>
            {
                var signedUp = await project.SignUpAsync(AuthCalls.UniqueEmail("jwk"));
                kid = Jws.Header(signedUp.Element.GetProperty("access_token").GetString()!).GetProperty("kid").GetString();
                return kid == "old-project-key";
            },
            "the imported signing key");

        var (accessToken, _, _) = await project.SessionAsync(AuthCalls.UniqueEmail("jwk"));
        var publicKey = RSA.Create(rsa.ExportParameters(includePrivateParameters: false));
        var parts = accessToken.Split('.');
        Assert.True(publicKey.VerifyData(
            System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        (await project.AuthAsync(HttpMethod.Get, "/user", bearer: accessToken)).AssertStatus(200);
    }

    private async Task<ApiResponse> WhoAmIAsync(string apiKey, string? bearer)
    {
        using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/rest/v1/rpc/whoami", apiKey);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    private static string Token(Guid user, SigningKey key)
    {
        var now = DateTimeOffset.UtcNow;
        return JwtIssuer.Sign(
            new Dictionary<string, object>
            {
                ["sub"] = user.ToString(),
                ["role"] = "authenticated",
                ["aud"] = "authenticated",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
            },
            key);
    }

    private static string B64(byte[]? bytes) => Base64Url.EncodeToString(bytes!);
}
