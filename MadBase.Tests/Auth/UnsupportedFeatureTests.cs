using System.Net.Http.Headers;
using System.Text;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

/// <summary>
/// GoTrue's routes for features MadBase lacks answer GoTrue's JSON error for the feature disabled (never an empty
/// 404), and the validation gaps of issue 15 item 9 answer GoTrue's exact errors.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class UnsupportedFeatureTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() => auth = await TestProject.CreateAsync(stack, "auth unsupported");

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("POST", "/sso", 404, "saml_provider_disabled", "SAML 2.0 is disabled")]
    [InlineData("GET", "/sso/saml/metadata", 404, "saml_provider_disabled", "SAML 2.0 is disabled")]
    [InlineData("POST", "/sso/saml/acs", 404, "saml_provider_disabled", "SAML 2.0 is disabled")]
    [InlineData("POST", "/passkeys/authentication/options", 404, "passkey_disabled", "Passkeys are disabled")]
    [InlineData("POST", "/passkeys/registration/verify", 404, "passkey_disabled", "Passkeys are disabled")]
    [InlineData("GET", "/passkeys", 404, "passkey_disabled", "Passkeys are disabled")]
    [InlineData("DELETE", "/passkeys/0b9c1c5e-0000-4000-8000-000000000000", 404, "passkey_disabled", "Passkeys are disabled")]
    [InlineData("POST", "/oauth/token", 404, "feature_disabled", "OAuth server is disabled")]
    [InlineData("GET", "/oauth/authorize", 404, "feature_disabled", "OAuth server is disabled")]
    [InlineData("GET", "/.well-known/oauth-authorization-server", 404, "feature_disabled", "OAuth server is disabled")]
    [InlineData("GET", "/scim/v2/Users", 404, "feature_disabled", "SCIM server is disabled")]
    [InlineData("GET", "/authorize?provider=github", 400, "validation_failed", "Unsupported provider: provider is not enabled")]
    [InlineData("GET", "/authorize?provider=myspace", 400, "validation_failed", "Unsupported provider: Provider myspace could not be found")]
    [InlineData("POST", "/token?grant_type=web3", 422, "web3_provider_disabled", "Web3 provider is disabled")]
    [InlineData("POST", "/token?grant_type=magic", 400, "invalid_credentials", "unsupported_grant_type")]
    public async Task AnonymousCall_FeatureMissing_AnswersGoTruesError(string method, string path, int status, string code, string message)
    {
        var response = await auth.AuthAsync(new HttpMethod(method), path, method == "GET" ? null : new { });

        response.AssertAuthError(status, code);
        Assert.Equal(message, response.Element.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("""{"provider":"google","id_token":"x.y.z"}""", 400, "provider_disabled", "Provider (issuer \"https://accounts.google.com\") is not enabled")]
    [InlineData("""{"provider":"apple","id_token":"not-a-jwt"}""", 400, "validation_failed", "Unable to detect issuer in ID token for Apple provider")]
    [InlineData("""{"provider":"apple","id_token":"e30.eyJpc3MiOiJodHRwczovL2FwcGxlaWQuYXBwbGUuY29tIn0.c2ln"}""", 400, "provider_disabled", "Provider (issuer \"https://appleid.apple.com\") is not enabled")]
    [InlineData("""{"provider":"acme","id_token":"x.y.z"}""", 400, "validation_failed", "Custom OIDC provider \"acme\" not allowed")]
    public async Task IdTokenGrant_NoProviderEnabled_AnswersGoTruesError(string body, int status, string code, string message)
    {
        var response = await auth.AuthPostAsync("/token?grant_type=id_token", body);

        response.AssertAuthError(status, code);
        Assert.Equal(message, response.Element.GetProperty("message").GetString());
    }

    [Fact]
    public async Task IdTokenGrant_MissingToken_AnswersGoTruesOAuthError()
    {
        var response = await auth.AuthPostAsync("/token?grant_type=id_token", new { provider = "google" });

        response.AssertStatus(400);
        Assert.Equal("invalid request", response.Element.GetProperty("error").GetString());
        Assert.Equal("id_token required", response.Element.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task SignedInRoutes_FeatureMissing_NeedASessionThenAnswerDisabled()
    {
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("link"));

        (await auth.AuthAsync(HttpMethod.Get, "/user/identities/authorize?provider=github")).AssertAuthError(403, "bad_jwt");
        (await auth.AuthAsync(HttpMethod.Get, "/user/identities/authorize?provider=github", bearer: token)).AssertAuthError(404, "manual_linking_disabled");
        (await auth.AuthAsync(HttpMethod.Delete, $"/user/identities/{Guid.NewGuid()}", bearer: token)).AssertAuthError(404, "manual_linking_disabled");
        (await auth.AuthAsync(HttpMethod.Get, "/user/oauth/grants", bearer: token)).AssertAuthError(404, "feature_disabled");
    }

    [Fact]
    public async Task AdminRoutes_FeatureMissing_NeedServiceRoleThenAnswerDisabled()
    {
        var (token, _, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("adm"));

        (await auth.AuthAsync(HttpMethod.Get, "/admin/sso/providers", bearer: token)).AssertAuthError(403, "not_admin");
        var list = await auth.AuthAsync(HttpMethod.Get, "/admin/sso/providers", bearer: auth.ServiceRoleKey);
        list.AssertStatus(200);
        Assert.Equal(0, list.Element.GetProperty("items").GetArrayLength());
        (await auth.AuthAsync(HttpMethod.Post, "/admin/sso/providers", new { type = "saml" }, auth.ServiceRoleKey)).AssertAuthError(404, "saml_provider_disabled");
        (await auth.AuthAsync(HttpMethod.Get, $"/admin/sso/providers/{Guid.NewGuid()}", bearer: auth.ServiceRoleKey)).AssertAuthError(404, "sso_provider_not_found");
        (await auth.AuthAsync(HttpMethod.Get, "/admin/oauth/clients", bearer: auth.ServiceRoleKey)).AssertAuthError(404, "feature_disabled");
        (await auth.AuthAsync(HttpMethod.Get, "/admin/custom-providers", bearer: auth.ServiceRoleKey)).AssertAuthError(404, "feature_disabled");
        // As GoTrue's, the admin passkey routes answer with passkeys off too (they are not behind requirePasskeyEnabled).
        (await auth.AuthAsync(HttpMethod.Get, $"/admin/users/{userId}/passkeys", bearer: token)).AssertAuthError(403, "not_admin");
        var passkeys = await auth.AuthAsync(HttpMethod.Get, $"/admin/users/{userId}/passkeys", bearer: auth.ServiceRoleKey);
        passkeys.AssertStatus(200);
        Assert.Equal("[]", passkeys.Body);
    }

    [Theory]
    [InlineData("", "bad_oauth_callback", "OAuth+state+parameter+missing")]
    [InlineData("?state=forged", "bad_oauth_state", "OAuth+state+parameter+is+invalid")]
    [InlineData("?state=0b9c1c5e-0000-4000-8000-000000000000&code=abc", "bad_oauth_state", "OAuth+state+not+found+or+expired")]
    public async Task Callback_NoOAuthFlow_RedirectsToSiteWithGoTruesError(string query, string code, string description)
    {
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, auth.Stack.ApiUrl + "/auth/v1/callback" + query);
        request.Headers.Add("apikey", auth.AnonKey);
        using var response = await noRedirect.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(
            $"http://127.0.0.1:3000?error=invalid_request&error_code={code}&error_description={description}",
            response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("page=-1", "Bad Pagination Parameters: strconv.ParseUint: parsing \"-1\": invalid syntax")]
    [InlineData("per_page=ten", "Bad Pagination Parameters: strconv.ParseUint: parsing \"ten\": invalid syntax")]
    [InlineData("page=99999999999999999999999", "Bad Pagination Parameters: strconv.ParseUint: parsing \"99999999999999999999999\": value out of range")]
    public async Task ListUsers_BadPagination_Returns400(string query, string message)
    {
        var response = await auth.AuthAsync(HttpMethod.Get, "/admin/users?" + query, bearer: auth.ServiceRoleKey);

        response.AssertAuthError(400, "validation_failed");
        Assert.Equal(message, response.Element.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("""{"type":"sms","phone":"+15555550100","token":"123456"}""", 403, "otp_expired", "Token has expired or is invalid")]
    [InlineData("""{"type":"phone_change","phone":"not a phone","token":"123456"}""", 400, "validation_failed", "Invalid phone number format (E.164 required)")]
    [InlineData("""{"type":"bogus","email":"a@example.com","token":"123456"}""", 403, "otp_expired", "Token has expired or is invalid")]
    [InlineData("""{"type":"bogus","token_hash":"abc"}""", 400, "validation_failed", "Invalid email verification type")]
    [InlineData("""{"type":"signup","token_hash":"abc","email":"a@example.com"}""", 400, "validation_failed", "Only the token_hash and type should be provided")]
    [InlineData("""{"type":"signup","token_hash":"abc","token":"123456"}""", 400, "validation_failed", "Verify requires either a token or a token hash")]
    public async Task Verify_TypesWithoutTokens_AnswerGoTruesErrors(string body, int status, string code, string message)
    {
        var response = await auth.AuthPostAsync("/verify", body);

        response.AssertAuthError(status, code);
        Assert.Equal(message, response.Element.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Sso_LegacyErrorShape_CarriesCodeForAuthJs()
    {
        // Without the API-version header GoTrue answers {code, error_code, msg}; auth-js reads msg and error_code.
        using var request = new HttpRequestMessage(HttpMethod.Post, auth.Stack.ApiUrl + "/auth/v1/sso");
        request.Headers.Add("apikey", auth.AnonKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.AnonKey);
        request.Content = new StringContent("""{"domain":"example.com"}""", Encoding.UTF8, "application/json");
        using var response = await TestHttp.Client.SendAsync(request);
        var legacy = await ApiResponse.ReadAsync(response);

        legacy.AssertStatus(404);
        Assert.Equal("saml_provider_disabled", legacy.Element.GetProperty("error_code").GetString());
        Assert.Equal("SAML 2.0 is disabled", legacy.Element.GetProperty("msg").GetString());
    }
}
