using System.Xml;
using MadBase.Worker.Tenancy;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>The body of <c>POST /sso</c> (GoTrue's SingleSignOnParams).</summary>
internal sealed class SingleSignOnParams
{
    public Guid? ProviderId { get; init; }

    public string? Domain { get; init; }

    public string? RedirectTo { get; init; }

    public bool? SkipHttpRedirect { get; init; }

    public string? CodeChallenge { get; init; }

    public string? CodeChallengeMethod { get; init; }
}

// SAML 2.0 SSO (GoTrue's sso.go, saml.go, samlacs.go): POST /sso starts a sign-in at the provider, GET
// /sso/saml/metadata describes this service provider, POST /sso/saml/acs takes the IdP's Response. A project with
// SAML off answers GoTrue's "SAML 2.0 is disabled" on each, as before.
internal static partial class AuthApi
{
    /// <summary>GoTrue's authentication method for SSO, the flow's and the session's amr.</summary>
    private const string SamlMethod = "sso/saml";

    private static void MapSsoRoutes(RouteGroupBuilder auth)
    {
        auth.MapPost("/sso", SingleSignOn);
        auth.MapGet("/sso/saml/metadata", SamlMetadata);
        auth.MapPost("/sso/saml/acs", SamlAcs);
        MapSsoAdminRoutes(auth.MapGroup("/admin"));
    }

    private static bool SamlEnabled(AuthServices s) => s.Project.Settings.Auth.Saml.Enabled;

    private static async Task<IResult> SingleSignOn([AsParameters] AuthServices s)
    {
        if (!SamlEnabled(s))
        {
            return SamlDisabled();
        }

        await s.Limiter.CheckAsync(s.Context, s.Project, "sso", s.Project.Settings.Auth.Saml.RateLimitSso, FiveMinutes);
        var input = await AuthBody.ReadAsync<SingleSignOnParams>(s.Context);
        var hasProviderId = input.ProviderId is { } id && id != Guid.Empty;
        var hasDomain = !string.IsNullOrEmpty(input.Domain);
        if (hasProviderId == hasDomain)
        {
            throw new AuthException(AuthErrors.BadRequestValidation(
                hasProviderId ? "Only one of provider_id or domain supported" : "A provider_id or domain needs to be provided"));
        }

        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var provider = hasProviderId
            ? await SsoProvider.FindByIdAsync(tx, input.ProviderId!.Value, s.Aborted)
                ?? throw new AuthException(new AuthError(404, "sso_provider_not_found", "No such SSO provider"))
            : await SsoProvider.FindByDomainAsync(tx, input.Domain!, s.Aborted)
                ?? throw new AuthException(new AuthError(404, "sso_provider_not_found", "No SSO provider assigned for this domain"));
        if (!provider.IsEnabled)
        {
            throw new AuthException(new AuthError(404, "sso_provider_disabled", "SSO Provider is currently disabled"));
        }

        var pkce = PkceFlow.Parse(input.CodeChallenge, input.CodeChallengeMethod);
        var idp = IdpMetadata.Parse(provider.MetadataXml);
        var ssoUrl = idp.SsoRedirectUrl
            ?? throw new AuthException(AuthErrors.BadRequestValidation("SAML Identity Provider does not offer the HTTP-Redirect binding for single sign-on"));

        // As GoTrue: every SSO sign-in has a flow state (PKCE or not), and the relay state names it and the request.
        var referrer = RedirectUrls.Resolve(s.Project.Settings.Auth, input.RedirectTo);
        var flowId = await OAuthFlowState.CreateAsync(tx, SamlMethod, pkce, referrer, null, now, s.Aborted, SamlMethod);
        using var sp = await SamlServiceProvider.LoadAsync(tx, s.Project.Settings.Auth, s.Aborted);
        var relayState = Guid.NewGuid();
        var (url, requestId) = sp.AuthnRequestRedirect(ssoUrl, relayState.ToString(), provider.NameIdFormat, now);
        await using (var insert = tx.CreateCommand("""
            INSERT INTO auth.saml_relay_states (id, sso_provider_id, request_id, redirect_to, flow_state_id, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6)
            """))
        {
            insert.Parameters.AddWithValue(relayState);
            insert.Parameters.AddWithValue(provider.Id);
            insert.Parameters.AddWithValue(requestId);
            insert.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)input.RedirectTo ?? DBNull.Value);
            insert.Parameters.AddWithValue(flowId);
            insert.Parameters.AddWithValue(now);
            await insert.ExecuteNonQueryAsync(s.Aborted);
        }

        await tx.CommitAsync(s.Aborted);
        return input.SkipHttpRedirect is true
            ? Results.Json(new Dictionary<string, string> { ["url"] = url })
            : SeeOther(s.Context, url);
    }

    private static async Task<IResult> SamlMetadata([AsParameters] AuthServices s)
    {
        if (!SamlEnabled(s))
        {
            return SamlDisabled();
        }

        var download = s.Context.Request.Query["download"] == "true";
        string xml;
        await using (var tx = await s.BeginAsync())
        {
            using var sp = await SamlServiceProvider.LoadAsync(tx, s.Project.Settings.Auth, s.Aborted);
            xml = sp.Metadata(s.Clock.GetUtcNow() + (download ? TimeSpan.FromDays(5 * 365) : TimeSpan.FromHours(48)));
            await tx.CommitAsync(s.Aborted);
        }

        var headers = s.Context.Response.Headers;
        headers.CacheControl = "public, max-age=600";
        if (download)
        {
            headers.ContentDisposition = "attachment; filename=\"metadata.xml\"";
        }

        return Results.Text(xml, "application/xml", System.Text.Encoding.UTF8);
    }

    /// <summary>
    /// GoTrue's SamlAcs: every refusal sends the browser to the site URL with the error in the query (never a page
    /// of ours); a sign-in ends as the OAuth callback's does, with a PKCE code or the session in the fragment.
    /// </summary>
    private static async Task<IResult> SamlAcs([AsParameters] AuthServices s)
    {
        if (!SamlEnabled(s))
        {
            return SamlDisabled();
        }

        // As GoTrue's limiter in front of the handler: a refusal is a JSON 429, not a redirect.
        await s.Limiter.CheckAsync(s.Context, s.Project, "saml_assertion", s.Project.Settings.Auth.Saml.RateLimitAssertion, FiveMinutes);
        try
        {
            return await ConsumeAssertionAsync(s);
        }
        catch (AuthException e)
        {
            // getErrorQueryString: the OAuth error of the status, access_denied for refused users.
            var error = e.Error.ErrorCode is "signup_disabled" or "user_banned" ? "access_denied" : e.Error.Status switch
            {
                400 => "invalid_request",
                401 => "unauthorized_client",
                403 => "access_denied",
                503 => "temporarily_unavailable",
                _ => "server_error",
            };
            return CallbackError(s, s.Project.Settings.Auth.SiteUrl, error, e.Error.ErrorCode, e.Error.Message);
        }
    }

    private static async Task<IResult> ConsumeAssertionAsync(AuthServices s)
    {
        var form = await CallbackParametersAsync(s.Context.Request, s.Aborted);
        var relayStateValue = form.GetValueOrDefault("RelayState").ToString();
        var samlResponse = form.GetValueOrDefault("SAMLResponse").ToString();
        var now = s.Clock.GetUtcNow();

        SsoProvider? provider;
        string? requestId = null;
        string? redirectTo;
        Guid? flowId = null;
        XmlElement? response;
        if (Guid.TryParse(relayStateValue, out var relayStateId))
        {
            // SP-initiated. The relay state is spent before the Response is looked at (GoTrue destroys it too),
            // so a Response answers at most one request: a replay finds nothing.
            await using (var spend = await s.BeginAsync())
            {
                await using var command = spend.CreateCommand("""
                    DELETE FROM auth.saml_relay_states WHERE id = $1
                    RETURNING sso_provider_id, request_id, redirect_to, flow_state_id, created_at
                    """);
                command.Parameters.AddWithValue(relayStateId);
                Guid providerId;
                DateTimeOffset createdAt;
                await using (var reader = await command.ExecuteReaderAsync(s.Aborted))
                {
                    if (!await reader.ReadAsync(s.Aborted))
                    {
                        throw new AuthException(new AuthError(404, "saml_relay_state_not_found", "SAML RelayState does not exist, try logging in again?"));
                    }

                    providerId = reader.GetGuid(0);
                    requestId = reader.GetString(1);
                    redirectTo = reader.IsDBNull(2) ? null : reader.GetString(2);
                    flowId = reader.IsDBNull(3) ? null : reader.GetGuid(3);
                    createdAt = reader.GetFieldValue<DateTimeOffset>(4);
                }

                await spend.CommitAsync(s.Aborted);
                if (createdAt + TimeSpan.FromSeconds(s.Project.Settings.Auth.Saml.RelayStateValidityPeriodSeconds) <= now)
                {
                    throw new AuthException(new AuthError(422, "saml_relay_state_expired", "SAML RelayState has expired. Try logging in again?"));
                }

                await using var read = await s.BeginAsync();
                provider = await SsoProvider.FindByIdAsync(read, providerId, s.Aborted);
            }

            if (provider is null)
            {
                throw new AuthException(new AuthError(404, "saml_idp_not_found", "A SAML connection has not been established with this Identity Provider"));
            }

            response = samlResponse.Length == 0 ? null : SamlResponseValidator.Parse(samlResponse);
        }
        else if (relayStateValue.Length == 0 || Uri.TryCreate(relayStateValue, UriKind.Absolute, out _))
        {
            // IdP-initiated, which GoTrue allows: the RelayState, if any, is where the IdP sends the user; the
            // provider is the one whose entity ID the (not yet verified) Response names as its Issuer.
            if (form.GetValueOrDefault("SAMLart").ToString().Length > 0)
            {
                throw new AuthException(AuthErrors.BadRequestValidation("SAML Artifact response can only be used with SP initiated flow"));
            }

            if (samlResponse.Length == 0)
            {
                throw new AuthException(AuthErrors.BadRequestValidation("SAMLResponse is missing"));
            }

            response = SamlResponseValidator.Parse(samlResponse)
                ?? throw new AuthException(AuthErrors.BadRequestValidation("SAMLResponse is not a valid XML SAML assertion"));
            var issuer = SamlXml.Child(response, SamlXml.Assertion, "Issuer")?.InnerText.Trim() ?? string.Empty;
            redirectTo = relayStateValue;
            await using var read = await s.BeginAsync();
            provider = await SsoProvider.FindByEntityIdAsync(read, issuer, s.Aborted)
                ?? throw new AuthException(new AuthError(404, "saml_idp_not_found", "A SAML connection has not been established with this Identity Provider"));
        }
        else
        {
            throw new AuthException(AuthErrors.BadRequestValidation("SAML RelayState is not a valid UUID or URL"));
        }

        if (!provider.IsEnabled)
        {
            throw new AuthException(new AuthError(404, "sso_provider_disabled", "SSO Provider assigned for this domain is currently disabled"));
        }

        if (response is null)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("SAML Assertion is not valid: the SAMLResponse is missing or is no SAML Response"));
        }

        var idp = IdpMetadata.Parse(provider.MetadataXml);
        await using var tx = await s.BeginAsync();
        using var sp = await SamlServiceProvider.LoadAsync(tx, s.Project.Settings.Auth, s.Aborted);
        var assertion = SamlResponseValidator.Validate(response, idp, sp, requestId, now);

        if (requestId is null)
        {
            await ConsumeUnsolicitedAsync(tx, provider, assertion, now, s.Aborted);
        }

        var userId = SamlAccounts.UserId(assertion) ?? throw new AuthException(new AuthError(400, "saml_assertion_no_user_id",
            "SAML Assertion did not contain a persistent Subject Identifier attribute or Subject NameID uniquely identifying this user"));
        var claims = SamlAccounts.MappedClaims(assertion, provider.AttributeMapping);
        var email = SamlAccounts.Email(assertion, claims)
            ?? throw new AuthException(new AuthError(400, "saml_assertion_no_email", "SAML Assertion does not contain an email address"));

        var user = await SamlAccounts.SignInOrCreateAsync(s, tx, provider, userId, email, SamlAccounts.IdentityData(provider, userId, email, claims), now);
        OAuthFlowState? flow = null;
        if (flowId is { } id)
        {
            // Claimed under its row lock, as the OAuth callback does.
            flow = await OAuthFlowState.FindAsync(tx, id, forUpdate: true, s.Aborted, SamlMethod);
            if (flow is { UserId: not null })
            {
                throw new AuthException(new AuthError(400, "flow_state_already_used", "State has already been used"));
            }
        }

        var back = RedirectUrls.Resolve(s.Project.Settings.Auth, redirectTo);
        // GoTrue's samlacs: the session ends at the AuthnStatement's SessionNotOnOrAfter (stored as given, no skew).
        return await FinishProviderSignInAsync(s, tx, flow, user, back, provider.ProviderName, SamlMethod, now, sessionNotAfter: assertion.SessionNotOnOrAfter);
    }

    /// <summary>
    /// An IdP-initiated assertion is answered once: its ID is kept until it expires, and a second use is refused.
    /// Expired IDs are swept on the way (the assertion's own times refuse them anyway).
    /// </summary>
    private static async Task ConsumeUnsolicitedAsync(RlsTransaction tx, SsoProvider provider, SamlAssertion assertion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var sweep = tx.CreateCommand("DELETE FROM auth.saml_consumed_assertions WHERE valid_until < $1"))
        {
            sweep.Parameters.AddWithValue(now);
            await sweep.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var insert = tx.CreateCommand("""
            INSERT INTO auth.saml_consumed_assertions (sso_provider_id, assertion_id, valid_until) VALUES ($1, $2, $3)
            ON CONFLICT DO NOTHING
            """);
        insert.Parameters.AddWithValue(provider.Id);
        insert.Parameters.AddWithValue(assertion.Id);
        insert.Parameters.AddWithValue(assertion.ValidUntil);
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("SAML Assertion is not valid: the Assertion has already been used"));
        }
    }
}
