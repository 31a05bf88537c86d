using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;
using MadBase.Worker.Auth;
using MailKit.Security;

namespace MadBase.Tests.Auth;

/// <summary>Projects with an SMTP host: Auth's mails go out through MailKit to a real SMTP server, not to the catcher table.</summary>
[Collection(StackCollection.Name)]
public sealed class SmtpMailTests(StackFixture stack)
{
    public const string Password = "smtp-password";

    [Fact]
    public async Task Signup_WithSmtpHost_SendsConfirmationThroughSmtpWithLogin()
    {
        await using var smtp = SmtpCatcher.Start();
        var auth = await ProjectAsync(smtp.Port, Password);
        var email = AuthCalls.UniqueEmail("smtp");

        (await auth.SignUpAsync(email)).AssertStatus(200);

        var mail = smtp.To(email);
        var from = Assert.Single(mail.From.Mailboxes);
        Assert.Equal(("MadBase Tests", "noreply@example.test"), (from.Name, from.Address));
        Assert.Equal("Confirm your email address", mail.Subject);
        Assert.Contains("/auth/v1/verify?token=", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(("mailer", Password), Assert.Single(smtp.LoginsSeen));
        Assert.Empty(await auth.MailsAsync(email));
    }

    [Fact]
    public async Task Signup_SmtpServerDown_AnswersErrorSendingConfirmationEmail()
    {
        var auth = await ProjectAsync(FreePorts.Take(), Password);

        var response = await auth.SignUpAsync(AuthCalls.UniqueEmail("down"));

        response.AssertAuthError(500, "unexpected_failure");
        Assert.Equal("Error sending confirmation email", response.Element.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Signup_SmtpLoginRefused_AnswersErrorAndSendsNothing()
    {
        await using var smtp = SmtpCatcher.Start();
        var auth = await ProjectAsync(smtp.Port, "not-the-password");

        var response = await auth.SignUpAsync(AuthCalls.UniqueEmail("login"));

        response.AssertAuthError(500, "unexpected_failure");
        // MailKit tries each mechanism the server offers (PLAIN, LOGIN) before giving up.
        Assert.NotEmpty(smtp.LoginsSeen);
        Assert.All(smtp.LoginsSeen, login => Assert.Equal(("mailer", "not-the-password"), login));
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task Signup_StartTlsWithUntrustedCertificate_SendsNothingInClear()
    {
        await using var smtp = SmtpCatcher.Start(startTls: true);
        var auth = await ProjectAsync(smtp.Port, Password);

        var response = await auth.SignUpAsync(AuthCalls.UniqueEmail("tls"));

        response.AssertAuthError(500, "unexpected_failure");
        Assert.Empty(smtp.LoginsSeen);
        Assert.Empty(smtp.Messages);
    }

    [Theory]
    [InlineData(465, SecureSocketOptions.SslOnConnect)]
    [InlineData(587, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData(25, SecureSocketOptions.StartTlsWhenAvailable)]
    public void Security_AsGoTrue_ImplicitTlsOn465ElseStartTlsWhenOffered(int port, SecureSocketOptions expected) =>
        Assert.Equal(expected, AuthMailer.Security(port));

    private Task<TestProject> ProjectAsync(int port, string password) =>
        TestProject.CreateAsync(stack, "auth smtp", new
        {
            auth = new
            {
                autoconfirm = false,
                smtp_host = "127.0.0.1",
                smtp_port = port,
                smtp_user = "mailer",
                smtp_pass = password,
                smtp_admin_email = "noreply@example.test",
                smtp_sender_name = "MadBase Tests",
            },
        });
}
