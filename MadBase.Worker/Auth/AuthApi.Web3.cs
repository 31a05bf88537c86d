using System.Text.Json;

namespace MadBase.Worker.Auth;

// POST /token?grant_type=web3 (GoTrue's web3.go): a wallet signs a Sign-In with Ethereum or Solana message.
internal static partial class AuthApi
{
    private const string Web3Provider = "web3";

    private static async Task<IResult> Web3GrantAsync(AuthServices s)
    {
        var settings = s.Project.Settings.Auth.Web3;
        if (!settings.EthereumEnabled && !settings.SolanaEnabled)
        {
            return new AuthError(422, "web3_provider_disabled", "Web3 provider is disabled").ToResult();
        }

        await s.Limiter.CheckAsync(s.Context, s.Project, "web3", settings.RateLimit, FiveMinutes);
        var input = await AuthBody.ReadAsync<Web3GrantParams>(s.Context);
        var (chain, enabled) = input.Chain switch
        {
            "ethereum" => (Web3Chain.Ethereum, settings.EthereumEnabled),
            "solana" => (Web3Chain.Solana, settings.SolanaEnabled),
            _ => (null, false),
        };
        if (chain is null)
        {
            return new AuthError(400, "web3_unsupported_chain", "Unsupported chain").ToResult();
        }

        if (!enabled)
        {
            return new AuthError(422, "web3_provider_disabled", $"{chain.AccountName} Web3 provider is disabled").ToResult();
        }

        var message = input.Message ?? string.Empty;
        if (message.Length < 64)
        {
            return AuthErrors.BadRequestValidation("message is too short").ToResult();
        }

        if (message.Length > 20 * 1024)
        {
            return AuthErrors.BadRequestValidation("message must not exceed 20KB").ToResult();
        }

        var signature = input.Signature ?? string.Empty;
        byte[]? solanaSignature = null;
        var signed = chain == Web3Chain.Ethereum ? EthereumSignatureRefusal(signature) : SolanaSignatureRefusal(signature, out solanaSignature);
        if (signed is not null)
        {
            return signed;
        }

        var parsed = SignInMessage.Parse(message, chain);
        var matches = chain == Web3Chain.Ethereum
            ? Web3Signatures.IsEthereumSigner(parsed, signature)
            : Web3Signatures.IsSolanaSigner(parsed, solanaSignature!);
        if (!matches)
        {
            return InvalidGrant("Signature does not match address in message");
        }

        if (MessageRefusal(s, parsed, chain) is { } refusal)
        {
            return InvalidGrant(refusal);
        }

        var now = s.Clock.GetUtcNow();
        var providerId = $"{Web3Provider}:{chain.Name}:{parsed.Address}";
        var identityData = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["sub"] = providerId,
            ["custom_claims"] = new Dictionary<string, object?>
            {
                ["address"] = parsed.Address,
                ["chain"] = chain.Name,
                ["network"] = parsed.ChainId ?? string.Empty,
                ["domain"] = parsed.Domain,
                ["statement"] = parsed.Statement,
            },
            ["email_verified"] = false,
            ["phone_verified"] = false,
        });
        await using var tx = await s.BeginAsync();
        var user = await Web3UserAsync(s, tx, providerId, identityData, now);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Login, now, new Dictionary<string, object>
        {
            ["provider"] = Web3Provider,
            ["chain"] = chain.Name,
            ["network"] = parsed.ChainId ?? string.Empty,
            ["address"] = parsed.Address,
            ["domain"] = parsed.Domain,
            ["uri"] = parsed.Uri.ToString(),
        }, s.Aborted);
        var session = await s.Tokens.SignInAsync(tx, s.Project, user, Web3Provider, s.Context, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return session.ToResult();
    }

    /// <summary>
    /// What web3.go checks once the signature holds: an https URI (or localhost) the project allows as a redirect,
    /// a domain that is the URI's host, and a message inside its Not Before / Expiration Time and within the maximum
    /// validity of its Issued At, either way.
    /// </summary>
    private static string? MessageRefusal(AuthServices s, SignInMessage message, Web3Chain chain)
    {
        var settings = s.Project.Settings.Auth;
        var name = chain.AccountName;
        var localhost = message.Uri.Host == "localhost";
        if (message.Uri.Scheme != "https" && !localhost)
        {
            return $"Signed {name} message is using URI which does not use HTTPS";
        }

        if (!RedirectUrls.IsAllowed(settings, message.Uri.ToString()))
        {
            return $"Signed {name} message is using URI which is not allowed on this server, message was signed for another app";
        }

        if (!localhost && (message.Uri.Authority != message.Domain || !RedirectUrls.IsAllowed(settings, "https://" + message.Domain + "/")))
        {
            return $"Signed {name} message is using a Domain that does not match the one in URI which is not allowed on this server";
        }

        var now = s.Clock.GetUtcNow();
        var validity = TimeSpan.FromSeconds(settings.Web3.MaximumValiditySeconds);
        return message switch
        {
            { NotBefore: { } notBefore } when now < notBefore => $"Signed {name} message becomes valid in the future",
            { ExpirationTime: { } expires } when now > expires => $"Signed {name} message is expired",
            _ when now > message.IssuedAt + validity => $"{name} message was issued too long ago",
            _ when now < message.IssuedAt - validity => $"{name} message was issued too far in the future",
            _ => null,
        };
    }

    private static IResult? EthereumSignatureRefusal(string signature) =>
        (signature.StartsWith("0x", StringComparison.Ordinal) ? signature[2..] : signature).Length == 130 ? null
            : AuthErrors.BadRequestValidation("signature must be 65 bytes long, encoded as a 130 character-long hexadecimal string").ToResult();

    /// <summary>64 bytes in base64, standard or URL-safe, padded or not.</summary>
    private static IResult? SolanaSignatureRefusal(string signature, out byte[]? bytes)
    {
        bytes = null;
        if (signature.Length is not (86 or 88))
        {
            return AuthErrors.BadRequestValidation("signature must be 64 bytes encoded as base64 with or without padding").ToResult();
        }

        var standard = signature.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        try
        {
            bytes = Convert.FromBase64String(standard + new string('=', (4 - (standard.Length % 4)) % 4));
            return null;
        }
        catch (FormatException)
        {
            return AuthErrors.BadRequestValidation("signature does not contain valid base64 characters").ToResult();
        }
    }

    /// <summary>
    /// The wallet's user (GoTrue's createAccountFromExternalIdentity for provider web3): the user of the identity
    /// <c>web3:&lt;chain&gt;:&lt;address&gt;</c>, else a new user without email or phone holding it.
    /// </summary>
    private static async Task<User> Web3UserAsync(AuthServices s, Tenancy.RlsTransaction tx, string providerId, string identityData, DateTimeOffset now)
    {
        User user;
        if (await Identity.FindAsync(tx, Web3Provider, providerId, s.Aborted) is { } known)
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

            var appMetadata = JsonSerializer.Serialize(new Dictionary<string, object> { ["provider"] = Web3Provider, ["providers"] = new[] { Web3Provider } });
            user = await User.CreateAsync(tx, new NewUser(null, null, null, appMetadata, identityData, Provider: null, EmailConfirmed: false), now, s.Aborted);
            await Identity.CreateAsync(tx, user.Id, Web3Provider, providerId, identityData, now, s.Aborted);
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.SignedUp, now, new Dictionary<string, object> { ["provider"] = Web3Provider }, s.Aborted);
        }

        if (user.IsBanned(now))
        {
            throw new AuthException(AuthErrors.UserBanned());
        }

        await user.MergeUserMetadataAsync(tx, identityData, now, s.Aborted);
        return await user.ReloadAsync(tx, s.Aborted);
    }

    /// <summary>GoTrue's OAuthError("invalid_grant", …), which auth-js reads through error_description.</summary>
    private static IResult InvalidGrant(string description) =>
        Results.Json(new Dictionary<string, string> { ["error"] = "invalid_grant", ["error_description"] = description }, statusCode: 400);
}
