using System.Text.Json;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// Who a provider's user is here (GoTrue's createAccountFromExternalIdentity with models.DetermineAccountLinking):
/// the user of a known identity; else the user whose email the provider verified, who gains the identity;
/// else a new user. An unverified email never links, so a provider cannot take over an account.
/// </summary>
internal static class IdentityLinking
{
    public static async Task<User> SignInOrCreateAsync(AuthServices s, RlsTransaction tx, ExternalProvider provider, ProviderUser from, DateTimeOffset now)
    {
        var identityData = from.IdentityDataJson(provider.Issuer);
        User? user;
        if (await Identity.FindAsync(tx, provider.Name, from.Subject, s.Aborted) is { } known)
        {
            await known.UpdateDataAsync(tx, identityData, now, s.Aborted);
            user = await User.FindByIdAsync(tx, known.UserId, s.Aborted) ?? throw new AuthException(AuthErrors.UserNotFound());
        }
        else if (from.Email is null && !provider.Settings.EmailOptional)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Error getting user email from external provider"));
        }
        else if (from.EmailVerified && await User.FindByEmailAsync(tx, from.Email!, s.Aborted) is { } owner)
        {
            await Identity.CreateAsync(tx, owner.Id, provider.Name, from.Subject, identityData, now, s.Aborted);
            user = owner;
        }
        else
        {
            user = await CreateUserAsync(s, tx, provider, from, identityData, now);
        }

        if (user.IsBanned(now))
        {
            throw new AuthException(AuthErrors.UserBanned());
        }

        await user.MergeUserMetadataAsync(tx, identityData, now, s.Aborted);
        return await user.ReloadAsync(tx, s.Aborted);
    }

    /// <summary>Manual linking (GoTrue's linkIdentityToUser): the identity joins the signed-in user unless a user already holds it.</summary>
    public static async Task<User> LinkAsync(AuthServices s, RlsTransaction tx, Guid targetUserId, ExternalProvider provider, ProviderUser from, DateTimeOffset now)
    {
        var target = await User.FindByIdAsync(tx, targetUserId, s.Aborted) ?? throw new AuthException(AuthErrors.UserNotFound());
        var identityData = from.IdentityDataJson(provider.Issuer);
        if (await Identity.FindAsync(tx, provider.Name, from.Subject, s.Aborted) is { } known)
        {
            throw new AuthException(new AuthError(
                422, "identity_already_exists", known.UserId == target.Id ? "Identity is already linked" : "Identity is already linked to another user"));
        }

        await Identity.CreateAsync(tx, target.Id, provider.Name, from.Subject, identityData, now, s.Aborted);
        return await target.ReloadAsync(tx, s.Aborted);
    }

    private static async Task<User> CreateUserAsync(
        AuthServices s, RlsTransaction tx, ExternalProvider provider, ProviderUser from, string identityData, DateTimeOffset now)
    {
        var settings = s.Project.Settings.Auth;
        if (settings.DisableSignup)
        {
            throw new AuthException(AuthErrors.SignupDisabled());
        }

        // GoTrue mails a confirmation here; MadBase refuses instead, so an unverified address is never taken as proven.
        if (from.Email is not null && !from.EmailVerified && !settings.Autoconfirm)
        {
            throw new AuthException(new AuthError(
                400, "provider_email_needs_verification", $"Unverified email with {provider.Name}. Verify the email with {provider.Name} in order to sign in"));
        }

        if (from.Email is not null && await User.FindByEmailAsync(tx, from.Email, s.Aborted) is not null)
        {
            throw new AuthException(AuthErrors.EmailExists());
        }

        var appMetadata = JsonSerializer.Serialize(new Dictionary<string, object> { ["provider"] = provider.Name, ["providers"] = new[] { provider.Name } });
        var user = await User.CreateAsync(
            tx, new NewUser(from.Email, null, null, appMetadata, identityData, Provider: null, EmailConfirmed: from.Email is not null), now, s.Aborted);
        await Identity.CreateAsync(tx, user.Id, provider.Name, from.Subject, identityData, now, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.SignedUp, now, new Dictionary<string, object> { ["provider"] = provider.Name }, s.Aborted);
        return user;
    }
}
