using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

[Collection(StackCollection.Name)]
public sealed class AdminUsersTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() => auth = await TestProject.CreateAsync(stack, "auth admin");

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<ApiResponse> AdminAsync(HttpMethod method, string path, object? body = null, string? key = null)
    {
        using var request = new HttpRequestMessage(method, stack.ApiUrl + "/auth/v1" + path);
        request.Headers.Add("apikey", key ?? auth.ServiceRoleKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key ?? auth.ServiceRoleKey);
        request.Headers.Add("X-Supabase-Api-Version", "2024-01-01");
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    private async Task<string> CreateAsync(string email, bool confirm = true)
    {
        var created = await AdminAsync(HttpMethod.Post, "/admin/users", new { email, password = "secret-123", email_confirm = confirm, user_metadata = new { n = 1 } });
        created.AssertStatus(200);
        return created.Element.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task CreateUser_Confirmed_CanSignInAndIsAudited()
    {
        var email = AuthCalls.UniqueEmail("created");

        var id = await CreateAsync(email);

        (await auth.SignInAsync(email)).AssertStatus(200);
        Assert.Equal(1L, await auth.ScalarAsync<long>(
            "SELECT count(*) FROM auth.audit_log_entries WHERE payload->>'actor_id' = $1 AND payload->>'action' = 'user_signedup'", id));
    }

    [Fact]
    public async Task CreateUser_ExistingEmail_Returns422EmailExists()
    {
        var email = AuthCalls.UniqueEmail("exists");
        await CreateAsync(email);

        var again = await AdminAsync(HttpMethod.Post, "/admin/users", new { email, password = "secret-123" });

        again.AssertAuthError(422, "email_exists");
    }

    [Fact]
    public async Task ListUsers_Paged_SetsTotalAndLinkHeaders()
    {
        for (var i = 0; i < 3; i++)
        {
            await CreateAsync(AuthCalls.UniqueEmail("list" + i));
        }

        var response = await AdminAsync(HttpMethod.Get, "/admin/users?page=1&per_page=2");

        response.AssertStatus(200);
        Assert.Equal(2, response.Element.GetProperty("users").GetArrayLength());
        var total = long.Parse(response.Headers["X-Total-Count"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(total >= 3);
        Assert.Contains("rel=\"next\"", response.Headers["Link"], StringComparison.Ordinal);
        Assert.Contains("page=2&per_page=2", response.Headers["Link"], StringComparison.Ordinal);
        Assert.Contains("rel=\"last\"", response.Headers["Link"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetUpdateDeleteUser_ById_Works()
    {
        var id = await CreateAsync(AuthCalls.UniqueEmail("crud"));

        (await AdminAsync(HttpMethod.Get, "/admin/users/" + id)).AssertStatus(200);
        var updated = await AdminAsync(HttpMethod.Put, "/admin/users/" + id, new { app_metadata = new { tier = "gold" }, user_metadata = new { n = 2 } });
        updated.AssertStatus(200);
        Assert.Equal("gold", updated.Element.GetProperty("app_metadata").GetProperty("tier").GetString());
        Assert.Equal("email", updated.Element.GetProperty("app_metadata").GetProperty("provider").GetString());
        Assert.Equal(2, updated.Element.GetProperty("user_metadata").GetProperty("n").GetInt32());

        (await AdminAsync(HttpMethod.Delete, "/admin/users/" + id)).AssertStatus(200);
        (await AdminAsync(HttpMethod.Get, "/admin/users/" + id)).AssertAuthError(404, "user_not_found");
    }

    [Fact]
    public async Task UpdateUser_BanDuration_BlocksSignIn()
    {
        var email = AuthCalls.UniqueEmail("ban");
        var id = await CreateAsync(email);

        (await AdminAsync(HttpMethod.Put, "/admin/users/" + id, new { ban_duration = "24h" })).AssertStatus(200);
        (await auth.SignInAsync(email)).AssertAuthError(400, "user_banned");
        (await AdminAsync(HttpMethod.Put, "/admin/users/" + id, new { ban_duration = "none" })).AssertStatus(200);
        (await auth.SignInAsync(email)).AssertStatus(200);
    }

    [Fact]
    public async Task AdminRoutes_AnonOrUserToken_Return403NotAdmin()
    {
        var (access, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("notadmin"));

        (await AdminAsync(HttpMethod.Get, "/admin/users", key: auth.AnonKey)).AssertAuthError(403, "not_admin");
        (await auth.AuthAsync(HttpMethod.Get, "/admin/users", bearer: access)).AssertAuthError(403, "not_admin");
        (await auth.AuthPostAsync("/invite", new { email = AuthCalls.UniqueEmail("x") })).AssertAuthError(403, "not_admin");
    }

    [Fact]
    public async Task GetUser_NotAUuid_Returns400()
    {
        (await AdminAsync(HttpMethod.Get, "/admin/users/not-a-uuid")).AssertAuthError(400, "validation_failed");
    }

    [Fact]
    public async Task GenerateLink_Magiclink_ReturnsLinkThatSignsIn()
    {
        var email = AuthCalls.UniqueEmail("genlink");
        await CreateAsync(email);

        var response = await AdminAsync(HttpMethod.Post, "/admin/generate_link", new { type = "magiclink", email });

        response.AssertStatus(200);
        Assert.Equal(email, response.Element.GetProperty("email").GetString());
        Assert.Equal("magiclink", response.Element.GetProperty("verification_type").GetString());
        var otp = response.Element.GetProperty("email_otp").GetString()!;
        Assert.Contains("/verify?token=", response.Element.GetProperty("action_link").GetString(), StringComparison.Ordinal);
        Assert.Empty(await auth.MailsAsync(email));
        (await auth.AuthPostAsync("/verify", new { type = "magiclink", email, token = otp })).AssertStatus(200);
    }

    [Fact]
    public async Task Invite_NewEmail_MailsInviteLinkThatConfirms()
    {
        var email = AuthCalls.UniqueEmail("invite");

        var invited = await AdminAsync(HttpMethod.Post, "/invite", new { email, data = new { team = "a" } });

        invited.AssertStatus(200);
        Assert.True(invited.Element.TryGetProperty("invited_at", out _));
        var mail = Assert.Single(await auth.MailsAsync(email));
        Assert.Equal("invite", mail.GetProperty("kind").GetString());
        var verified = await auth.AuthPostAsync("/verify", new { type = "invite", token_hash = HashFrom(mail.GetProperty("link").GetString()!) });
        verified.AssertStatus(200);
        Assert.True(verified.Element.GetProperty("user").TryGetProperty("email_confirmed_at", out _));
    }

    internal static string HashFrom(string link) =>
        Uri.UnescapeDataString(new Uri(link).Query.TrimStart('?').Split('&').First(p => p.StartsWith("token=", StringComparison.Ordinal))["token=".Length..]);
}
