using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

[Collection(StackCollection.Name)]
public sealed class UserTests(StackFixture stack) : IAsyncLifetime
{
    private AuthClient auth = null!;

    public async Task InitializeAsync() => auth = await AuthClient.CreateAsync(stack, "auth user");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GetUser_AccessToken_ReturnsUserObject()
    {
        var email = AuthClient.UniqueEmail("get");
        var (access, _, userId) = await auth.SessionAsync(email);

        var response = await auth.SendAsync(HttpMethod.Get, "/user", bearer: access);

        response.AssertStatus(200);
        var user = response.Json;
        Assert.Equal(userId, user.GetProperty("id").GetString());
        Assert.Equal(email, user.GetProperty("email").GetString());
        foreach (var field in new[] { "aud", "role", "phone", "app_metadata", "user_metadata", "identities", "created_at", "updated_at", "is_anonymous" })
        {
            Assert.True(user.TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public async Task GetUser_AnonKeyAsBearer_Returns403BadJwt()
    {
        var response = await auth.SendAsync(HttpMethod.Get, "/user");

        response.AssertError(403, "bad_jwt");
    }

    [Fact]
    public async Task GetUser_TamperedToken_Returns403BadJwt()
    {
        var (access, _, _) = await auth.SessionAsync(AuthClient.UniqueEmail("tamper"));

        var response = await auth.SendAsync(HttpMethod.Get, "/user", bearer: access[..^3] + "abc");

        response.AssertError(403, "bad_jwt");
    }

    [Fact]
    public async Task GetUser_DeletedUser_Returns403UserNotFound()
    {
        var (access, _, userId) = await auth.SessionAsync(AuthClient.UniqueEmail("deleted"));
        await auth.ScalarAsync<object>("DELETE FROM auth.users WHERE id = $1::uuid", userId);

        var response = await auth.SendAsync(HttpMethod.Get, "/user", bearer: access);

        response.AssertError(403, "user_not_found");
    }

    [Fact]
    public async Task UpdateUser_Metadata_MergesTopLevelKeys()
    {
        var (access, _, _) = await auth.SessionAsync(AuthClient.UniqueEmail("meta"));
        (await auth.SendAsync(HttpMethod.Put, "/user", new { data = new { a = 1, b = 2 } }, access)).AssertStatus(200);

        var response = await auth.SendAsync(HttpMethod.Put, "/user", new { data = new { b = 3, c = 4 } }, access);

        response.AssertStatus(200);
        var metadata = response.Json.GetProperty("user_metadata");
        Assert.Equal(1, metadata.GetProperty("a").GetInt32());
        Assert.Equal(3, metadata.GetProperty("b").GetInt32());
        Assert.Equal(4, metadata.GetProperty("c").GetInt32());
    }

    [Fact]
    public async Task UpdateUser_Password_OldStopsNewWorksOtherSessionsEnd()
    {
        var email = AuthClient.UniqueEmail("pw");
        var (access, _, _) = await auth.SessionAsync(email);
        var other = (await auth.SignInAsync(email)).Json.GetProperty("access_token").GetString()!;

        (await auth.SendAsync(HttpMethod.Put, "/user", new { password = "changed-456" }, access)).AssertStatus(200);

        (await auth.SignInAsync(email)).AssertError(400, "invalid_credentials");
        (await auth.SignInAsync(email, "changed-456")).AssertStatus(200);
        (await auth.SendAsync(HttpMethod.Get, "/user", bearer: access)).AssertStatus(200);
        (await auth.SendAsync(HttpMethod.Get, "/user", bearer: other)).AssertError(403, "session_not_found");
    }

    [Fact]
    public async Task UpdateUser_SamePassword_Returns422SamePassword()
    {
        var (access, _, _) = await auth.SessionAsync(AuthClient.UniqueEmail("same"));

        var response = await auth.SendAsync(HttpMethod.Put, "/user", new { password = "secret-123" }, access);

        response.AssertError(422, "same_password");
    }

    [Fact]
    public async Task UpdateUser_WeakPassword_Returns422WeakPassword()
    {
        var (access, _, _) = await auth.SessionAsync(AuthClient.UniqueEmail("weakpw"));

        var response = await auth.SendAsync(HttpMethod.Put, "/user", new { password = "1" }, access);

        response.AssertError(422, "weak_password");
    }

    [Fact]
    public async Task UpdateUser_EmailWithAutoconfirm_ChangesEmail()
    {
        var (access, _, _) = await auth.SessionAsync(AuthClient.UniqueEmail("old"));
        var newEmail = AuthClient.UniqueEmail("new");

        var response = await auth.SendAsync(HttpMethod.Put, "/user", new { email = newEmail }, access);

        response.AssertStatus(200);
        Assert.Equal(newEmail, response.Json.GetProperty("email").GetString());
        (await auth.SignInAsync(newEmail)).AssertStatus(200);
    }

    [Fact]
    public async Task UpdateUser_EmailTakenByAnother_Returns422EmailExists()
    {
        var taken = AuthClient.UniqueEmail("taken");
        await auth.SessionAsync(taken);
        var (access, _, _) = await auth.SessionAsync(AuthClient.UniqueEmail("mine"));

        var response = await auth.SendAsync(HttpMethod.Put, "/user", new { email = taken }, access);

        response.AssertError(422, "email_exists");
    }

    [Fact]
    public async Task UpdateUser_MetadataNotAnObject_Returns400BadJson()
    {
        var (access, _, _) = await auth.SessionAsync(AuthClient.UniqueEmail("badmeta"));

        var response = await auth.SendAsync(HttpMethod.Put, "/user", new { data = 5 }, access);

        response.AssertError(400, "bad_json");
    }
}
