using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

[Collection(StackCollection.Name)]
public sealed class LogoutTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() => auth = await TestProject.CreateAsync(stack, "auth logout");

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(string First, string Second)> TwoSessionsAsync()
    {
        var email = AuthCalls.UniqueEmail("logout");
        var (first, _, _) = await auth.SessionAsync(email);
        var second = (await auth.SignInAsync(email)).Element.GetProperty("access_token").GetString()!;
        return (first, second);
    }

    [Fact]
    public async Task Logout_Global_EndsEverySessionAndItsAccessTokens()
    {
        var (first, second) = await TwoSessionsAsync();

        var response = await auth.AuthPostAsync("/logout", bearer: first);

        response.AssertStatus(204);
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: first)).AssertAuthError(403, "session_not_found");
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: second)).AssertAuthError(403, "session_not_found");
    }

    [Fact]
    public async Task Logout_Local_EndsOnlyThisSession()
    {
        var (first, second) = await TwoSessionsAsync();

        (await auth.AuthPostAsync("/logout?scope=local", bearer: first)).AssertStatus(204);

        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: first)).AssertAuthError(403, "session_not_found");
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: second)).AssertStatus(200);
    }

    [Fact]
    public async Task Logout_Others_KeepsThisSession()
    {
        var (first, second) = await TwoSessionsAsync();

        (await auth.AuthPostAsync("/logout?scope=others", bearer: first)).AssertStatus(204);

        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: first)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: second)).AssertAuthError(403, "session_not_found");
    }

    [Fact]
    public async Task Logout_UnknownScope_Returns400()
    {
        var (first, _) = await TwoSessionsAsync();

        var response = await auth.AuthPostAsync("/logout?scope=everything", bearer: first);

        response.AssertAuthError(400, "validation_failed");
    }

    [Fact]
    public async Task Logout_WithoutUserToken_Returns403BadJwt()
    {
        var response = await auth.AuthPostAsync("/logout");

        response.AssertAuthError(403, "bad_jwt");
    }

    [Fact]
    public async Task Logout_WritesAuditEntry()
    {
        var (first, _) = await TwoSessionsAsync();
        var userId = AuthCalls.Claims(first).GetProperty("sub").GetString()!;

        (await auth.AuthPostAsync("/logout", bearer: first)).AssertStatus(204);

        Assert.Equal(1L, await auth.ScalarAsync<long>(
            "SELECT count(*) FROM auth.audit_log_entries WHERE payload->>'actor_id' = $1 AND payload->>'action' = 'logout'", userId));
    }
}
