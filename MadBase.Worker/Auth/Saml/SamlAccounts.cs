using System.Text.Json;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// Who an assertion's subject is here (samlacs.go with samlassertion.go): the user ID GoTrue picks (the subject-id
/// attribute, else a NameID that is not transient), the claims of the provider's attribute mapping, the email, and
/// the user of the <c>sso:{provider id}</c> identity, created as an SSO user (is_sso_user) when new. An SSO user's
/// linking domain is its provider, so an existing user with the same email elsewhere is never taken over.
/// </summary>
internal static class SamlAccounts
{
    private const string SubjectIdAttribute = "urn:oasis:names:tc:SAML:attribute:subject-id";

    // samlassertion.go's Email(): the attributes that may carry the address, in that order.
    private static readonly string[] EmailAttributes =
    [
        "urn:oid:0.9.2342.19200300.100.1.3", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "http://schemas.xmlsoap.org/claims/EmailAddress", "mail", "Mail", "email",
    ];

    // provider.Claims' string fields: a mapped claim of one of these names is a top-level identity claim, others go to custom_claims.
    private static readonly string[] StandardClaims =
    [
        "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website",
        "gender", "birthdate", "zoneinfo", "locale", "phone", "full_name", "avatar_url", "slug", "user_name",
    ];

    /// <summary>GoTrue's UserID(): the subject-id attribute, else the NameID unless transient (an email NameID lowercased).</summary>
    public static string? UserId(SamlAssertion assertion)
    {
        if (Values(assertion, SubjectIdAttribute).FirstOrDefault() is { } subjectId)
        {
            return subjectId;
        }

        if (string.IsNullOrEmpty(assertion.NameId) || assertion.NameIdFormat == SamlXml.TransientNameId)
        {
            return null;
        }

        return assertion.NameIdFormat == SamlXml.EmailNameId ? assertion.NameId.Trim().ToLowerInvariant() : assertion.NameId;
    }

    /// <summary>GoTrue's Process(): each mapped claim from the first of its attribute names that has a value, else its default.</summary>
    public static Dictionary<string, object?> MappedClaims(SamlAssertion assertion, SamlAttributeMapping mapping)
    {
        var claims = new Dictionary<string, object?>();
        foreach (var (key, mapper) in mapping.Keys ?? [])
        {
            var names = (mapper.Name is { Length: > 0 } name ? new[] { name } : []).Concat(mapper.Names ?? []);
            foreach (var attribute in names)
            {
                var values = Values(assertion, attribute).Where(v => v.Length > 0).ToList();
                if (values.Count > 0)
                {
                    claims[key] = mapper.Array ? values : values[0];
                    break;
                }
            }

            if (!claims.ContainsKey(key) && mapper.Default is { } fallback)
            {
                claims[key] = fallback;
            }
        }

        return claims;
    }

    /// <summary>The mapped <c>email</c> claim, else GoTrue's guess from the usual attributes, else an email NameID.</summary>
    public static string? Email(SamlAssertion assertion, Dictionary<string, object?> claims)
    {
        if (claims.GetValueOrDefault("email") is string { Length: > 0 } mapped)
        {
            return mapped;
        }

        foreach (var name in EmailAttributes)
        {
            if (Values(assertion, name).FirstOrDefault(v => v.Length > 0) is { } value)
            {
                return value;
            }
        }

        return assertion.NameIdFormat == SamlXml.EmailNameId && !string.IsNullOrEmpty(assertion.NameId) ? assertion.NameId : null;
    }

    /// <summary>The identity's data as GoTrue's structs.Map of provider.Claims: iss, sub, email and the mapped claims.</summary>
    public static string IdentityData(SsoProvider provider, string userId, string email, Dictionary<string, object?> claims)
    {
        var data = new Dictionary<string, object?>();
        var custom = new Dictionary<string, object?>();
        foreach (var (key, value) in claims)
        {
            if (key is "email" or "iss" or "sub" or "email_verified" or "phone_verified" or "custom_claims")
            {
                continue;
            }

            if (StandardClaims.Contains(key) && value is string)
            {
                data[key] = value;
            }
            else
            {
                custom[key] = value;
            }
        }

        data["iss"] = provider.EntityId;
        data["sub"] = userId;
        data["email"] = email;
        data["email_verified"] = true;
        data["phone_verified"] = false;
        if (custom.Count > 0)
        {
            data["custom_claims"] = custom;
        }

        return JsonSerializer.Serialize(data);
    }

    public static async Task<User> SignInOrCreateAsync(
        AuthServices s, RlsTransaction tx, SsoProvider provider, string userId, string email, string identityData, DateTimeOffset now)
    {
        User user;
        if (await Identity.FindAsync(tx, provider.ProviderName, userId, s.Aborted) is { } known)
        {
            await known.UpdateDataAsync(tx, identityData, now, s.Aborted);
            user = await User.FindByIdAsync(tx, known.UserId, s.Aborted) ?? throw new AuthException(AuthErrors.UserNotFound());
        }
        else
        {
            if (s.Project.Settings.Auth.DisableSignup)
            {
                throw new AuthException(AuthErrors.SignupDisabled());
            }

            var appMetadata = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["provider"] = provider.ProviderName,
                ["providers"] = new[] { provider.ProviderName },
            });
            user = await User.CreateAsync(
                tx, new NewUser(email, null, null, appMetadata, identityData, Provider: null, EmailConfirmed: true, IsSsoUser: true), now, s.Aborted);
            await Identity.CreateAsync(tx, user.Id, provider.ProviderName, userId, identityData, now, s.Aborted);
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.SignedUp, now, new Dictionary<string, object> { ["provider"] = provider.ProviderName }, s.Aborted);
        }

        if (user.IsBanned(now))
        {
            throw new AuthException(AuthErrors.UserBanned());
        }

        await user.MergeUserMetadataAsync(tx, identityData, now, s.Aborted);
        return await user.ReloadAsync(tx, s.Aborted);
    }

    /// <summary>GoTrue's Attribute(): values of the attributes whose Name or FriendlyName is that name, case-insensitively.</summary>
    private static IEnumerable<string> Values(SamlAssertion assertion, string name) =>
        assertion.Attributes
            .Where(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(a.FriendlyName, name, StringComparison.OrdinalIgnoreCase))
            .SelectMany(a => a.Values);
}
