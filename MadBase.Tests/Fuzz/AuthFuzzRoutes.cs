namespace MadBase.Tests.Fuzz;

/// <summary>/auth/v1: sign-up, token grants, verify, mails, the user, MFA factors, passkeys, the OAuth callback and the admin API, with hostile bodies and queries.</summary>
internal static class AuthFuzzRoutes
{
    private static readonly string[] SignupFields = ["email", "phone", "password", "data", "code_challenge", "code_challenge_method", "channel"];
    private static readonly string[] TokenFields = ["email", "phone", "password", "refresh_token", "auth_code", "code_verifier", "chain", "message", "signature"];
    private static readonly string[] MailFields = ["email", "phone", "type", "data", "create_user", "code_challenge", "code_challenge_method", "redirect_to", "channel"];
    private static readonly string[] VerifyFields = ["type", "token", "token_hash", "email", "phone", "redirect_to"];
    private static readonly string[] UserFields = ["email", "phone", "password", "data", "nonce", "code_challenge", "code_challenge_method", "channel"];
    private static readonly string[] AdminUserFields = ["email", "phone", "password", "email_confirm", "phone_confirm", "user_metadata", "app_metadata", "role", "ban_duration", "data"];
    private static readonly string[] LinkFields = ["type", "email", "new_email", "password", "data", "redirect_to"];
    private static readonly string[] FactorFields = ["factor_type", "friendly_name", "issuer", "phone", "challenge_id", "code", "webauthn"];
    private static readonly string[] PasskeyFields = ["challenge_id", "credential", "friendly_name"];
    private static readonly string[] QueryNames = ["grant_type", "type", "token", "redirect_to", "scope", "page", "per_page", "apikey", "email"];

    public static FuzzRequest Next(Random random, FuzzProject project)
    {
        var (method, path, fields, bearer) = random.Next(25) switch
        {
            0 or 1 => ("POST", "/signup", SignupFields, project.AnonKey),
            2 or 3 or 4 => ("POST", "/token?grant_type=" + FuzzText.Pick(random, ["password", "refresh_token", "pkce", "id_token", "web3", "%00", ""]), TokenFields, project.AnonKey),
            // Never a global or local logout with the shared user's token: the rest of the run needs its session.
            5 => ("POST", "/logout?scope=" + FuzzText.Pick(random, ["others", FuzzText.UrlJunk(random)]), [], project.UserToken),
            6 => ("GET", "/user", [], project.UserToken),
            7 => ("PUT", "/user", UserFields, project.UserToken),
            8 => ("POST", FuzzText.Pick(random, ["/recover", "/otp", "/magiclink", "/resend", "/invite"]), MailFields, project.AnonKey),
            9 => ("GET", "/verify" + FuzzText.Query(random, ["type", "token", "redirect_to"]), [], project.AnonKey),
            10 => ("GET", $"/verify?type={FuzzText.Pick(random, ["invite", "signup", "recovery", "email_change", "magiclink", "x"])}&token={FuzzText.UrlJunk(random)}", [], project.AnonKey),
            11 => ("POST", "/verify", VerifyFields, project.AnonKey),
            12 => ("GET", "/admin/users" + FuzzText.Query(random, ["page", "per_page", "filter"]), [], project.ServiceRoleKey),
            13 or 14 => ("POST", "/admin/users", AdminUserFields, project.ServiceRoleKey),
            15 => ("GET", "/admin/users/" + AdminUserId(random), [], project.ServiceRoleKey),
            16 => ("PUT", "/admin/users/" + AdminUserId(random), AdminUserFields, project.ServiceRoleKey),
            17 => ("DELETE", "/admin/users/" + AdminUserId(random), [], project.ServiceRoleKey),
            18 => ("POST", "/admin/generate_link", LinkFields, project.ServiceRoleKey),
            19 => ("POST", "/factors", FactorFields, project.UserToken),
            20 => ("POST", $"/factors/{AdminUserId(random)}/{FuzzText.Pick(random, ["challenge", "verify"])}", FactorFields, project.UserToken),
            21 => (FuzzText.Pick(random, ["GET", "POST"]), "/callback" + FuzzText.Query(random, ["state", "code", "error"]), [], project.AnonKey),
            22 => ("POST", "/passkeys/" + FuzzText.Pick(random, ["registration/options", "registration/verify", "authentication/options", "authentication/verify"]),
                PasskeyFields, FuzzText.Pick(random, [project.UserToken, project.AnonKey])),
            23 => (FuzzText.Pick(random, ["GET", "PATCH", "DELETE"]), "/passkeys" + FuzzText.Pick(random, ["", "/" + AdminUserId(random)]), PasskeyFields, project.UserToken),
            _ => ("GET", FuzzText.Pick(random, ["/settings", "/health", "/.well-known/jwks.json", "/" + FuzzText.UrlJunk(random)]), Array.Empty<string>(), project.AnonKey),
        };

        if (random.Next(5) == 0)
        {
            path = FuzzText.WithQuery(path, FuzzText.Query(random, QueryNames));
        }

        var headers = project.Headers(random.Next(6) == 0 ? project.Tokens.Next(random) : bearer);
        if (random.Next(2) == 0)
        {
            headers.Add(new("X-Supabase-Api-Version", "2024-01-01"));
        }

        if (random.Next(5) == 0)
        {
            headers.AddRange(FuzzBodies.Headers(random));
        }

        byte[]? body = null;
        if (method is "POST" or "PUT" or "PATCH")
        {
            body = FuzzJson.Body(random, fields);
            headers.Add(new("Content-Type", random.Next(8) == 0 ? FuzzText.Pick(random, ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"]) : "application/json"));
        }

        return new FuzzRequest(method, "/auth/v1" + path, headers, body);
    }

    private static string AdminUserId(Random random) => random.Next(3) switch
    {
        0 => Guid.NewGuid().ToString(),
        _ => FuzzText.UrlJunk(random),
    };
}
