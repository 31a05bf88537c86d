using System.Security.Cryptography;
using System.Text;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

internal sealed record PkceChallenge(string Challenge, string Method);

/// <summary>
/// PKCE (GoTrue's flow_state model and grant_type=pkce): a mail or OAuth flow started with a code challenge ends in
/// a redirect carrying <c>?code=</c>, which the client exchanges with its verifier within five minutes.
/// </summary>
internal static class PkceFlow
{
    private static readonly TimeSpan Expiry = TimeSpan.FromMinutes(5);

    public static PkceChallenge? Parse(string? challenge, string? method)
    {
        if (string.IsNullOrEmpty(challenge) && string.IsNullOrEmpty(method))
        {
            return null;
        }

        if (string.IsNullOrEmpty(challenge) || string.IsNullOrEmpty(method))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("PKCE flow requires code_challenge_method and code_challenge"));
        }

        var normalized = method.ToLowerInvariant();
        if (normalized is not ("s256" or "plain"))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("code challenge method not supported"));
        }

        if (challenge.Length is < 43 or > 128)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("code challenge has to be between 43 and 128 characters"));
        }

        return new PkceChallenge(challenge, normalized);
    }

    public static async Task CreateAsync(
        RlsTransaction tx, Guid userId, PkceChallenge challenge, string authenticationMethod, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            INSERT INTO auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge, provider_type,
                authentication_method, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, gen_random_uuid()::text, $2::auth.code_challenge_method, $3, 'email', $4, $5, $5)
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(challenge.Method);
        command.Parameters.AddWithValue(challenge.Challenge);
        command.Parameters.AddWithValue(authenticationMethod);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The code a verified PKCE link redirects with: the user's newest flow for that method.</summary>
    public static async Task<string?> IssueCodeAsync(
        RlsTransaction tx, Guid userId, string authenticationMethod, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            UPDATE auth.flow_state SET auth_code_issued_at = $3, updated_at = $3
            WHERE id = (SELECT id FROM auth.flow_state WHERE user_id = $1 AND authentication_method = $2 ORDER BY created_at DESC LIMIT 1)
            RETURNING auth_code
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(authenticationMethod);
        command.Parameters.AddWithValue(now);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public static async Task<IResult> ExchangeAsync(AuthServices s, Project project, TokenParams input)
    {
        if (string.IsNullOrEmpty(input.AuthCode) || string.IsNullOrEmpty(input.CodeVerifier))
        {
            return AuthErrors.BadRequestValidation("invalid request: both auth code and code verifier should be non-empty").ToResult();
        }

        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        await using var find = tx.CreateCommand("""
            DELETE FROM auth.flow_state WHERE auth_code = $1
            RETURNING user_id, code_challenge_method::text, code_challenge, authentication_method, coalesce(auth_code_issued_at, created_at), provider_type
            """);
        find.Parameters.AddWithValue(input.AuthCode);
        Guid? userId;
        string method, challenge, authenticationMethod, provider;
        DateTimeOffset issuedAt;
        await using (var reader = await find.ExecuteReaderAsync(s.Aborted))
        {
            if (!await reader.ReadAsync(s.Aborted))
            {
                return AuthErrors.FlowStateNotFound().ToResult();
            }

            userId = reader.IsDBNull(0) ? null : reader.GetGuid(0);
            method = reader.GetString(1);
            challenge = reader.GetString(2);
            authenticationMethod = reader.GetString(3);
            issuedAt = reader.GetFieldValue<DateTimeOffset>(4);
            provider = reader.GetString(5);
        }

        if (issuedAt + Expiry < now)
        {
            await tx.CommitAsync(s.Aborted);
            return AuthErrors.FlowStateExpired().ToResult();
        }

        var computed = method == "s256"
            ? Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(input.CodeVerifier)))
            : input.CodeVerifier;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(challenge)))
        {
            return AuthErrors.BadCodeVerifier().ToResult();
        }

        var user = userId is { } id ? await User.FindByIdAsync(tx, id, s.Aborted) : null;
        if (user is null)
        {
            return AuthErrors.FlowStateNotFound().ToResult();
        }

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Login, now, new Dictionary<string, object> { ["provider"] = provider }, s.Aborted);
        var session = await s.Tokens.SignInAsync(tx, project, user, authenticationMethod, s.Context, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return session.ToResult();
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
