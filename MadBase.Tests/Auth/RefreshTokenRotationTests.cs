using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.ServiceDefaults;
using MadBase.Tests.Worker;
using MadBase.Worker.Auth;
using MadBase.Worker.Tenancy;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace MadBase.Tests.Auth;

/// <summary>Rotation and reuse detection in-process, with the clock moved by hand instead of sleeping.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RefreshTokenRotationTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly Project project = TestProjects.New();
    private NpgsqlDataSource dataSource = null!;
    private RefreshTokenRotation rotation = null!;
    private AccessTokens tokens = null!;

    public async Task InitializeAsync()
    {
        await TestProjects.CreateDatabaseAsync(postgres, project);
        await TenantMigrator.ApplyAsync(
            TenantConnections.Admin(project, postgres.SystemConnectionString), project, [new PlatformMigrations(), new AuthMigrations()], CancellationToken.None);
        dataSource = NpgsqlDataSource.Create(TenantConnections.Authenticator(project, postgres.SystemConnectionString, 5));
        tokens = new AccessTokens(clock);
        rotation = new RefreshTokenRotation(clock, tokens);
    }

    public async Task DisposeAsync() => await dataSource.DisposeAsync();

    private async Task<IssuedSession> SignUpAsync()
    {
        await using var tx = await BeginAsync();
        var user = await User.CreateAsync(
            tx, new NewUser(AuthCalls.UniqueEmail("rot"), null, null, "{}", "{}", "email", true), clock.GetUtcNow(), CancellationToken.None);
        var session = await tokens.SignInAsync(tx, project, user, "password", null, CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        return session;
    }

    private async Task<string> RotateAsync(string token)
    {
        await using var batch = await OpenBatchAsync();
        var session = await rotation.RotateAsync(batch, project, new DefaultHttpContext(), token, CancellationToken.None);
        return session.RefreshToken;
    }

    private async Task<AuthError> RotateFailsAsync(string token) =>
        (await Assert.ThrowsAsync<AuthException>(() => RotateAsync(token))).Error;

    private static RlsRequest TokenRequest => new("POST", "/auth/v1/token", "{}", "{}", false);

    private Task<RlsTransaction> BeginAsync() => RlsTransaction.BeginAsync(dataSource, Caller.ServiceRole, TokenRequest, CancellationToken.None);

    private Task<RlsTransaction> OpenBatchAsync() =>
        RlsTransaction.BeginAsync(dataSource, Caller.ServiceRole, TokenRequest, RlsMode.Pipelined, CancellationToken.None);

    [Fact]
    public async Task Rotate_RevokedTokenWithinReuseInterval_IssuesSession()
    {
        var a = (await SignUpAsync()).RefreshToken;
        var b = await RotateAsync(a);
        var c = await RotateAsync(b);
        clock.Now += TimeSpan.FromSeconds(9);

        var again = await RotateAsync(a);

        Assert.NotEqual(c, again);
        Assert.NotEqual(b, again);
    }

    [Fact]
    public async Task Rotate_RevokedTokenAfterReuseInterval_RevokesWholeFamily()
    {
        var a = (await SignUpAsync()).RefreshToken;
        var b = await RotateAsync(a);
        var c = await RotateAsync(b);
        clock.Now += TimeSpan.FromSeconds(11);

        var replay = await RotateFailsAsync(a);

        Assert.Equal("refresh_token_already_used", replay.ErrorCode);
        Assert.Equal(400, replay.Status);
        // The stolen family is dead: even the newest token no longer refreshes.
        Assert.Equal("refresh_token_already_used", (await RotateFailsAsync(c)).ErrorCode);
    }

    [Fact]
    public async Task Rotate_ParentOfActiveTokenLongAfter_ReturnsActiveToken()
    {
        var a = (await SignUpAsync()).RefreshToken;
        var b = await RotateAsync(a);
        clock.Now += TimeSpan.FromMinutes(5);

        var again = await RotateAsync(a);

        Assert.Equal(b, again);
    }

    [Fact]
    public async Task Rotate_ProjectReuseInterval_IsHonoured()
    {
        var strict = project with { Settings = project.Settings with { Auth = project.Settings.Auth with { RefreshTokenReuseIntervalSeconds = 0 } } };
        var a = (await SignUpAsync()).RefreshToken;
        var b = await RotateAsync(a);
        await RotateAsync(b);
        clock.Now += TimeSpan.FromSeconds(1);

        await using var batch = await OpenBatchAsync();
        var error = await Assert.ThrowsAsync<AuthException>(
            () => rotation.RotateAsync(batch, strict, new DefaultHttpContext(), a, CancellationToken.None));

        Assert.Equal("refresh_token_already_used", error.Error.ErrorCode);
    }

    [Fact]
    public async Task Rotate_Token_IssuesAccessTokenExpiringPerProject()
    {
        var a = (await SignUpAsync()).RefreshToken;
        var shortLived = project with { Settings = project.Settings with { Auth = project.Settings.Auth with { JwtExpirySeconds = 120 } } };

        await using var batch = await OpenBatchAsync();
        var session = await rotation.RotateAsync(batch, shortLived, new DefaultHttpContext(), a, CancellationToken.None);

        Assert.Equal(120, session.ExpiresIn);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds() + 120, session.ExpiresAt);
        Assert.Equal(session.ExpiresAt, AuthCalls.Claims(session.AccessToken).GetProperty("exp").GetInt64());
    }
}
