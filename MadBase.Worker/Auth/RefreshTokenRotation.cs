using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// The refresh_token grant (GoTrue tokens/service.go RefreshTokenGrant): each use revokes the token and
/// issues its child. A revoked token is still honoured when it is the parent of the active one (the client
/// lost the last answer: the active token is returned again) or within the reuse interval; any later replay
/// revokes the whole family and fails with refresh_token_already_used.
/// </summary>
internal sealed class RefreshTokenRotation(TimeProvider clock, AccessTokens tokens)
{
    public async Task<IssuedSession> RotateAsync(
        RlsTransaction tx, Project project, HttpContext context, string token, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var current = await RefreshToken.FindForUpdateAsync(tx, token, cancellationToken)
            ?? throw new AuthException(AuthErrors.RefreshTokenNotFound());
        var session = current.SessionId is { } sessionId ? await Session.FindAsync(tx, sessionId, forUpdate: true, cancellationToken) : null;
        if (session is null)
        {
            throw new AuthException(AuthErrors.RefreshSessionNotFound());
        }

        if (session.NotAfter is { } notAfter && notAfter <= now)
        {
            throw new AuthException(AuthErrors.SessionExpired());
        }

        var user = await User.FindByIdAsync(tx, session.UserId, cancellationToken) ?? throw new AuthException(AuthErrors.RefreshTokenNotFound());
        if (user.IsBanned(now))
        {
            throw new AuthException(new AuthError(400, "user_banned", "Invalid Refresh Token: User Banned"));
        }

        string? issued = null;
        if (current.Revoked)
        {
            var active = await RefreshToken.FindActiveAsync(tx, session.Id, cancellationToken);
            if (active is not null && active.Parent == current.Token)
            {
                issued = active.Token;
            }
            else if (now > current.UpdatedAt.AddSeconds(project.Settings.Auth.RefreshTokenReuseIntervalSeconds))
            {
                await current.RevokeFamilyAsync(tx, cancellationToken);
                await AuditLog.WriteAsync(tx, context, user, AuditLog.TokenRevoked, now, null, cancellationToken);
                await tx.CommitAsync(cancellationToken);
                throw new AuthException(AuthErrors.RefreshTokenAlreadyUsed());
            }
        }

        await AuditLog.WriteAsync(tx, context, user, AuditLog.TokenRefreshed, now, null, cancellationToken);
        if (issued is null)
        {
            if (!current.Revoked)
            {
                await current.RevokeAsync(tx, now, cancellationToken);
            }

            issued = (await RefreshToken.CreateAsync(tx, user.Id, session.Id, current.Token, now, cancellationToken)).Token;
        }

        await session.TouchAsync(tx, now, cancellationToken);
        return await tokens.IssueAsync(tx, project, user, session, issued, cancellationToken);
    }
}
