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
        var found = await ReadAsync(batch, token, cancellationToken);
        var (current, session, user) = Check(found, now);

        // A revoked token is honoured only as the active token's parent or within the reuse interval.
        var issued = current.Revoked
            ? await ReusedAsync(batch, project, context, current, user, found.Active, now, cancellationToken)
            : null;

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
        return tokens.Issue(project, user, session, issued, found.Amr);
    }

    /// <summary>The first round trip: the token and its session locked, with their user, active child and AMR.</summary>
    private static async Task<Found> ReadAsync(RlsTransaction batch, string token, CancellationToken cancellationToken)
    {
        batch.Add(RefreshToken.FindForUpdate(token));
        batch.Add(Session.FindForUpdateByToken(token));
        batch.Add(User.FindBySessionOfToken(token));
        batch.Add(RefreshToken.FindActiveIfRevoked(token));
        batch.Add(Session.AmrByToken(token));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var current = await RefreshToken.ReadAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var session = await Session.ReadAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var user = await User.ReadAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var active = await RefreshToken.ReadAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var amr = await Session.ReadAmrAsync(reader, cancellationToken);
        return new Found(current, session, user, active, amr);
    }

    /// <summary>GoTrue's refusals, in its order: no token, no session, session expired, no user, user banned.</summary>
    private static (RefreshToken Current, Session Session, User User) Check(Found found, DateTimeOffset now)
    {
        var current = found.Current ?? throw new AuthException(AuthErrors.RefreshTokenNotFound());
        var session = found.Session ?? throw new AuthException(AuthErrors.RefreshSessionNotFound());
        if (session.NotAfter is { } notAfter && notAfter <= now)
        {
            throw new AuthException(AuthErrors.SessionExpired());
        }

        var user = found.User ?? throw new AuthException(AuthErrors.RefreshTokenNotFound());
        if (user.IsBanned(now))
        {
            throw new AuthException(new AuthError(400, "user_banned", "Invalid Refresh Token: User Banned"));
        }

        return (current, session, user);
    }

    /// <summary>
    /// A revoked token used again: the active child is returned again when the client lost the last answer;
    /// within the reuse interval a new child is issued (null); any later replay revokes the family and fails.
    /// </summary>
    private static async Task<string?> ReusedAsync(
        RlsTransaction batch, Project project, HttpContext context, RefreshToken current, User user, RefreshToken? active,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (active is not null && active.Parent == current.Token)
        {
            return active.Token;
        }

        if (now > current.UpdatedAt.AddSeconds(project.Settings.Auth.RefreshTokenReuseIntervalSeconds))
        {
            batch.Add(current.RevokeFamily());
            batch.Add(AuditLog.Entry(context, user, AuditLog.TokenRevoked, now));
            await batch.ExecuteAndCommitAsync(cancellationToken);
            throw new AuthException(AuthErrors.RefreshTokenAlreadyUsed());
        }

        return null;
    }

    private sealed record Found(RefreshToken? Current, Session? Session, User? User, RefreshToken? Active, List<Dictionary<string, object>> Amr);
}
