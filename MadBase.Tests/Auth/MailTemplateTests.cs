using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

/// <summary>
/// Per-project mail templates (<c>settings.auth.mail_templates</c>): each mail renders the project's subject
/// and body with GoTrue's variables, values HTML-escaped in the body, and the link it carries works.
/// </summary>
[Collection(StackCollection.Name)]
public sealed partial class MailTemplateTests(StackFixture stack) : IAsyncLifetime
{
    private const string Body = """
        <p>{{ .Data.name }} at {{.Email}} (new: {{ .NewEmail }}) on {{ .SiteURL }}</p>
        <p><a href="{{ .ConfirmationURL }}">go</a> code={{ .Token }} hash={{ .TokenHash }} back={{ .RedirectTo }} missing=[{{ .Data.nope }}] n={{ .Data.n }}</p>
        """;

    private TestProject auth = null!;

    public async Task InitializeAsync()
    {
        auth = await TestProject.CreateAsync(stack, "auth templates", new
        {
            auth = new { autoconfirm = false, site_url = "http://app.test", additional_redirect_urls = new[] { "http://other.test/**" } },
        });
        var templates = new Dictionary<string, object>();
        foreach (var name in new[] { "confirmation", "recovery", "magic_link", "invite", "email_change" })
        {
            templates[name] = new { subject = name + " for {{ .Data.name }} <{{ .Email }}>", body = "<h1>" + name + "</h1>" + Body };
        }

        await auth.PatchSettingsAsync(new { auth = new { mail_templates = templates } });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Signup_ProjectTemplate_RendersEveryVariableAndItsLinkConfirms()
    {
        var email = AuthCalls.UniqueEmail("tpl");
        var data = new { name = "<b>Ann</b> & \"Co\"", n = 42 };

        var mail = await UntilTemplatedAsync(
            "confirmation",
            async () => (await auth.AuthPostAsync("/signup?redirect_to=" + Uri.EscapeDataString("http://other.test/welcome"), new { email, password = "secret-123", data })).AssertStatus(200),
            email);

        Assert.Equal($"confirmation for <b>Ann</b> & \"Co\" <{email}>", mail.GetProperty("subject").GetString());
        var body = mail.GetProperty("html").GetString()!;
        var otp = mail.GetProperty("otp").GetString()!;
        var link = LinkOf(body);
        Assert.Equal(mail.GetProperty("link").GetString(), link);
        Assert.Contains($"<p>&lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Co&quot; at {email} (new: ) on http://app.test</p>", body, StringComparison.Ordinal);
        Assert.Contains($"code={otp} hash={AdminUsersTests.HashFrom(link)} back=http://other.test/welcome missing=[] n=42", body, StringComparison.Ordinal);
        Assert.Contains("redirect_to=http%3A%2F%2Fother.test%2Fwelcome", link, StringComparison.Ordinal);

        var location = await FollowAsync(link);
        Assert.StartsWith("http://other.test/welcome#access_token=", location, StringComparison.Ordinal);
        Assert.EndsWith("&type=signup", location, StringComparison.Ordinal);
        (await auth.SignInAsync(email)).AssertStatus(200);
    }

    [Fact]
    public async Task RecoverAndMagicLink_ProjectTemplates_LinksSignIn()
    {
        var email = await ConfirmedUserAsync("rm");

        var recovery = await UntilTemplatedAsync("recovery", async () => (await auth.AuthPostAsync("/recover", new { email })).AssertStatus(200), email);
        Assert.Equal($"recovery for Bo <{email}>", recovery.GetProperty("subject").GetString());
        Assert.StartsWith("<h1>recovery</h1>", recovery.GetProperty("html").GetString(), StringComparison.Ordinal);
        Assert.Contains("&type=recovery", await FollowAsync(LinkOf(recovery.GetProperty("html").GetString()!)), StringComparison.Ordinal);

        await Task.Delay(1100); // magic links and recovery share a token and the one-second mail frequency limit
        var magic = await UntilTemplatedAsync("magic_link", async () => (await auth.AuthPostAsync("/magiclink", new { email })).AssertStatus(200), email);
        Assert.Equal($"magic_link for Bo <{email}>", magic.GetProperty("subject").GetString());
        Assert.Contains("&type=magiclink", await FollowAsync(LinkOf(magic.GetProperty("html").GetString()!)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invite_ProjectTemplate_LinkAcceptsTheInvite()
    {
        var email = AuthCalls.UniqueEmail("invited");

        var mail = await UntilTemplatedAsync(
            "invite",
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, stack.ApiUrl + "/auth/v1/invite");
                request.Headers.Add("apikey", auth.ServiceRoleKey);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.ServiceRoleKey);
                request.Content = JsonContent(new { email, data = new { name = "Cy" } });
                using var response = await TestHttp.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            },
            email);

        Assert.Equal($"invite for Cy <{email}>", mail.GetProperty("subject").GetString());
        Assert.Contains("&type=invite", await FollowAsync(LinkOf(mail.GetProperty("html").GetString()!)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmailChange_ProjectTemplate_MailsBothAddressesAndTheirLinksChangeTheEmail()
    {
        var email = await ConfirmedUserAsync("from");
        var token = (await auth.SignInAsync(email)).Element.GetProperty("access_token").GetString()!;
        var newEmail = AuthCalls.UniqueEmail("to");

        var toNew = await UntilTemplatedAsync(
            "email_change",
            async () => (await auth.AuthAsync(HttpMethod.Put, "/user", new { email = newEmail }, token)).AssertStatus(200),
            newEmail);
        var toCurrent = (await auth.MailsAsync(email)).First();

        foreach (var mail in new[] { toNew, toCurrent })
        {
            Assert.Equal($"email_change for Bo <{email}>", mail.GetProperty("subject").GetString());
            Assert.Contains($" at {email} (new: {newEmail}) on ", mail.GetProperty("html").GetString(), StringComparison.Ordinal);
        }

        Assert.Contains("#message=Confirmation+link+accepted.", await FollowAsync(LinkOf(toCurrent.GetProperty("html").GetString()!)), StringComparison.Ordinal);
        Assert.Contains("&type=email_change", await FollowAsync(LinkOf(toNew.GetProperty("html").GetString()!)), StringComparison.Ordinal);
        (await auth.SignInAsync(newEmail)).AssertStatus(200);
    }

    [Fact]
    public async Task Signup_NoTemplates_SendsGoTrueDefaultText()
    {
        var plain = await TestProject.CreateAsync(stack, "auth default templates", new { auth = new { autoconfirm = false } });
        var email = AuthCalls.UniqueEmail("default");
        (await plain.SignUpAsync(email)).AssertStatus(200);

        var mail = (await plain.MailsAsync(email)).Single();

        Assert.Equal("Confirm your email address", mail.GetProperty("subject").GetString());
        var link = WebUtility.HtmlEncode(mail.GetProperty("link").GetString()!);
        Assert.Equal(
            $"<h2>Confirm your email address</h2>\n\n<p>Follow the link below to confirm this email address and finish signing up.</p>\n<p><a href=\"{link}\">Confirm email address</a></p>\n",
            mail.GetProperty("html").GetString());
    }

    [Theory]
    [InlineData("""{"confirmation":{"body":"{{ if .Data.vip }}Hi{{ end }}"}}""", "settings.auth.mail_templates.confirmation.body: {{ if .Data.vip }} is not supported")]
    [InlineData("""{"recovery":{"subject":"{{ .Password }}"}}""", "settings.auth.mail_templates.recovery.subject: {{ .Password }} is not supported")]
    [InlineData("""{"invite":{"body":"<a href=\"{{ .ConfirmationURL }\">"}}""", "settings.auth.mail_templates.invite.body: has a {{ without its closing }}")]
    [InlineData("""{"magic_link":{"subject":"two\nlines"}}""", "settings.auth.mail_templates.magic_link.subject must be one line")]
    [InlineData("""{"sms":{"body":"x"}}""", "settings.auth.mail_templates.sms is unknown or has the wrong type")]
    [InlineData("""{"email_change":{"body":42}}""", "settings.auth.mail_templates.email_change.body is unknown or has the wrong type")]
    public async Task PatchSettings_BadTemplate_Returns400NamingIt(string templates, string message)
    {
        var response = await auth.AdminAsync(HttpMethod.Patch, body: """{"settings":{"auth":{"mail_templates":""" + templates + "}}}");

        response.AssertStatus(400);
        Assert.StartsWith(message, response.Element.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    private async Task<string> ConfirmedUserAsync(string tag)
    {
        var email = AuthCalls.UniqueEmail(tag);
        (await auth.SignUpAsync(email, data: new { name = "Bo" })).AssertStatus(200);
        var link = (await auth.MailsAsync(email)).First().GetProperty("link").GetString()!;
        (await auth.AuthPostAsync("/verify", new { type = "signup", token_hash = AdminUsersTests.HashFrom(link) })).AssertStatus(200);
        await Task.Delay(1100); // past the one-second mail frequency limit
        return email;
    }

    /// <summary>
    /// Runs <paramref name="send"/> and returns the newest mail of <paramref name="kind"/> to <paramref name="to"/>;
    /// the first test may meet a worker that has not yet dropped its cached project (templates not yet seen),
    /// so a mail without the template's heading is sent again after the frequency limit.
    /// </summary>
    private async Task<JsonElement> UntilTemplatedAsync(string kind, Func<Task> send, string to)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await send();
            var mail = (await auth.MailsAsync(to)).First();
            if (mail.GetProperty("html").GetString()!.StartsWith($"<h1>{kind}</h1>", StringComparison.Ordinal))
            {
                return mail;
            }

            await Task.Delay(1100);
        }

        Assert.Fail($"the {kind} mail never used the project's template");
        return default;
    }

    /// <summary>Opens a mailed link and checks it did not redirect with an error.</summary>
    private async Task<string> FollowAsync(string link)
    {
        var location = await auth.FollowAsync(link);
        Assert.DoesNotContain("error", location, StringComparison.Ordinal);
        return location;
    }

    private static string LinkOf(string html) => WebUtility.HtmlDecode(Href().Match(html).Groups[1].Value);

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex Href();
}
