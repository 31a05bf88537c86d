using System.Text.Json.Nodes;
using MadBase.ServiceDefaults.Database;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Auth;

/// <summary>The body of POST and PUT <c>/admin/sso/providers</c> (GoTrue's CreateSSOProviderParams).</summary>
internal sealed class CreateSsoProviderParams
{
    public string? Type { get; init; }

    public string? MetadataUrl { get; init; }

    public string? MetadataXml { get; init; }

    public List<string>? Domains { get; init; }

    public SamlAttributeMapping? AttributeMapping { get; init; }

    public string? NameIdFormat { get; init; }

    public string? ResourceId { get; init; }

    public bool? Disabled { get; init; }
}

// /admin/sso/providers (GoTrue's ssoadmin.go): SAML identity providers, their email domains and attribute mapping,
// for service_role only. With SAML off the routes answer as before (an empty list, every id unknown, creation
// "SAML 2.0 is disabled").
internal static partial class AuthApi
{
    private static readonly string[] NameIdFormats =
        [SamlXml.PersistentNameId, SamlXml.EmailNameId, SamlXml.TransientNameId, SamlXml.UnspecifiedNameId];

    private static void MapSsoAdminRoutes(RouteGroupBuilder admin)
    {
        admin.MapGet("/sso/providers", ListSsoProvidersOrEmpty);
        admin.MapPost("/sso/providers", CreateSsoProvider);
        admin.MapGet("/sso/providers/{providerId}", GetSsoProvider);
        admin.MapPut("/sso/providers/{providerId}", UpdateSsoProvider);
        admin.MapDelete("/sso/providers/{providerId}", DeleteSsoProvider);
    }

    private static async Task<IResult> ListSsoProvidersOrEmpty([AsParameters] AuthServices s)
    {
        if (!SamlEnabled(s))
        {
            return ListSsoProviders(s);
        }

        RequireAdmin(s);
        var query = s.Context.Request.Query;
        var resourceId = query["resource_id"].ToString() is { Length: > 0 } exact ? exact : null;
        var prefix = query["resource_id_prefix"].ToString() is { Length: > 0 } start ? start : null;
        await using var tx = await s.BeginAsync();
        var providers = await SsoProvider.ListAsync(tx, resourceId, prefix, s.Aborted);
        return Json(new JsonObject { ["items"] = new JsonArray(providers.Select(p => (JsonNode)p.ToJson(withMetadataXml: false)).ToArray()) }.ToJsonString());
    }

    private static async Task<IResult> CreateSsoProvider([AsParameters] AuthServices s)
    {
        if (!SamlEnabled(s))
        {
            return AdminSamlDisabled(s);
        }

        RequireAdmin(s);
        var input = await AuthBody.ReadAsync<CreateSsoProviderParams>(s.Context);
        ValidateSsoProvider(input, forUpdate: false);
        var (xml, metadata) = await ProviderMetadataAsync(s, input);
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        if (await SsoProvider.FindByEntityIdAsync(tx, metadata.EntityId, s.Aborted) is not null)
        {
            throw new AuthException(new AuthError(
                422, "saml_idp_already_exists", $"SAML Identity Provider with this EntityID ({metadata.EntityId}) already exists"));
        }

        var domains = input.Domains ?? [];
        foreach (var domain in domains)
        {
            RequireDomain(domain);
            if (await SsoProvider.FindByDomainAsync(tx, domain, s.Aborted) is { } owner)
            {
                throw new AuthException(new AuthError(
                    400, "sso_domain_already_exists", $"SSO Domain '{domain}' is already assigned to an SSO identity provider ({owner.Id})"));
            }
        }

        if (domains.Distinct(StringComparer.OrdinalIgnoreCase).Count() != domains.Count)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("SSO domains must not repeat"));
        }

        Guid id;
        try
        {
            id = await SsoProvider.CreateAsync(
                tx, input.ResourceId is { Length: > 0 } resource ? resource : null, input.Disabled, metadata.EntityId, xml,
                input.MetadataUrl is { Length: > 0 } url ? url : null, input.AttributeMapping ?? new(),
                input.NameIdFormat is { Length: > 0 } format ? format : null, domains, now, s.Aborted);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // A resource_id in use (case-insensitively), or a racing create of the same entity ID or domain.
            throw new AuthException(SsoProviderConflict("Creating"));
        }

        var created = await SsoProvider.FindByIdAsync(tx, id, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Results.Text(created!.ToJson().ToJsonString(), "application/json", System.Text.Encoding.UTF8, 201);
    }

    private static async Task<IResult> GetSsoProvider([AsParameters] AuthServices s, string providerId)
    {
        if (!SamlEnabled(s))
        {
            return SsoProviderNotFound(s);
        }

        RequireAdmin(s);
        await using var tx = await s.BeginAsync();
        var provider = await LoadSsoProviderAsync(s, tx, providerId);
        return Json(provider.ToJson().ToJsonString());
    }

    private static async Task<IResult> UpdateSsoProvider([AsParameters] AuthServices s, string providerId)
    {
        if (!SamlEnabled(s))
        {
            return SsoProviderNotFound(s);
        }

        RequireAdmin(s);
        var input = await AuthBody.ReadAsync<CreateSsoProviderParams>(s.Context);
        ValidateSsoProvider(input, forUpdate: true);
        SsoProvider provider;
        await using (var read = await s.BeginAsync())
        {
            provider = await LoadSsoProviderAsync(s, read, providerId);
        }

        var modified = false;
        if (!string.IsNullOrEmpty(input.MetadataXml) || !string.IsNullOrEmpty(input.MetadataUrl))
        {
            var (xml, metadata) = await ProviderMetadataAsync(s, input);
            if (metadata.EntityId != provider.EntityId)
            {
                throw new AuthException(new AuthError(400, "saml_entity_id_mismatch",
                    $"SAML Metadata can be updated only if the EntityID matches for the provider; expected '{provider.EntityId}' but got '{metadata.EntityId}'"));
            }

            provider = provider with { MetadataXml = xml, MetadataUrl = string.IsNullOrEmpty(input.MetadataUrl) ? provider.MetadataUrl : input.MetadataUrl };
            modified = true;
        }

        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        List<string> keep = [], add = [];
        foreach (var domain in input.Domains ?? [])
        {
            RequireDomain(domain);
            var owner = await SsoProvider.FindByDomainAsync(tx, domain, s.Aborted);
            if (owner is null)
            {
                add.Add(domain);
            }
            else if (owner.Id == provider.Id)
            {
                keep.Add(owner.Domains.First(d => string.Equals(d, domain, StringComparison.OrdinalIgnoreCase)));
            }
            else
            {
                throw new AuthException(new AuthError(
                    400, "sso_domain_already_exists", $"SSO domain '{domain}' already assigned to another provider ({owner.Id})"));
            }
        }

        if (add.Distinct(StringComparer.OrdinalIgnoreCase).Count() != add.Count)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("SSO domains must not repeat"));
        }

        // Domains change only when the body names them (an empty list removes them all); absent, they stay.
        var updateDomains = input.Domains is not null && (add.Count > 0 || keep.Count != provider.Domains.Count);
        if (input.AttributeMapping?.Keys is not null && input.AttributeMapping.ToJson() != provider.AttributeMapping.ToJson())
        {
            provider = provider with { AttributeMapping = input.AttributeMapping };
            modified = true;
        }

        var nameIdFormat = string.IsNullOrEmpty(input.NameIdFormat) ? null : input.NameIdFormat;
        if (nameIdFormat != provider.NameIdFormat)
        {
            provider = provider with { NameIdFormat = nameIdFormat };
            modified = true;
        }

        if (input.ResourceId is { } resourceId && resourceId != (provider.ResourceId ?? string.Empty))
        {
            provider = provider with { ResourceId = resourceId.Length == 0 ? null : resourceId };
            modified = true;
        }

        if (input.Disabled is { } disabled && provider.Disabled != disabled)
        {
            provider = provider with { Disabled = disabled };
            modified = true;
        }

        if (modified || updateDomains)
        {
            try
            {
                await provider.UpdateAsync(tx, now, s.Aborted);
                if (updateDomains)
                {
                    await provider.ReplaceDomainsAsync(tx, keep, add, now, s.Aborted);
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new AuthException(SsoProviderConflict("Updating"));
            }
        }

        var updated = await SsoProvider.FindByIdAsync(tx, provider.Id, s.Aborted) ?? throw new AuthException(SsoProviderUnknown());
        await tx.CommitAsync(s.Aborted);
        return Json(updated.ToJson().ToJsonString());
    }

    private static async Task<IResult> DeleteSsoProvider([AsParameters] AuthServices s, string providerId)
    {
        if (!SamlEnabled(s))
        {
            return SsoProviderNotFound(s);
        }

        RequireAdmin(s);
        await using var tx = await s.BeginAsync();
        var provider = await LoadSsoProviderAsync(s, tx, providerId);
        await provider.DeleteAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(provider.ToJson().ToJsonString());
    }

    /// <summary>GoTrue's loadSSOProvider: <c>resource_{id}</c> by resource ID, else by UUID; anything else is not found.</summary>
    private static async Task<SsoProvider> LoadSsoProviderAsync(AuthServices s, RlsTransaction tx, string providerId)
    {
        const string resourcePrefix = "resource_";
        SsoProvider? provider = null;
        if (providerId.StartsWith(resourcePrefix, StringComparison.Ordinal))
        {
            var resourceId = providerId[resourcePrefix.Length..];
            if (PostgresText.IsStorable(resourceId))
            {
                provider = await SsoProvider.FindByResourceIdAsync(tx, resourceId, s.Aborted);
            }
        }
        else if (Guid.TryParse(providerId, out var id))
        {
            provider = await SsoProvider.FindByIdAsync(tx, id, s.Aborted);
        }

        return provider ?? throw new AuthException(SsoProviderUnknown());
    }

    /// <summary>GoTrue's answer to an update that failed on a conflict; a create gets the same.</summary>
    private static AuthError SsoProviderConflict(string doing) =>
        new(422, "conflict", doing + " SSO provider failed, likely due to a conflict. Try again?");

    private static AuthError SsoProviderUnknown() => new(404, "sso_provider_not_found", "SSO Identity Provider not found");

    /// <summary>GoTrue's CreateSSOProviderParams.validate.</summary>
    private static void ValidateSsoProvider(CreateSsoProviderParams input, bool forUpdate)
    {
        var hasUrl = !string.IsNullOrEmpty(input.MetadataUrl);
        var hasXml = !string.IsNullOrEmpty(input.MetadataXml);
        var error = (input, hasUrl, hasXml) switch
        {
            _ when !forUpdate && input.Type != "saml" => "Only 'saml' supported for SSO provider type",
            (_, true, true) => "Only one of metadata_xml or metadata_url needs to be set",
            (_, false, false) when !forUpdate => "Either metadata_xml or metadata_url must be set",
            (_, true, _) when !Uri.TryCreate(input.MetadataUrl, UriKind.Absolute, out _) => "metadata_url is not a valid URL",
            (_, true, _) when new Uri(input.MetadataUrl!).Scheme != "https" => "metadata_url is not a HTTPS URL",
            ({ NameIdFormat: { Length: > 0 } format }, _, _) when !NameIdFormats.Contains(format) =>
                "name_id_format must be unspecified or one of " + string.Join(", ", NameIdFormats),
            _ => null,
        };
        if (error is not null)
        {
            throw new AuthException(AuthErrors.BadRequestValidation(error));
        }
    }

    /// <summary>An empty domain cannot be stored (the table's check); GoTrue would fail on it with a 500.</summary>
    private static void RequireDomain(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("SSO domain must not be empty"));
        }
    }

    /// <summary>The metadata given inline, or fetched from metadata_url (GoTrue's fetchSAMLMetadata), then parsed.</summary>
    private static async Task<(string Xml, IdpMetadata Metadata)> ProviderMetadataAsync(AuthServices s, CreateSsoProviderParams input)
    {
        var xml = input.MetadataXml;
        if (string.IsNullOrEmpty(xml))
        {
            var url = input.MetadataUrl!;
            var http = s.Context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient(ExternalProviders.HttpClientName);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("Accept", "application/xml;charset=UTF-8");
            request.Headers.TryAddWithoutValidation("Accept-Charset", "UTF-8");
            try
            {
                using var response = await http.SendAsync(request, s.Aborted);
                if (!response.IsSuccessStatusCode)
                {
                    throw new AuthException(new AuthError(
                        400, "saml_metadata_fetch_failed", $"HTTP {(int)response.StatusCode} error fetching SAML Metadata from URL '{url}'"));
                }

                xml = IdpMetadata.DecodeUtf8(await response.Content.ReadAsByteArrayAsync(s.Aborted));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !s.Aborted.IsCancellationRequested)
            {
                throw new AuthException(new AuthError(400, "saml_metadata_fetch_failed", $"Error fetching SAML Metadata from URL '{url}'"));
            }
        }

        return (xml, IdpMetadata.Parse(xml));
    }
}
