using System.Text.Json.Nodes;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// POST /admin/generate_link (GoTrue's admin generateLink in mail.go), for service_role callers only:
// the link a mail would carry, answered instead of sent.
internal static partial class AuthApi
{
    private const string EmailProvider = """{"provider":"email","providers":["email"]}""";

    private static async Task<IResult> GenerateLink([AsParameters] AuthServices s)
    {
        var project = RequireAdmin(s);
        var input = await AuthBody.ReadAsync<GenerateLinkParams>(s.Context);
        var email = Credentials.ValidEmail(input.Email);
        var data = AuthBody.ObjectJson(input.Data, "data") ?? "{}";
        var hash = input.Type == "signup" ? await SignupPasswordHashAsync(s, project, input.Password) : null;
        var now = s.Clock.GetUtcNow();

        await using var tx = await s.BeginAsync();
        var user = await User.FindByEmailAsync(tx, email, s.Aborted);
        MailedToken link;
        switch (input.Type)
        {
            case "signup" or "invite":
                user = await UnconfirmedUserAsync(tx, s, user, new NewUser(email, null, hash, EmailProvider, data, "email", false, Invited: input.Type == "invite"), now);
                link = await LinkAsync(tx, s, project, user, input.Type == "signup" ? MailKind.Confirmation : MailKind.Invite, input);
                break;
            case "magiclink" or "recovery":
                user = user ?? throw new AuthException(AuthErrors.UserNotFound());
                link = await LinkAsync(tx, s, project, user, input.Type == "magiclink" ? MailKind.MagicLink : MailKind.Recovery, input);
                break;
            case "email_change_new" or "email_change_current":
                user = user ?? throw new AuthException(AuthErrors.UserNotFound());
                link = await EmailChangeLinkAsync(tx, s, project, user, input);
                break;
            default:
                return AuthErrors.BadRequestValidation("Invalid email action link type requested: " + input.Type).ToResult();
        }

        user = await user.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);

        // GoTrue answers the user's fields flattened together with the link's.
        var node = JsonNode.Parse(user.Json)!.AsObject();
        node["action_link"] = link.ActionLink;
        node["email_otp"] = link.Otp;
        node["hashed_token"] = link.HashedToken;
        node["verification_type"] = input.Type;
        node["redirect_to"] = link.RedirectTo;
        return Json(node.ToJsonString());
    }

    private static async Task<string> SignupPasswordHashAsync(AuthServices s, Project project, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            throw new AuthException(AuthErrors.Validation("Signup requires a valid password"));
        }

        Credentials.CheckPassword(project.Settings.Auth, password);
        return await s.Passwords.HashAsync(password, s.Aborted);
    }

    /// <summary>The user a signup or invite link is for: created unless the address has one, who must not be confirmed yet.</summary>
    private static async Task<User> UnconfirmedUserAsync(RlsTransaction tx, AuthServices s, User? user, NewUser created, DateTimeOffset now)
    {
        if (user is not null)
        {
            return user.IsConfirmed ? throw new AuthException(AuthErrors.EmailExists()) : user;
        }

        return await User.CreateAsync(tx, created, now, s.Aborted);
    }

    private static Task<MailedToken> LinkAsync(RlsTransaction tx, AuthServices s, Project project, User user, MailKind kind, GenerateLinkParams input) =>
        TokenMails.SendAsync(tx, s, project, user, kind, null, TokenMails.LinkType(kind), input.RedirectTo, send: false);

    /// <summary>The link for one address of an email change, which starts the change if none is pending.</summary>
    private static async Task<MailedToken> EmailChangeLinkAsync(RlsTransaction tx, AuthServices s, Project project, User user, GenerateLinkParams input)
    {
        var newEmail = Credentials.ValidEmail(input.NewEmail);
        if (await User.FindByEmailAsync(tx, newEmail, s.Aborted) is { } taken && taken.Id != user.Id)
        {
            throw new AuthException(AuthErrors.EmailExists());
        }

        return await EmailChangeMails.GenerateLinkAsync(
            tx, s, project, user, newEmail, current: input.Type == "email_change_current", input.RedirectTo);
    }
}
