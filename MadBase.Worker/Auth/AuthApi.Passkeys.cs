using System.Text.Json;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// /passkeys (GoTrue's passkey_registration.go, passkey_authentication.go, passkey_manage.go) and
// /admin/users/{id}/passkeys (passkey_admin.go): a signed-in user registers passkeys, anyone signs in with one
// (a discoverable credential: the authenticator names the user), the owner lists, renames and deletes them.
internal static partial class AuthApi
{
    private static void MapPasskeyRoutes(RouteGroupBuilder auth)
    {
        auth.MapPost("/passkeys/authentication/options", PasskeyAuthenticationOptions);
        auth.MapPost("/passkeys/authentication/verify", PasskeyAuthenticationVerify);
        auth.MapPost("/passkeys/registration/options", PasskeyRegistrationOptions);
        auth.MapPost("/passkeys/registration/verify", PasskeyRegistrationVerify);
        auth.MapGet("/passkeys", ListPasskeys);
        auth.MapPatch("/passkeys/{passkeyId}", UpdatePasskey);
        auth.MapDelete("/passkeys/{passkeyId}", DeletePasskey);
        auth.MapGet("/admin/users/{id}/passkeys", AdminListPasskeys);
        auth.MapDelete("/admin/users/{id}/passkeys/{passkeyId}", AdminDeletePasskey);
    }

    private static async Task<IResult> PasskeyRegistrationOptions([AsParameters] AuthServices s)
    {
        RequirePasskeysEnabled(s);
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var (user, session) = await FactorOwnerAsync(tx, s);
        await RequirePasskeyManagementAalAsync(tx, user, session, s.Aborted);
        var passkeys = await Passkey.ListAsync(tx, user.Id, s.Aborted);
        if (passkeys.Count >= s.Project.Settings.Auth.Passkey.MaxPasskeysPerUser)
        {
            return TooManyPasskeys().ToResult();
        }

        var options = WebAuthnRelyingParty.Of(s.Project).RegistrationOptions(user, passkeys.Select(p => p.CredentialId), discoverable: true).ToJson();
        var expiresAt = now.AddSeconds(s.Project.Settings.Auth.Webauthn.ChallengeExpiryDuration);
        var challengeId = await WebAuthnChallenge.InsertAsync(tx, user.Id, WebAuthnChallenge.Registration, options, expiresAt, now, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return CeremonyOptions(challengeId, options, expiresAt);
    }

    private static async Task<IResult> PasskeyRegistrationVerify([AsParameters] AuthServices s)
    {
        RequirePasskeysEnabled(s);
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var (user, session) = await FactorOwnerAsync(tx, s);
        await RequirePasskeyManagementAalAsync(tx, user, session, s.Aborted);
        var input = await AuthBody.ReadAsync<PasskeyVerifyParams>(s.Context);
        var (challengeId, credential) = CeremonyAnswer(input);

        // Spent before it is checked, so a wrong answer cannot be retried against the same challenge.
        var challenge = await WebAuthnChallenge.ConsumeAsync(tx, challengeId, WebAuthnChallenge.Registration, user.Id, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        var optionsJson = UnexpiredChallenge(challenge, now);
        var registered = await WebAuthnRelyingParty.Of(s.Project).VerifyRegistrationAsync(
            optionsJson, WebAuthnRelyingParty.ParseAttestation(credential), s.Aborted);

        await using var write = await s.BeginAsync();
        // Counted again: two registrations may have been under way at once.
        if ((await Passkey.ListAsync(write, user.Id, s.Aborted)).Count >= s.Project.Settings.Auth.Passkey.MaxPasskeysPerUser)
        {
            return TooManyPasskeys().ToResult();
        }

        // GoTrue names a passkey after its authenticator's model when the AAGUID is a known one; MadBase keeps no such list.
        var passkey = await Passkey.InsertAsync(write, user.Id, registered, "Passkey", now, s.Aborted)
            ?? throw new AuthException(new AuthError(422, "webauthn_credential_exists", "This credential is already registered"));
        await AuditLog.WriteAsync(write, s.Context, user, AuditLog.PasskeyCreated, now, new Dictionary<string, object> { ["passkey_id"] = passkey.Id }, s.Aborted);
        await write.CommitAsync(s.Aborted);
        return Json(passkey.Json);
    }

    private static async Task<IResult> PasskeyAuthenticationOptions([AsParameters] AuthServices s)
    {
        RequirePasskeysEnabled(s);
        var auth = s.Project.Settings.Auth;
        await s.Limiter.CheckAsync(s.Context, s.Project, "passkey", auth.RateLimitPasskey, FiveMinutes);
        var now = s.Clock.GetUtcNow();
        var options = WebAuthnRelyingParty.Of(s.Project).AuthenticationOptions([]).ToJson();
        var expiresAt = now.AddSeconds(auth.Webauthn.ChallengeExpiryDuration);
        await using var tx = await s.BeginAsync();
        var challengeId = await WebAuthnChallenge.InsertAsync(tx, null, WebAuthnChallenge.Authentication, options, expiresAt, now, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return CeremonyOptions(challengeId, options, expiresAt);
    }

    private static async Task<IResult> PasskeyAuthenticationVerify([AsParameters] AuthServices s)
    {
        RequirePasskeysEnabled(s);
        var input = await AuthBody.ReadAsync<PasskeyVerifyParams>(s.Context);
        var (challengeId, credential) = CeremonyAnswer(input);
        var now = s.Clock.GetUtcNow();
        (string, DateTimeOffset)? challenge;
        await using (var consume = await s.BeginAsync())
        {
            challenge = await WebAuthnChallenge.ConsumeAsync(consume, challengeId, WebAuthnChallenge.Authentication, null, s.Aborted);
            await consume.CommitAsync(s.Aborted);
        }

        var optionsJson = UnexpiredChallenge(challenge, now);
        var assertion = WebAuthnRelyingParty.ParseAssertion(credential);
        await using var tx = await s.BeginAsync();

        // A discoverable sign-in: the credential and the user handle beside it name the user, and must agree.
        var passkey = await Passkey.FindByCredentialIdAsync(tx, assertion.RawId ?? [], s.Aborted);
        if (passkey is null || assertion.Response?.UserHandle is null)
        {
            return WebAuthnRelyingParty.VerificationFailed().ToResult();
        }

        var verified = await WebAuthnRelyingParty.Of(s.Project).VerifyAssertionAsync(
            optionsJson, assertion, passkey.UserId, passkey.PublicKey, (uint)passkey.SignCount, s.Aborted);
        var user = await User.FindByIdAsync(tx, passkey.UserId, s.Aborted) ?? throw new AuthException(WebAuthnRelyingParty.VerificationFailed());
        if (!string.IsNullOrEmpty(user.Email) && !user.IsConfirmed)
        {
            return new AuthError(403, "email_not_confirmed", "Email not confirmed").ToResult();
        }

        if (user.IsBanned(now))
        {
            return new AuthError(403, "user_banned", "User is banned").ToResult();
        }

        tx.Add(passkey.RecordUse(verified.SignCount, verified.IsBackedUp, now));
        tx.Add(AuditLog.Entry(s.Context, user, AuditLog.Login, now, new Dictionary<string, object> { ["passkey_id"] = passkey.Id }));
        var issued = await s.Tokens.SignInAsync(tx, s.Project, user, "passkey", s.Context, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return issued.ToResult();
    }

    private static async Task<IResult> ListPasskeys([AsParameters] AuthServices s)
    {
        RequirePasskeysEnabled(s);
        await using var tx = await s.BeginAsync();
        var (user, _) = await BearerSession.LoadAsync(tx, s.Tenant, s.Aborted);
        return Json(Passkey.JsonArray(await Passkey.ListAsync(tx, user.Id, s.Aborted)));
    }

    private static async Task<IResult> UpdatePasskey([AsParameters] AuthServices s, string passkeyId)
    {
        RequirePasskeysEnabled(s);
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var (user, _) = await BearerSession.LoadAsync(tx, s.Tenant, s.Aborted);
        var id = PasskeyId(passkeyId);
        var input = await AuthBody.ReadAsync<PasskeyUpdateParams>(s.Context);
        if (string.IsNullOrEmpty(input.FriendlyName))
        {
            return AuthErrors.BadRequestValidation("friendly_name is required").ToResult();
        }

        if (input.FriendlyName.Length > 120)
        {
            return AuthErrors.BadRequestValidation("friendly_name must be 120 characters or less").ToResult();
        }

        var passkey = await Passkey.FindOwnedAsync(tx, user.Id, id, s.Aborted) ?? throw new AuthException(PasskeyNotFound());
        passkey = await passkey.RenameAsync(tx, input.FriendlyName, now, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.PasskeyUpdated, now, new Dictionary<string, object> { ["passkey_id"] = passkey.Id }, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(passkey.Json);
    }

    private static async Task<IResult> DeletePasskey([AsParameters] AuthServices s, string passkeyId)
    {
        RequirePasskeysEnabled(s);
        await using var tx = await s.BeginAsync();
        var (user, session) = await BearerSession.LoadAsync(tx, s.Tenant, s.Aborted);
        await RequirePasskeyManagementAalAsync(tx, user, session, s.Aborted);
        var passkey = await Passkey.FindOwnedAsync(tx, user.Id, PasskeyId(passkeyId), s.Aborted) ?? throw new AuthException(PasskeyNotFound());
        await passkey.DeleteAsync(tx, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.PasskeyDeleted, s.Clock.GetUtcNow(),
            new Dictionary<string, object> { ["passkey_id"] = passkey.Id }, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Results.NoContent();
    }

    /// <summary>As GoTrue, the admin routes answer whether or not passkey sign-in is on (they are not behind requirePasskeyEnabled).</summary>
    private static async Task<IResult> AdminListPasskeys([AsParameters] AuthServices s, string id)
    {
        RequireAdmin(s);
        await using var tx = await s.BeginAsync();
        var user = await FactorsUserAsync(tx, id, s.Aborted);
        return Json(Passkey.JsonArray(await Passkey.ListAsync(tx, user.Id, s.Aborted)));
    }

    private static async Task<IResult> AdminDeletePasskey([AsParameters] AuthServices s, string id, string passkeyId)
    {
        RequireAdmin(s);
        await using var tx = await s.BeginAsync();
        var user = await FactorsUserAsync(tx, id, s.Aborted);
        var passkey = await Passkey.FindOwnedAsync(tx, user.Id, PasskeyId(passkeyId), s.Aborted) ?? throw new AuthException(PasskeyNotFound());
        await passkey.DeleteAsync(tx, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.PasskeyDeleted, s.Clock.GetUtcNow(),
            new Dictionary<string, object> { ["user_id"] = user.Id, ["passkey_id"] = passkey.Id }, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Results.NoContent();
    }

    /// <summary>GoTrue's requirePasskeyEnabled.</summary>
    private static void RequirePasskeysEnabled(AuthServices s)
    {
        if (!s.Project.Settings.Auth.Passkey.Enabled)
        {
            throw new AuthException(new AuthError(404, "passkey_disabled", "Passkeys are disabled"));
        }
    }

    /// <summary>
    /// GoTrue's requirePasskeyManagementAAL: once the user has a verified MFA factor, adding or deleting a passkey
    /// takes an aal2 session, as changing a password does.
    /// </summary>
    private static async Task RequirePasskeyManagementAalAsync(RlsTransaction tx, User user, Session? session, CancellationToken cancellationToken)
    {
        if ((await Factor.ListAsync(tx, user.Id, cancellationToken)).Any(f => f.IsVerified)
            && (session is null || !await AuthenticatorAssurance.IsAal2Async(tx, session.Id, cancellationToken)))
        {
            throw new AuthException(new AuthError(403, "insufficient_aal", "AAL2 session is required to manage passkeys when MFA is enabled"));
        }
    }

    /// <summary>The challenge id and credential of a verify body, each required, in GoTrue's order and words.</summary>
    private static (Guid ChallengeId, JsonElement Credential) CeremonyAnswer(PasskeyVerifyParams input)
    {
        if (string.IsNullOrEmpty(input.ChallengeId))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("challenge_id is required"));
        }

        if (input.Credential is not { ValueKind: not JsonValueKind.Null } credential)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("credential is required"));
        }

        return Guid.TryParse(input.ChallengeId, out var id)
            ? (id, credential)
            : throw new AuthException(AuthErrors.BadRequestValidation("challenge_id must be a valid UUID"));
    }

    private static string UnexpiredChallenge((string OptionsJson, DateTimeOffset ExpiresAt)? challenge, DateTimeOffset now) => challenge switch
    {
        null => throw new AuthException(new AuthError(400, "webauthn_challenge_not_found", "Challenge not found or already used")),
        { ExpiresAt: var expiresAt } when now > expiresAt => throw new AuthException(new AuthError(400, "webauthn_challenge_expired", "Challenge has expired")),
        { OptionsJson: var options } => options,
    };

    private static IResult CeremonyOptions(Guid challengeId, string optionsJson, DateTimeOffset expiresAt) =>
        Json($$"""{"challenge_id":"{{challengeId}}","options":{{optionsJson}},"expires_at":{{expiresAt.ToUnixTimeSeconds()}}}""");

    private static Guid PasskeyId(string passkeyId) =>
        Guid.TryParse(passkeyId, out var id) ? id : throw new AuthException(PasskeyNotFound());

    private static AuthError PasskeyNotFound() => new(404, "validation_failed", "Passkey not found");

    private static AuthError TooManyPasskeys() => new(422, "too_many_passkeys", "Maximum number of passkeys reached");
}
