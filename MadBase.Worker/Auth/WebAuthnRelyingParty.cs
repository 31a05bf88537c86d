using System.Text;
using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Auth;

/// <summary>
/// The project's WebAuthn relying party (GoTrue's getPasskeyWebAuthn and getWebAuthnMFA over go-webauthn), with
/// Fido2 doing the ceremonies' checks: the challenge, the origin among the allowed ones, the RP ID hash, the
/// user-presence flag, the attestation, the signature and the sign counter (a counter that does not grow is a
/// cloned authenticator, refused). Every failure of what the client sent is GoTrue's 400
/// webauthn_verification_failed, never a 500.
/// </summary>
internal sealed class WebAuthnRelyingParty
{
    private readonly Fido2 fido2;

    private WebAuthnRelyingParty(string id, string name, IReadOnlySet<string> origins, int expirySeconds)
    {
        Id = id;
        // The browser's timeout, as long as the challenge lives.
        fido2 = new Fido2(new Fido2Configuration { RPID = id, RPName = name, Origins = origins, Timeout = (uint)Math.Min(expirySeconds * 1000L, uint.MaxValue) });
    }

    public string Id { get; }

    /// <summary>What the project configured, the rest from its site URL (see <see cref="WebAuthnSettings"/>).</summary>
    public static WebAuthnRelyingParty Of(Project project)
    {
        var auth = project.Settings.Auth;
        var site = new Uri(auth.SiteUrl);
        var id = auth.Webauthn.RpId ?? site.Host;
        var origins = auth.Webauthn.RpOrigins.Count > 0
            ? auth.Webauthn.RpOrigins.Select(o => o.TrimEnd('/')).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal) { site.GetLeftPart(UriPartial.Authority) };
        return new WebAuthnRelyingParty(id, auth.Webauthn.RpDisplayName ?? id, origins, auth.Webauthn.ChallengeExpiryDuration);
    }

    /// <summary>GoTrue's user handle: the user id's text as UTF-8 bytes (User.WebAuthnID).</summary>
    public static byte[] UserHandle(Guid userId) => Encoding.UTF8.GetBytes(userId.ToString());

    public static Guid? UserOfHandle(byte[]? handle) =>
        handle is not null && Guid.TryParse(Encoding.UTF8.GetString(handle), out var id) ? id : null;

    /// <summary>
    /// Creation options for <paramref name="user"/>, excluding the credentials they already hold. A passkey must be
    /// discoverable (resident), so that sign-in needs no user name; an MFA factor need not be.
    /// </summary>
    public CredentialCreateOptions RegistrationOptions(User user, IEnumerable<byte[]> existing, bool discoverable)
    {
        var name = user.Email is { Length: > 0 } email ? email : user.Phone ?? string.Empty;
        var displayName = DisplayName(user.UserMetadataJson) ?? name;
        return fido2.RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = UserHandle(user.Id), Name = name, DisplayName = displayName },
            ExcludeCredentials = existing.Select(id => new PublicKeyCredentialDescriptor(id)).ToArray(),
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = discoverable ? ResidentKeyRequirement.Required : ResidentKeyRequirement.Discouraged,
                UserVerification = UserVerificationRequirement.Preferred,
            },
            AttestationPreference = AttestationConveyancePreference.None,
        });
    }

    /// <summary>Request options: none allowed for a discoverable sign-in, the factor's credentials for MFA.</summary>
    public AssertionOptions AuthenticationOptions(IEnumerable<byte[]> allowed) =>
        fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = allowed.Select(id => new PublicKeyCredentialDescriptor(id)).ToArray(),
            UserVerification = UserVerificationRequirement.Preferred,
        });

    public static AuthenticatorAttestationRawResponse ParseAttestation(JsonElement credential) =>
        Parse<AuthenticatorAttestationRawResponse>(credential);

    public static AuthenticatorAssertionRawResponse ParseAssertion(JsonElement credential) =>
        Parse<AuthenticatorAssertionRawResponse>(credential);

    public async Task<RegisteredPublicKeyCredential> VerifyRegistrationAsync(
        string optionsJson, AuthenticatorAttestationRawResponse response, CancellationToken cancellationToken)
    {
        try
        {
            return await fido2.MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = CredentialCreateOptions.FromJson(optionsJson),
                // One credential id, one row: the unique index refuses a second registration.
                IsCredentialIdUniqueToUserCallback = (_, _) => Task.FromResult(true),
            }, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new AuthException(VerificationFailed());
        }
    }

    /// <summary>The assertion checked against the stored key and counter; returns the authenticator's new counter.</summary>
    public async Task<VerifyAssertionResult> VerifyAssertionAsync(
        string optionsJson, AuthenticatorAssertionRawResponse response, Guid ownerId, byte[] publicKey, uint signCount,
        CancellationToken cancellationToken)
    {
        try
        {
            return await fido2.MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(optionsJson),
                StoredPublicKey = publicKey,
                StoredSignatureCounter = signCount,
                IsUserHandleOwnerOfCredentialIdCallback = (p, _) => Task.FromResult(UserOfHandle(p.UserHandle) == ownerId),
            }, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new AuthException(VerificationFailed());
        }
    }

    public static AuthError VerificationFailed() => new(400, "webauthn_verification_failed", "Credential verification failed");

    private static T Parse<T>(JsonElement credential)
    {
        try
        {
            return credential.Deserialize<T>() ?? throw new JsonException();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // JsonException for the shape, and whatever Fido2's converters throw for a value (bad base64url, an unknown enum).
            throw new AuthException(new AuthError(400, "webauthn_verification_failed", "Invalid credential response"));
        }
    }

    /// <summary>GoTrue's WebAuthnDisplayName: the user metadata's name, when there is one.</summary>
    private static string? DisplayName(string userMetadataJson)
    {
        using var metadata = JsonDocument.Parse(userMetadataJson);
        return metadata.RootElement.ValueKind == JsonValueKind.Object
            && metadata.RootElement.TryGetProperty("name", out var name)
            && name.ValueKind == JsonValueKind.String
            && name.GetString() is { Length: > 0 } text ? text : null;
    }
}
