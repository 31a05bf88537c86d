using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

/// <summary>
/// Projects that sign access tokens with RS256 or ES256 (<c>settings.auth.jwt_signing.algorithm</c>): tokens
/// name their key, the JWKS publishes it, every module accepts them, and forgeries are refused.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SigningKeyTests(StackFixture stack)
{
    private Task<TestProject> ProjectAsync(string algorithm) =>
        TestProject.CreateAsync(stack, "signing " + algorithm, new { auth = new { jwt_signing = new { algorithm } } });

    private static async Task<JsonElement[]> JwksAsync(TestProject auth)
    {
        var response = await auth.AuthAsync(HttpMethod.Get, "/.well-known/jwks.json");
        response.AssertStatus(200);
        Assert.Equal("public, max-age=600", response.Headers["Cache-Control"]);
        return [.. response.Element.GetProperty("keys").EnumerateArray()];
    }

    [Theory]
    [InlineData("RS256", "RSA")]
    [InlineData("ES256", "EC")]
    public async Task SignUpAndSignIn_AsymmetricProject_TokensNameKidAndVerifyAgainstJwks(string algorithm, string keyType)
    {
        var auth = await ProjectAsync(algorithm);
        var email = AuthCalls.UniqueEmail("sig");

        var (signedUp, refresh, _) = await auth.SessionAsync(email);
        var signedIn = await auth.SignInAsync(email);
        signedIn.AssertStatus(200);
        var refreshed = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = refresh });
        refreshed.AssertStatus(200);

        var jwk = Assert.Single(await JwksAsync(auth));
        Assert.Equal(keyType, jwk.GetProperty("kty").GetString());
        Assert.Equal(algorithm, jwk.GetProperty("alg").GetString());
        Assert.Equal("sig", jwk.GetProperty("use").GetString());
        Assert.Equal(new[] { "verify" }, jwk.GetProperty("key_ops").EnumerateArray().Select(o => o.GetString()));
        foreach (var privateMember in new[] { "d", "p", "q", "dp", "dq", "qi", "k" })
        {
            Assert.False(jwk.TryGetProperty(privateMember, out _), $"the JWKS shows the private member {privateMember}");
        }

        foreach (var token in new[] { signedUp, signedIn.Element.GetProperty("access_token").GetString()!, refreshed.Element.GetProperty("access_token").GetString()! })
        {
            var header = Jws.Header(token);
            Assert.Equal(algorithm, header.GetProperty("alg").GetString());
            Assert.Equal(jwk.GetProperty("kid").GetString(), header.GetProperty("kid").GetString());
            Assert.True(Jws.VerifyWithJwk(token, jwk), "the token's signature does not verify with the JWKS key");
            Assert.False(Jws.VerifyWithJwk(Jws.Replace(token, payloadJson: """{"role":"service_role"}"""), jwk));
            (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).AssertStatus(200);
        }
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("ES256")]
    public async Task RestAndStorage_AsymmetricUserToken_RunAsThatUser(string algorithm)
    {
        var auth = await ProjectAsync(algorithm);
        await auth.ScalarAsync<object>("""
            CREATE TABLE public.notes (id serial PRIMARY KEY, owner uuid NOT NULL DEFAULT auth.uid(), body text);
            ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own ON public.notes USING (owner = auth.uid()) WITH CHECK (owner = auth.uid());
            """);
        var (token, _, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("rest"));
        await TestProject.UntilEveryWorkerAsync(async () => (await RestAsync(auth, HttpMethod.Get, "/rest/v1/notes?limit=0", null)).Status == HttpStatusCode.OK, "the notes table");

        var inserted = await RestAsync(auth, HttpMethod.Post, "/rest/v1/notes", token, """{"body":"mine"}""");
        var mine = await RestAsync(auth, HttpMethod.Get, "/rest/v1/notes?select=owner,body", token);
        var anonymous = await RestAsync(auth, HttpMethod.Get, "/rest/v1/notes", null);
        var buckets = await RestAsync(auth, HttpMethod.Get, "/storage/v1/bucket", token);

        inserted.AssertStatus(201);
        mine.AssertStatus(200);
        var row = Assert.Single(mine.Element.EnumerateArray());
        Assert.Equal(userId, row.GetProperty("owner").GetString());
        Assert.Equal("[]", anonymous.Body);
        buckets.AssertStatus(200);
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("ES256")]
    public async Task ForgedTokens_AsymmetricProject_AreRefusedByAuthAndRest(string algorithm)
    {
        var auth = await ProjectAsync(algorithm);
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("forge"));
        var jwk = Assert.Single(await JwksAsync(auth));
        var kid = jwk.GetProperty("kid").GetString();
        var payload = Jws.Payload(token);
        var elevated = payload.Replace("\"role\":\"authenticated\"", "\"role\":\"service_role\"", StringComparison.Ordinal);
        Assert.NotEqual(payload, elevated);
        var confusedHeader = $$"""{"alg":"HS256","kid":"{{kid}}","typ":"JWT"}""";
        var otherAlgorithm = algorithm == "RS256" ? "ES256" : "RS256";

        var forgeries = new Dictionary<string, string>
        {
            ["tampered payload"] = Jws.Replace(token, payloadJson: elevated),
            ["alg none"] = Jws.Encode(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"JWT"}""")) + "." + Jws.Encode(Encoding.UTF8.GetBytes(elevated)) + ".",
            ["HS256 keyed with the public key PEM"] = Jws.Hs256(confusedHeader, elevated, Encoding.UTF8.GetBytes(Jws.PublicKeyPem(jwk))),
            ["HS256 keyed with the JWK JSON"] = Jws.Hs256(confusedHeader, elevated, Encoding.UTF8.GetBytes(jwk.GetRawText())),
            ["key under another algorithm"] = Jws.Replace(token, headerJson: $$"""{"alg":"{{otherAlgorithm}}","kid":"{{kid}}","typ":"JWT"}"""),
            ["unknown kid"] = Jws.Replace(token, headerJson: $$"""{"alg":"{{algorithm}}","kid":"{{Guid.NewGuid()}}","typ":"JWT"}"""),
            ["no kid"] = Jws.Replace(token, headerJson: $$"""{"alg":"{{algorithm}}","typ":"JWT"}"""),
        };

        foreach (var (name, forged) in forgeries)
        {
            var user = await auth.AuthAsync(HttpMethod.Get, "/user", bearer: forged);
            var rest = await RestAsync(auth, HttpMethod.Get, "/rest/v1/", forged);
            Assert.True(user.Status == HttpStatusCode.Forbidden, $"{name}: /user answered {user.Status} {user.Body}");
            user.AssertAuthError(403, "bad_jwt");
            Assert.True(rest.Status == HttpStatusCode.Unauthorized, $"{name}: /rest/v1 answered {rest.Status} {rest.Body}");
            Assert.Equal("PGRST301", rest.Element.GetProperty("code").GetString());
        }

        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).AssertStatus(200);
    }

    [Fact]
    public async Task SwitchingAlgorithm_OldTokensAndApiKeysKeepWorking_PrivateKeysNeverShown()
    {
        var auth = await ProjectAsync("RS256");
        var (rsToken, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("switch"));
        var rsKid = Jws.Header(rsToken).GetProperty("kid").GetString();

        var patched = await auth.PatchSettingsAsync(new { auth = new { jwt_signing = new { algorithm = "ES256" } } });

        var keys = patched.GetProperty("signing_keys").EnumerateArray().ToDictionary(k => k.GetProperty("kid").GetString()!);
        Assert.Equal(2, keys.Count);
        Assert.Equal("previous", keys[rsKid!].GetProperty("status").GetString());
        Assert.True(keys[rsKid!].GetProperty("verify_until").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(60));
        var esKid = keys.Single(k => k.Value.GetProperty("status").GetString() == "current").Key;
        Assert.Equal("ES256", keys[esKid].GetProperty("algorithm").GetString());
        await AssertPrivateKeysNotInAsync(auth, (await auth.AdminAsync(HttpMethod.Get)).Body + patched.GetRawText());

        string? esToken = null;
        await TestProject.UntilEveryWorkerAsync(
            async () =>
            {
                esToken = (await auth.SessionAsync(AuthCalls.UniqueEmail("switched"))).AccessToken;
                return Jws.Header(esToken).GetProperty("kid").GetString() == esKid;
            },
            "the ES256 key");
        Assert.Equal("ES256", Jws.Header(esToken!).GetProperty("alg").GetString());
        Assert.Equal(new[] { rsKid, esKid }.Order(), (await JwksAsync(auth)).Select(k => k.GetProperty("kid").GetString()).Order());
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: rsToken)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: esToken)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Get, "/admin/users", bearer: auth.ServiceRoleKey)).AssertStatus(200);

        // Back to HS256: new tokens are signed with the secret; both key pairs still verify their tokens.
        await auth.PatchSettingsAsync(new { auth = new { jwt_signing = new { algorithm = "HS256" } } });
        await TestProject.UntilEveryWorkerAsync(
            async () => Jws.Header((await auth.SessionAsync(AuthCalls.UniqueEmail("hs"))).AccessToken).GetProperty("alg").GetString() == "HS256",
            "HS256 signing");
        Assert.Equal(2, (await JwksAsync(auth)).Length);
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: rsToken)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: esToken)).AssertStatus(200);
        var rotateHs256 = await auth.AdminAsync(HttpMethod.Post, "/jwt_signing/rotate");
        rotateHs256.AssertStatus(400);
        Assert.Contains("no key pair to rotate", rotateHs256.Element.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_NewKeySigns_RetiredKeyVerifiesUntilItsTokensExpire()
    {
        var auth = await ProjectAsync("ES256");
        var (oldToken, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("rot"));
        var oldKid = Jws.Header(oldToken).GetProperty("kid").GetString();

        var rotated = await auth.AdminAsync(HttpMethod.Post, "/jwt_signing/rotate");

        rotated.AssertStatus(200);
        var newKid = rotated.Element.GetProperty("signing_keys").EnumerateArray()
            .Single(k => k.GetProperty("status").GetString() == "current").GetProperty("kid").GetString();
        Assert.NotEqual(oldKid, newKid);
        await TestProject.UntilEveryWorkerAsync(
            async () => Jws.Header((await auth.SessionAsync(AuthCalls.UniqueEmail("rot"))).AccessToken).GetProperty("kid").GetString() == newKid,
            "the rotated key");
        Assert.Equal(2, (await JwksAsync(auth)).Length);
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: oldToken)).AssertStatus(200);

        // Once the retired key's tokens have expired, the next change to the project drops it.
        await using (var system = new Npgsql.NpgsqlConnection(stack.SystemConnectionString))
        {
            await system.OpenAsync();
            await using var expire = new Npgsql.NpgsqlCommand(
                """
                UPDATE madbase.projects SET signing_keys = (
                    SELECT jsonb_agg(CASE WHEN k->>'kid' = $2 THEN k || jsonb_build_object('verify_until', now() - interval '1 second') ELSE k END)
                    FROM jsonb_array_elements(signing_keys) k)
                WHERE ref = $1
                """,
                system);
            expire.Parameters.AddWithValue(auth.Ref);
            expire.Parameters.AddWithValue(oldKid!);
            Assert.Equal(1, await expire.ExecuteNonQueryAsync());
        }

        var renamed = await auth.AdminAsync(HttpMethod.Patch, body: new { name = "signing rotated" });
        renamed.AssertStatus(200);
        Assert.Equal(new[] { newKid }, renamed.Element.GetProperty("signing_keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()));
        await TestProject.UntilEveryWorkerAsync(
            async () => (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: oldToken)).Status == HttpStatusCode.Forbidden,
            "the dropped key");
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: oldToken)).AssertAuthError(403, "bad_jwt");
        Assert.Equal(new[] { newKid }, (await JwksAsync(auth)).Select(k => k.GetProperty("kid").GetString()));
    }

    [Theory]
    [InlineData("""{"auth":{"jwt_signing":{"algorithm":"none"}}}""", "settings.auth.jwt_signing.algorithm must be one of HS256, RS256, ES256")]
    [InlineData("""{"auth":{"jwt_signing":{"algorithm":"rs256"}}}""", "settings.auth.jwt_signing.algorithm must be one of HS256, RS256, ES256")]
    [InlineData("""{"auth":{"jwt_signing":{"kid":"mine"}}}""", "settings.auth.jwt_signing.kid is unknown or has the wrong type")]
    public async Task PatchSettings_BadJwtSigning_Returns400(string settings, string message)
    {
        var auth = await ProjectAsync("HS256");

        var response = await auth.AdminAsync(HttpMethod.Patch, body: $$"""{"settings":{{settings}}}""");

        response.AssertStatus(400);
        Assert.Equal(message, response.Element.GetProperty("error").GetString());
    }

    /// <summary>The stored private keys, read from the system database, appear nowhere in <paramref name="text"/>.</summary>
    private async Task AssertPrivateKeysNotInAsync(TestProject auth, string text)
    {
        await using var system = new Npgsql.NpgsqlConnection(stack.SystemConnectionString);
        await system.OpenAsync();
        await using var select = new Npgsql.NpgsqlCommand(
            "SELECT k->>'private_key' FROM madbase.projects, jsonb_array_elements(signing_keys) k WHERE ref = $1", system);
        select.Parameters.AddWithValue(auth.Ref);
        await using var reader = await select.ExecuteReaderAsync();
        var count = 0;
        while (await reader.ReadAsync())
        {
            var privateKey = reader.GetString(0);
            // From the middle: the first bytes of PKCS#8 are the same structure in every key.
            Assert.True(privateKey.Length > 150);
            Assert.DoesNotContain(privateKey.Substring(100, 40), text, StringComparison.Ordinal);
            count++;
        }

        Assert.True(count > 0, "no signing key stored");
    }

    private static async Task<ApiResponse> RestAsync(TestProject auth, HttpMethod method, string path, string? bearer, string? body = null)
    {
        using var request = new HttpRequestMessage(method, auth.Stack.ApiUrl + path);
        request.Headers.Add("apikey", auth.AnonKey);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }
}
