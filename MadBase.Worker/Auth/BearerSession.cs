using System.Text.Json;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// The user and session behind an authenticated call (GoTrue's requireAuthentication + maybeLoadUserOrSession).
/// The resolver has verified the signature; this checks the subject still exists and the session was not
/// logged out, so a revoked session's access tokens stop working at once.
/// </summary>
internal static class BearerSession
{
    public static async Task<(User User, Session? Session)> LoadAsync(RlsTransaction tx, Tenant tenant, CancellationToken cancellationToken)
    {
        using var claims = JsonDocument.Parse(tenant.Caller.ClaimsJson);
        var root = claims.RootElement;
        if (!root.TryGetProperty("sub", out var sub) || sub.ValueKind != JsonValueKind.String || sub.GetString() is not { Length: > 0 } subject)
        {
            throw new AuthException(AuthErrors.BadJwt("invalid claim: missing sub claim"));
        }

        if (!Guid.TryParse(subject, out var userId))
        {
            throw new AuthException(AuthErrors.BadJwt("invalid claim: sub claim must be a UUID"));
        }

        var user = await User.FindByIdAsync(tx, userId, cancellationToken) ?? throw new AuthException(AuthErrors.UserNotFoundFromJwt());
        Session? session = null;
        if (root.TryGetProperty("session_id", out var sid) && sid.ValueKind == JsonValueKind.String && sid.GetString() is { Length: > 0 } sessionText)
        {
            if (!Guid.TryParse(sessionText, out var sessionId))
            {
                throw new AuthException(AuthErrors.BadJwt("invalid claim: session_id claim must be a UUID"));
            }

            session = await Session.FindAsync(tx, sessionId, forUpdate: false, cancellationToken)
                ?? throw new AuthException(AuthErrors.SessionNotFound());
        }

        return (user, session);
    }
}
