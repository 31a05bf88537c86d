using System.Text.Json;
using System.Text.Json.Nodes;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// WebAuthn MFA factors (GoTrue's mfa.go challengeWebAuthnFactor and verifyWebAuthnFactor): an unverified factor's
// challenge is a registration ("create"), a verified one's an assertion ("request"); either answer, once checked,
// raises the session to aal2 as a TOTP code does.
internal static partial class AuthApi
{
    private const string WebAuthnCreate = "create";
    private const string WebAuthnRequest = "request";

    private static async Task<IResult> ChallengeWebAuthnFactorAsync(RlsTransaction tx, AuthServices s, User user, Factor factor, DateTimeOffset now)
    {
        if (!s.Project.Settings.Auth.Mfa.WebAuthn.VerifyEnabled)
        {
            return new AuthError(422, "mfa_webauthn_verify_not_enabled", "MFA verification is disabled for WebAuthn").ToResult();
        }

        var party = WebAuthnRelyingParty.Of(s.Project);
        var existing = await WebAuthnFactorCredential.IdsOfUserAsync(tx, user.Id, s.Aborted);
        var (type, options) = factor.IsVerified
            ? (WebAuthnRequest, party.AuthenticationOptions(existing).ToJson())
            : (WebAuthnCreate, party.RegistrationOptions(user, existing, discoverable: false).ToJson());
        var sessionData = new JsonObject { ["type"] = type, ["options"] = JsonNode.Parse(options) }.ToJsonString();
        var challengeId = await factor.CreateChallengeAsync(tx, ClientAddress(s.Context), now, s.Aborted, sessionData);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.ChallengeCreated, now,
            new Dictionary<string, object> { ["factor_id"] = factor.Id, ["factor_status"] = factor.Status }, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        var expiresAt = now.AddSeconds(ChallengeExpiry(s)).ToUnixTimeSeconds();
        return Json($$"""{"id":"{{challengeId}}","type":"webauthn","expires_at":{{expiresAt}},"webauthn":{"type":"{{type}}","credential_options":{"publicKey":"""
            + options + "}}}");
    }

    private static async Task<IResult> VerifyWebAuthnFactorAsync(
        RlsTransaction tx, AuthServices s, User user, Session session, Factor factor, VerifyFactorParams input, DateTimeOffset now)
    {
        if (!s.Project.Settings.Auth.Mfa.WebAuthn.VerifyEnabled)
        {
            // GoTrue's code for this refusal, with verification's message.
            return new AuthError(422, "mfa_webauthn_enroll_not_enabled", "MFA verification is disabled for WebAuthn").ToResult();
        }

        var answer = input.Webauthn;
        if (answer is null)
        {
            return AuthErrors.BadRequestValidation("WebAuthn config required").ToResult();
        }

        if (answer.Type is not (WebAuthnCreate or WebAuthnRequest))
        {
            return AuthErrors.BadRequestValidation("WebAuthn type must be create or request").ToResult();
        }

        if (answer.CredentialResponse is not { ValueKind: JsonValueKind.Object } response)
        {
            return AuthErrors.BadRequestValidation("credential_response required").ToResult();
        }

        var challenge = await ValidChallengeAsync(tx, s, factor, input.ChallengeId, now);

        // One answer per challenge, right or wrong (GoTrue destroys it once used).
        await Factor.DeleteChallengeAsync(tx, challenge.Id, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        // A challenge another server wrote (GoTrue's session data) has neither: it cannot be answered here.
        using var sessionData = JsonDocument.Parse(challenge.WebAuthnSessionData ?? "{}");
        if (!sessionData.RootElement.TryGetProperty("type", out var challengeType)
            || challengeType.ValueKind != JsonValueKind.String
            || challengeType.GetString() != answer.Type
            || !sessionData.RootElement.TryGetProperty("options", out var options))
        {
            return WebAuthnRelyingParty.VerificationFailed().ToResult();
        }

        var party = WebAuthnRelyingParty.Of(s.Project);
        var lastChallenge = new JsonObject
        {
            ["challenge"] = new JsonObject { ["id"] = challenge.Id, ["created_at"] = challenge.CreatedAt },
            ["type"] = answer.Type,
            ["credential_response"] = JsonNode.Parse(response.GetRawText()),
        }.ToJsonString();
        await using var write = await s.BeginAsync();
        if (answer.Type == WebAuthnCreate)
        {
            var registered = await party.VerifyRegistrationAsync(options.GetRawText(), ParseFactorAnswer(WebAuthnRelyingParty.ParseAttestation, response), s.Aborted);
            await WebAuthnFactorCredential.SaveAsync(write, factor.Id, registered, lastChallenge, now, s.Aborted);
        }
        else
        {
            var assertion = ParseFactorAnswer(WebAuthnRelyingParty.ParseAssertion, response);
            var stored = await WebAuthnFactorCredential.FindAsync(write, factor.Id, s.Aborted);
            if (stored is null || assertion.RawId is null || !assertion.RawId.AsSpan().SequenceEqual(stored.Id))
            {
                return WebAuthnRelyingParty.VerificationFailed().ToResult();
            }

            var verified = await party.VerifyAssertionAsync(options.GetRawText(), assertion, user.Id, stored.PublicKey, stored.SignCount, s.Aborted);
            if (!await WebAuthnFactorCredential.RecordUseAsync(write, factor.Id, verified.SignCount, lastChallenge, now, s.Aborted))
            {
                return WebAuthnRelyingParty.VerificationFailed().ToResult();
            }
        }

        return await RaiseToAal2Async(write, s, user, session, factor, challenge.Id, now);
    }

    /// <summary>GoTrue's words when a factor's credential_response is not a credential at all.</summary>
    private static T ParseFactorAnswer<T>(Func<JsonElement, T> parse, JsonElement response)
    {
        try
        {
            return parse(response);
        }
        catch (AuthException)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Invalid credential_response"));
        }
    }
}
