using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// The refresh_token grant (GoTrue tokens/service.go RefreshTokenGrant): each use revokes the token and
/// issues its child. A revoked token is still honoured when it is the parent of the active one (the client
/// lost the last answer: the active token is returned again) or within the reuse interval; any later replay
/// revokes the whole family and fails with refresh_token_already_used.
/// </summary>
/// <remarks>
/// Two round trips in an explicit transaction: the token and its session locked (in that order, as GoTrue)
/// with everything the decision needs read behind them; then the writes, sent with the COMMIT.
/// </remarks>
internal sealed class RefreshTokenRotation(TimeProvider clock, AccessTokens tokens)
{
    /// <summary>Rotates within <paramref name="batch"/>, a <see cref="RlsMode.Pipelined"/> transaction it commits unless it throws.</summary>
    public async Task<IssuedSession> RotateAsync(
        RlsTransaction batch, Project project, HttpContext context, string token, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        batch.Add(RefreshToken.FindForUpdate(token));
        batch.Add(Session.FindForUpdateByToken(token));
        batch.Add(User.FindBySessionOfToken(token));
        batch.Add(RefreshToken.FindActiveIfRevoked(token));
        batch.Add(Session.AmrByToken(token));
        RefreshToken? current;
        Session? session;
        User? user;
        RefreshToken? active;
        List<Dictionary<string, object>> amr;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            current = await RefreshToken.ReadAsync(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            session = await Session.ReadAsync(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            user = await User.ReadAsync(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            active = await RefreshToken.ReadAsync(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            amr = await Session.ReadAmrAsync(reader, cancellationToken);
        }

        if (current is null)
        {
            throw new AuthException(AuthErrors.RefreshTokenNotFound());
        }

        if (session is null)
        {
            throw new AuthException(AuthErrors.RefreshSessionNotFound());
        }

        if (session.NotAfter is { } notAfter && notAfter <= now)
        {
            throw new AuthException(AuthErrors.SessionExpired());
        }

        if (user is null)
        {
            throw new AuthException(AuthErrors.RefreshTokenNotFound());
        }

        if (user.IsBanned(now))
        {
            throw new AuthException(new AuthError(400, "user_banned", "Invalid Refresh Token: User Banned"));
        }

        string? issued = null;
        if (current.Revoked)
        {
            if (active is not null && active.Parent == current.Token)
            {
                issued = active.Token;
            }
            else if (now > current.UpdatedAt.AddSeconds(project.Settings.Auth.RefreshTokenReuseIntervalSeconds))
            {
                batch.Add(current.RevokeFamily());
                batch.Add(AuditLog.Entry(context, user, AuditLog.TokenRevoked, now));
                await batch.ExecuteAndCommitAsync(cancellationToken);
                throw new AuthException(AuthErrors.RefreshTokenAlreadyUsed());
            }
        }

        batch.Add(AuditLog.Entry(context, user, AuditLog.TokenRefreshed, now));
        if (issued is null)
        {
            if (!current.Revoked)
            {
                batch.Add(current.Revoke(now));
            }

            issued = RefreshToken.NewToken();
            batch.Add(RefreshToken.Insert(issued, user.Id, session.Id, current.Token, now));
        }

        batch.Add(session.Touch(now));
        await batch.ExecuteAndCommitAsync(cancellationToken);
        return tokens.Issue(project, user, session, issued, amr);
    }
}
