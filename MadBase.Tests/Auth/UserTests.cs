using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

[Collection(StackCollection.Name)]
public sealed class UserTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() => auth = await TestProject.CreateAsync(stack, "auth user");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GetUser_AccessToken_ReturnsUserObject()
    {
        var email = AuthCalls.UniqueEmail("get");
        var (access, _, userId) = await auth.SessionAsync(email);

        var response = await auth.AuthAsync(HttpMethod.Get, "/user", bearer: access);

        response.AssertStatus(200);
        var user = response.Element;
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
        var response = await auth.AuthAsync(HttpMethod.Get, "/user");

        response.AssertAuthError(403, "bad_jwt");
    }

    [Fact]
    public async Task GetUser_TamperedToken_Returns403BadJwt()
    {
        var (access, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("tamper"));

        var response = await auth.AuthAsync(HttpMethod.Get, "/user", bearer: access[..^3] + "abc");

        response.AssertAuthError(403, "bad_jwt");
    }

    [Fact]
    public async Task GetUser_DeletedUser_Returns403UserNotFound()
    {
        var (access, _, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("deleted"));
        await auth.ScalarAsync<object>("DELETE FROM auth.users WHERE id = $1::uuid", userId);

        var response = await auth.AuthAsync(HttpMethod.Get, "/user", bearer: access);

        response.AssertAuthError(403, "user_not_found");
    }

    [Fact]
    public async Task UpdateUser_Metadata_MergesTopLevelKeys()
    {
        var (access, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("meta"));
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { data = new { a = 1, b = 2 } }, access)).AssertStatus(200);

        var response = await auth.AuthAsync(HttpMethod.Put, "/user", new { data = new { b = 3, c = 4 } }, access);

        response.AssertStatus(200);
        var metadata = response.Element.GetProperty("user_metadata");
        Assert.Equal(1, metadata.GetProperty("a").GetInt32());
        Assert.Equal(3, metadata.GetProperty("b").GetInt32());
        Assert.Equal(4, metadata.GetProperty("c").GetInt32());
    }

    [Fact]
    public async Task UpdateUser_Password_OldStopsNewWorksOtherSessionsEnd()
    {
        var email = AuthCalls.UniqueEmail("pw");
        var (access, _, _) = await auth.SessionAsync(email);
        var other = (await auth.SignInAsync(email)).Element.GetProperty("access_token").GetString()!;

        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "changed-456" }, access)).AssertStatus(200);

        (await auth.SignInAsync(email)).AssertAuthError(400, "invalid_credentials");
        (await auth.SignInAsync(email, "changed-456")).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: access)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: other)).AssertAuthError(403, "session_not_found");
    }

    [Fact]
    public async Task UpdateUser_SamePassword_Returns422SamePassword()
    {
        var (access, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("same"));

        var response = await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "secret-123" }, access);

        response.AssertAuthError(422, "same_password");
    }

    [Fact]
    public async Task UpdateUser_WeakPassword_Returns422WeakPassword()
    {
        var (access, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("weakpw"));

        var response = await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "1" }, access);

        response.AssertAuthError(422, "weak_password");
    }

    [Fact]
    public async Task UpdateUser_EmailWithAutoconfirm_ChangesEmail()
    {
        var (access, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("old"));
        var newEmail = AuthCalls.UniqueEmail("new");

        var response = await auth.AuthAsync(HttpMethod.Put, "/user", new { email = newEmail }, access);

        response.AssertStatus(200);
        Assert.Equal(newEmail, response.Element.GetProperty("email").GetString());
        (await auth.SignInAsync(newEmail)).AssertStatus(200);
    }

    [Fact]
    public async Task UpdateUser_EmailTakenByAnother_Returns422EmailExists()
    {
        var taken = AuthCalls.UniqueEmail("taken");
        await auth.SessionAsync(taken);
        var (access, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("mine"));

        var response = await auth.AuthAsync(HttpMethod.Put, "/user", new { email = taken }, access);

        response.AssertAuthError(422, "email_exists");
    }

    [Fact]
    public async Task UpdateUser_MetadataNotAnObject_Returns400BadJson()
    {
        var (access, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("badmeta"));

        var response = await auth.AuthAsync(HttpMethod.Put, "/user", new { data = 5 }, access);

        response.AssertAuthError(400, "bad_json");
    }
}
