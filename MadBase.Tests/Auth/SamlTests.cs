using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

/// <summary>
/// SAML 2.0 SSO against a real IdP on loopback (tools/saml-idp): <c>POST /sso</c>, the ACS with signature, audience,
/// time and replay checks, the SP metadata and the admin API of SSO providers, on one project with SAML on.
/// A project with SAML off keeps answering "SAML 2.0 is disabled" (UnsupportedFeatureTests).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SamlTests(StackFixture stack, SamlIdpFixture idp) : IAsyncLifetime, IClassFixture<SamlIdpFixture>
{
    private const string App = "http://127.0.0.1:3000/app";
    private const string Site = "http://127.0.0.1:3000";

    private TestProject auth = null!;
    private string providerId = null!;

    public async Task InitializeAsync() => (auth, providerId) = await idp.ProjectAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("assertion")]
    [InlineData("response")]
    public async Task SpInitiated_SignedByIdp_SignsInWithTheAssertionsEmail(string mode)
    {
        var email = AuthCalls.UniqueEmail("saml");
        var form = await StartAsync(new { provider_id = providerId, redirect_to = App, skip_http_redirect = true }, email, mode);
        Assert.True(form.Signed, "the AuthnRequest is signed (RSA-SHA256)");
        Assert.Equal($"{stack.ApiUrl}/auth/v1/sso/saml/acs", form.Action);
        Assert.Contains($"AssertionConsumerServiceURL=\"{form.Action}\"", form.Request, StringComparison.Ordinal);

        var landed = await PostToAcsAsync(form);

        Assert.StartsWith(App + "#", landed.ToString(), StringComparison.Ordinal);
        var fragment = OAuthBrowser.Parameters(landed.Fragment);
        var token = fragment["access_token"]!;
        Assert.Equal("sso/saml", AuthCalls.Claims(token).GetProperty("amr")[0].GetProperty("method").GetString());
        var user = (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).Element;
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.True(await auth.ScalarAsync<bool>("SELECT is_sso_user FROM auth.users WHERE id = $1", Guid.Parse(user.GetProperty("id").GetString()!)));
        Assert.Equal("sso:" + providerId, user.GetProperty("app_metadata").GetProperty("provider").GetString());
        var identity = Assert.Single(user.GetProperty("identities").EnumerateArray());
        Assert.Equal("sso:" + providerId, identity.GetProperty("provider").GetString());
        Assert.Equal("id-" + email, identity.GetProperty("identity_data").GetProperty("sub").GetString());
        Assert.Equal(idp.EntityId, identity.GetProperty("identity_data").GetProperty("iss").GetString());
        Assert.Equal("Ada Lovelace", user.GetProperty("user_metadata").GetProperty("name").GetString());
        Assert.Equal("admins", user.GetProperty("user_metadata").GetProperty("custom_claims").GetProperty("groups")[1].GetString());
    }

    [Theory]
    [InlineData("encrypted")]
    [InlineData("encrypted-response")]
    public async Task SpInitiated_AssertionEncryptedToTheSpKey_SignsIn(string mode)
    {
        var email = AuthCalls.UniqueEmail("saml-enc");
        var form = await StartAsync(new { provider_id = providerId, redirect_to = App, skip_http_redirect = true }, email, mode);
        Assert.Contains("EncryptedAssertion", Encoding.UTF8.GetString(Convert.FromBase64String(form.SamlResponse)), StringComparison.Ordinal);

        var landed = await PostToAcsAsync(form);

        Assert.StartsWith(App + "#", landed.ToString(), StringComparison.Ordinal);
        var token = OAuthBrowser.Parameters(landed.Fragment)["access_token"]!;
        Assert.Equal(email, (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).Element.GetProperty("email").GetString());
    }

    [Fact]
    public async Task SessionNotOnOrAfter_EndsTheSession_RefreshIsRefusedFromThen()
    {
        var ends = DateTimeOffset.UtcNow.AddHours(1);
        var form = await StartAsync(
            new { provider_id = providerId, skip_http_redirect = true }, AuthCalls.UniqueEmail("saml-session"), controls: "&session_ends=" + Instant(ends));
        var fragment = OAuthBrowser.Parameters((await PostToAcsAsync(form)).Fragment);
        var sessionId = Guid.Parse(AuthCalls.Claims(fragment["access_token"]!).GetProperty("session_id").GetString()!);

        Assert.Equal(ends.ToUnixTimeSeconds(), await auth.ScalarAsync<long>("SELECT extract(epoch FROM not_after)::bigint FROM auth.sessions WHERE id = $1", sessionId));
        (await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = fragment["refresh_token"] })).AssertStatus(200);

        // An IdP session that has already ended: the sign-in goes through (as GoTrue's), its refresh does not.
        var ended = await StartAsync(
            new { provider_id = providerId, skip_http_redirect = true }, AuthCalls.UniqueEmail("saml-session"), controls: "&session_ends=" + Instant(DateTimeOffset.UtcNow.AddMinutes(-1)));
        var endedFragment = OAuthBrowser.Parameters((await PostToAcsAsync(ended)).Fragment);
        (await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = endedFragment["refresh_token"] }))
            .AssertAuthError(400, "session_expired");
    }

    [Fact]
    public async Task SpInitiated_EmailOfAPasswordUser_MakesASeparateSsoUser()
    {
        var email = AuthCalls.UniqueEmail("saml-taken");
        var (_, _, passwordUser) = await auth.SessionAsync(email);
        var form = await StartAsync(new { provider_id = providerId, skip_http_redirect = true }, email);

        var token = OAuthBrowser.Parameters((await PostToAcsAsync(form)).Fragment)["access_token"]!;

        var ssoUser = AuthCalls.Claims(token).GetProperty("sub").GetString();
        Assert.NotEqual(passwordUser, ssoUser);
        Assert.Equal(2L, await auth.ScalarAsync<long>("SELECT count(*) FROM auth.users WHERE email = $1", email));
        (await auth.SignInAsync(email)).AssertStatus(200);
    }

    [Fact]
    public async Task SpInitiated_Pkce_ByDomain_RedirectsWithCodeThatExchangesForSession()
    {
        var email = AuthCalls.UniqueEmail("saml-pkce");
        var verifier = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var form = await StartAsync(
            new { domain = idp.Domain, redirect_to = App, skip_http_redirect = true, code_challenge = challenge, code_challenge_method = "s256" }, email);

        var landed = await PostToAcsAsync(form);

        Assert.StartsWith(App + "?code=", landed.ToString(), StringComparison.Ordinal);
        var code = OAuthBrowser.Parameters(landed.Query)["code"]!;
        var session = await auth.AuthPostAsync("/token?grant_type=pkce", new { auth_code = code, code_verifier = verifier });
        session.AssertStatus(200);
        Assert.Equal(email, session.Element.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal("sso/saml", AuthCalls.Claims(session.Element.GetProperty("access_token").GetString()!).GetProperty("amr")[0].GetProperty("method").GetString());
    }

    [Theory]
    [InlineData("unsigned", "neither the Response nor the Assertion is signed")]
    [InlineData("other-key", "signature does not verify with the identity provider's certificate")]
    [InlineData("tamper", "signature does not verify with the identity provider's certificate")]
    [InlineData("wrap", "the Response must carry exactly one Assertion")]
    [InlineData("dup-id", "an ID is used twice in the Response")]
    [InlineData("audience", "Audience is not this service provider")]
    [InlineData("expired", "the Assertion has expired")]
    [InlineData("encrypted-tamper", "does not decrypt with this service provider's key to an Assertion signed by the identity provider")]
    [InlineData("encrypted-other-key", "does not decrypt with this service provider's key to an Assertion signed by the identity provider")]
    [InlineData("encrypted-gcm", "the EncryptedAssertion uses an algorithm that is not allowed")]
    [InlineData("encrypted-wrap", "the Response must carry exactly one Assertion")]
    public async Task Acs_ForgedOrStaleResponse_RedirectsToSiteWithValidationError(string mode, string reason)
    {
        var email = AuthCalls.UniqueEmail("saml-" + mode);
        var form = await StartAsync(new { provider_id = providerId, redirect_to = App, skip_http_redirect = true }, email, mode);

        var landed = await PostToAcsAsync(form);

        var error = AssertError(landed, "validation_failed");
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Null(await auth.ScalarAsync<Guid?>("SELECT id FROM auth.users WHERE email IN ($1, 'mallory@evil.example')", email));
    }

    [Fact]
    public async Task Acs_ReplayedResponse_IsRefusedWithItsOwnAndWithAFreshRelayState()
    {
        var form = await StartAsync(new { provider_id = providerId, skip_http_redirect = true }, AuthCalls.UniqueEmail("saml-replay"));
        Assert.StartsWith(Site + "/#access_token=", (await PostToAcsAsync(form)).ToString(), StringComparison.Ordinal);

        AssertError(await PostToAcsAsync(form), "saml_relay_state_not_found");

        var fresh = await StartAsync(new { provider_id = providerId, skip_http_redirect = true }, AuthCalls.UniqueEmail("saml-replay"));
        var error = AssertError(await PostToAcsAsync(form with { RelayState = fresh.RelayState }), "validation_failed");
        Assert.Contains("InResponseTo is not the request this sign-in started with", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acs_IdpInitiated_SignsInOnceAndUnknownIssuerOrDtdIsRefused()
    {
        var metadata = await auth.AuthAsync(HttpMethod.Get, "/sso/saml/metadata");
        var document = new XmlDocument();
        document.LoadXml(metadata.Body);
        var entityId = document.DocumentElement!.GetAttribute("entityID");
        var acs = ((XmlElement)document.GetElementsByTagName("AssertionConsumerService", "urn:oasis:names:tc:SAML:2.0:metadata")[0]!).GetAttribute("Location");
        var email = AuthCalls.UniqueEmail("saml-idp");

        var unsolicited = await idp.UnsolicitedAsync(acs, entityId, email);

        var landed = await PostToAcsAsync(unsolicited);

        Assert.StartsWith(Site + "/#access_token=", landed.ToString(), StringComparison.Ordinal);
        var replayed = AssertError(await PostToAcsAsync(unsolicited), "validation_failed");
        Assert.Contains("the Assertion has already been used", replayed, StringComparison.Ordinal);
        var stranger = Convert.ToBase64String(Encoding.UTF8.GetBytes(
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_x\" Version=\"2.0\">"
            + "<saml:Issuer>https://stranger.example/idp</saml:Issuer></samlp:Response>"));
        AssertError(await PostToAcsAsync(new IdpForm(acs, stranger, string.Empty, null, false)), "saml_idp_not_found");
        AssertError(await PostToAcsAsync(new IdpForm(acs, stranger, "not a url", null, false)), "validation_failed");
        var withDtd = Convert.ToBase64String(Encoding.UTF8.GetBytes(
            "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/hostname\">]><samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
            + "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"><saml:Issuer>&x;</saml:Issuer></samlp:Response>"));
        Assert.Equal("SAMLResponse is not a valid XML SAML assertion", AssertError(await PostToAcsAsync(new IdpForm(acs, withDtd, string.Empty, null, false)), "validation_failed"));
    }

    [Fact]
    public async Task Metadata_DescribesTheServiceProviderWithItsKey()
    {
        var metadata = await auth.AuthAsync(HttpMethod.Get, "/sso/saml/metadata?download=true");

        metadata.AssertStatus(200);
        Assert.Equal("attachment; filename=\"metadata.xml\"", metadata.Header("Content-Disposition"));
        var document = new XmlDocument();
        document.LoadXml(metadata.Body);
        Assert.Equal($"{stack.ApiUrl}/auth/v1/sso/saml/metadata", document.DocumentElement!.GetAttribute("entityID"));
        var certificate = document.GetElementsByTagName("X509Certificate", "http://www.w3.org/2000/09/xmldsig#")[0]!.InnerText;
        var uses = document.GetElementsByTagName("KeyDescriptor", "urn:oasis:names:tc:SAML:2.0:metadata").Cast<XmlElement>().ToList();
        Assert.Equal(["signing", "encryption"], uses.Select(k => k.GetAttribute("use")));
        Assert.All(uses, k => Assert.Equal(certificate, k.InnerText));
        Assert.Contains(certificate, (await auth.AuthAsync(HttpMethod.Get, "/sso/saml/metadata")).Body, StringComparison.Ordinal);
        Assert.Equal(1L, await auth.ScalarAsync<long>("SELECT count(*) FROM auth.saml_sp_key"));

        // The AuthnRequest's redirect-binding signature verifies with the certificate the metadata publishes.
        var location = (await auth.AuthPostAsync("/sso", new { provider_id = providerId })).Header("Location")!;
        var query = location[(location.IndexOf('?', StringComparison.Ordinal) + 1)..];
        var at = query.IndexOf("&Signature=", StringComparison.Ordinal);
        using var published = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(certificate));
        var signature = Convert.FromBase64String(Uri.UnescapeDataString(query[(at + "&Signature=".Length)..]));
        Assert.True(published.GetRSAPublicKey()!.VerifyData(Encoding.UTF8.GetBytes(query[..at]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task ConfiguredKeyAndRateLimits_AreTheProjectsSettings()
    {
        using var rsa = RSA.Create(2048);
        var key = Convert.ToBase64String(rsa.ExportRSAPrivateKey());
        var limited = await TestProject.CreateAsync(
            stack, "auth saml limits", new { auth = new { saml = new { enabled = true, private_key = key, rate_limit_sso = 1, rate_limit_assertion = 1 } } });

        Assert.True((await limited.AuthAsync(HttpMethod.Get, "/settings")).Element.GetProperty("saml_enabled").GetBoolean());
        Assert.Equal("****" + key[^4..], (await limited.AdminAsync(HttpMethod.Get)).Element.GetProperty("settings").GetProperty("auth").GetProperty("saml").GetProperty("private_key").GetString());
        var metadata = new XmlDocument();
        metadata.LoadXml((await limited.AuthAsync(HttpMethod.Get, "/sso/saml/metadata")).Body);
        using var published = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(
            metadata.GetElementsByTagName("X509Certificate", "http://www.w3.org/2000/09/xmldsig#")[0]!.InnerText));
        Assert.Equal(rsa.ExportRSAPublicKey(), published.GetRSAPublicKey()!.ExportRSAPublicKey());
        Assert.Equal("signing", Assert.Single(metadata.GetElementsByTagName("KeyDescriptor", "urn:oasis:names:tc:SAML:2.0:metadata").Cast<XmlElement>()).GetAttribute("use"));

        (await limited.AuthPostAsync("/sso", new { domain = "nobody.example" })).AssertAuthError(404, "sso_provider_not_found");
        (await limited.AuthPostAsync("/sso", new { domain = "nobody.example" })).AssertAuthError(429, "over_request_rate_limit");
        var acs = $"{stack.ApiUrl}/auth/v1/sso/saml/acs?apikey={limited.AnonKey}";
        using (var first = await TestHttp.Client.PostAsync(acs, new FormUrlEncodedContent(new Dictionary<string, string> { ["RelayState"] = Guid.NewGuid().ToString() })))
        {
            Assert.Equal(303, (int)first.StatusCode);
        }

        using var second = await TestHttp.Client.PostAsync(acs, new FormUrlEncodedContent(new Dictionary<string, string> { ["RelayState"] = Guid.NewGuid().ToString() }));
        Assert.Equal(429, (int)second.StatusCode);
    }

    [Theory]
    [InlineData("\"not base64\"")]
    [InlineData("\"AAAA\"")]
    public async Task PatchSettings_BadSamlKey_Returns400(string key)
    {
        var response = await auth.AdminAsync(HttpMethod.Patch, body: "{\"settings\":{\"auth\":{\"saml\":{\"private_key\":" + key + "}}}}");

        response.AssertStatus(400);
        Assert.Equal("settings.auth.saml.private_key must be an RSA key of 2048 bits or more, PKCS#1 DER in standard Base64", response.Element.GetProperty("error").GetString());
    }

    [Fact]
    public async Task SingleSignOn_BadRequests_AnswerGoTruesErrors()
    {
        (await auth.AuthPostAsync("/sso", new { provider_id = Guid.NewGuid() })).AssertAuthError(404, "sso_provider_not_found");
        (await auth.AuthPostAsync("/sso", new { domain = "nobody.example" })).AssertAuthError(404, "sso_provider_not_found");
        (await auth.AuthPostAsync("/sso", new { provider_id = providerId, domain = idp.Domain })).AssertAuthError(400, "validation_failed");
        (await auth.AuthPostAsync("/sso", new { })).AssertAuthError(400, "validation_failed");
        (await auth.AuthPostAsync("/sso", new { provider_id = "not-a-uuid" })).AssertAuthError(400, "bad_json");
        (await auth.AuthPostAsync("/sso", new { provider_id = providerId, code_challenge = "short", code_challenge_method = "s256" })).AssertAuthError(400, "validation_failed");
        var redirect = await auth.AuthPostAsync("/sso", new { provider_id = providerId });
        redirect.AssertStatus(303);
        Assert.StartsWith(idp.EntityId.Replace("/metadata", "/sso?", StringComparison.Ordinal) + "SAMLRequest=", redirect.Header("Location"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminProviders_CrudWithGoTruesValidation()
    {
        var key = auth.ServiceRoleKey;
        var entityId = $"https://idp-{Guid.NewGuid():N}.example/metadata";
        var metadata = (await idp.MetadataAsync()).Replace(idp.EntityId, entityId, StringComparison.Ordinal);
        var domain = $"crud-{Guid.NewGuid():N}.example";
        (await auth.AuthPostAsync("/admin/sso/providers", new { type = "saml", metadata_xml = metadata })).AssertAuthError(403, "not_admin");

        var created = await auth.AuthPostAsync("/admin/sso/providers", new { type = "saml", metadata_xml = metadata, domains = new[] { domain }, resource_id = "crud" + domain }, key);
        created.AssertStatus(201);
        var id = created.Element.GetProperty("id").GetString()!;
        Assert.Equal(entityId, created.Element.GetProperty("saml").GetProperty("entity_id").GetString());
        Assert.Equal(domain, created.Element.GetProperty("domains")[0].GetProperty("domain").GetString());
        (await auth.AuthPostAsync("/admin/sso/providers", new { type = "saml", metadata_xml = metadata }, key)).AssertAuthError(422, "saml_idp_already_exists");
        (await auth.AuthPostAsync("/admin/sso/providers", new { type = "saml", metadata_xml = metadata.Replace(entityId, entityId + "2", StringComparison.Ordinal), domains = new[] { domain } }, key))
            .AssertAuthError(400, "sso_domain_already_exists");
        (await auth.AuthPostAsync("/admin/sso/providers", new { type = "saml", metadata_xml = metadata.Replace(entityId, entityId + "4", StringComparison.Ordinal), resource_id = "CRUD" + domain }, key))
            .AssertAuthError(422, "conflict");

        var updated = await auth.AuthAsync(HttpMethod.Put, "/admin/sso/providers/" + id, new
        {
            domains = new[] { "other-" + domain },
            attribute_mapping = new { keys = new { email = new { name = "mail" } } },
            disabled = true,
        }, key);
        updated.AssertStatus(200);
        Assert.Equal("other-" + domain, Assert.Single(updated.Element.GetProperty("domains").EnumerateArray()).GetProperty("domain").GetString());
        Assert.Equal("mail", updated.Element.GetProperty("saml").GetProperty("attribute_mapping").GetProperty("keys").GetProperty("email").GetProperty("name").GetString());
        Assert.True(updated.Element.GetProperty("disabled").GetBoolean());
        (await auth.AuthPostAsync("/sso", new { provider_id = id })).AssertAuthError(404, "sso_provider_disabled");
        (await auth.AuthAsync(HttpMethod.Put, "/admin/sso/providers/" + id, new { metadata_xml = metadata.Replace(entityId, entityId + "3", StringComparison.Ordinal) }, key))
            .AssertAuthError(400, "saml_entity_id_mismatch");

        (await auth.AuthAsync(HttpMethod.Get, "/admin/sso/providers/resource_crud" + domain, bearer: key)).AssertStatus(200);
        var list = await auth.AuthAsync(HttpMethod.Get, "/admin/sso/providers?resource_id=crud" + domain, bearer: key);
        var listed = Assert.Single(list.Element.GetProperty("items").EnumerateArray());
        Assert.False(listed.GetProperty("saml").TryGetProperty("metadata_xml", out _));

        (await auth.AuthAsync(HttpMethod.Delete, "/admin/sso/providers/" + id, bearer: key)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Get, "/admin/sso/providers/" + id, bearer: key)).AssertAuthError(404, "sso_provider_not_found");
        (await auth.AuthAsync(HttpMethod.Get, "/admin/sso/providers/not-an-id", bearer: key)).AssertAuthError(404, "sso_provider_not_found");
    }

    [Theory]
    [InlineData("""{"metadata_xml":"<x/>"}""", "Only 'saml' supported for SSO provider type")]
    [InlineData("""{"type":"saml"}""", "Either metadata_xml or metadata_url must be set")]
    [InlineData("""{"type":"saml","metadata_xml":"<x/>","metadata_url":"https://idp.example/m"}""", "Only one of metadata_xml or metadata_url needs to be set")]
    [InlineData("""{"type":"saml","metadata_url":"http://idp.example/m"}""", "metadata_url is not a HTTPS URL")]
    [InlineData("""{"type":"saml","metadata_url":"not a url"}""", "metadata_url is not a valid URL")]
    [InlineData("""{"type":"saml","metadata_xml":"<x/>","name_id_format":"nope"}""", "name_id_format must be unspecified or one of")]
    [InlineData("""{"type":"saml","metadata_xml":"<not xml"}""", "SAML Metadata XML is not valid XML")]
    [InlineData("""{"type":"saml","metadata_xml":"<!DOCTYPE x [<!ENTITY e 'y'>]><x>&e;</x>"}""", "SAML Metadata XML is not valid XML")]
    [InlineData("""{"type":"saml","metadata_xml":"<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>"}""", "SAML Metadata does not contain an EntityID")]
    [InlineData("""{"type":"saml","metadata_xml":"<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\"/>"}""", "SAML Metadata does not contain any IDPSSODescriptor")]
    public async Task AdminProviders_InvalidCreate_AnswersValidationFailed(string body, string message)
    {
        var response = await auth.AuthPostAsync("/admin/sso/providers", body, auth.ServiceRoleKey);

        response.AssertAuthError(400, "validation_failed");
        Assert.StartsWith(message, response.Element.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// POST /sso as auth-js's signInWithSSO, then the browser at the IdP; returns the form for the ACS. An
    /// <c>encrypted…</c> mode has the IdP encrypt to the key the SP metadata offers for encryption.
    /// </summary>
    private async Task<IdpForm> StartAsync(object body, string email, string mode = "assertion", string controls = "")
    {
        if (mode.StartsWith("encrypted", StringComparison.Ordinal))
        {
            var metadata = new XmlDocument();
            metadata.LoadXml((await auth.AuthAsync(HttpMethod.Get, "/sso/saml/metadata")).Body);
            var encryption = metadata.GetElementsByTagName("KeyDescriptor", "urn:oasis:names:tc:SAML:2.0:metadata").Cast<XmlElement>().Single(k => k.GetAttribute("use") == "encryption");
            controls += "&encrypt_to=" + Uri.EscapeDataString(encryption.InnerText.Trim());
        }

        var started = await auth.AuthPostAsync("/sso", body);
        started.AssertStatus(200);
        return await idp.SignInAsync(started.Element.GetProperty("url").GetString()!, email, mode, controls);
    }

    private static string Instant(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The browser posting the IdP's form to the ACS (through the gateway; the apikey names the project, as a
    /// project's own host would); returns where it is sent.
    /// </summary>
    private async Task<Uri> PostToAcsAsync(IdpForm form)
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["SAMLResponse"] = form.SamlResponse, ["RelayState"] = form.RelayState });
        using var response = await TestHttp.Client.PostAsync($"{form.Action}?apikey={auth.AnonKey}", content);
        var status = (int)response.StatusCode;
        Assert.True(status is 302 or 303, $"{status}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    /// <summary>GoTrue's ACS refusal: back to the site URL with the error in the query; returns the description.</summary>
    private static string AssertError(Uri landed, string code)
    {
        Assert.StartsWith(Site + "/?", landed.ToString(), StringComparison.Ordinal);
        var query = OAuthBrowser.Parameters(landed.Query);
        Assert.Equal(code, query["error_code"]);
        return query["error_description"]!;
    }
}
