using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// /auth/v1: GoTrue-compatible (routes as supabase/auth internal/api/api.go), one file per route family as
/// GoTrue's (<c>POST /token</c> in AuthApi.Token.cs, <c>/signup</c> in AuthApi.Signup.cs, …). Handlers get the
/// request's <see cref="Tenant"/> in <see cref="AuthServices"/> and throw <see cref="AuthException"/>;
/// <see cref="TenantFilter{TRenderer}"/> answers in GoTrue's shape.
/// </summary>
internal static partial class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/auth/v1").AddEndpointFilter<TenantFilter<AuthErrorRenderer>>();
        auth.MapGet("/health", GetHealth);
        auth.MapGet("/settings", GetSettings);
        auth.MapGet("/.well-known/jwks.json", GetJwks);

        auth.MapPost("/signup", Signup);
        auth.MapPost("/token", Token);
        auth.MapPost("/logout", Logout);
        auth.MapGet("/user", GetUser);
        auth.MapPut("/user", UpdateUser);
        auth.MapGet("/reauthenticate", Reauthenticate);

        auth.MapPost("/recover", Recover);
        auth.MapPost("/otp", Otp);
        auth.MapPost("/magiclink", MagicLink);
        auth.MapPost("/resend", Resend);
        auth.MapGet("/verify", VerifyGet);
        auth.MapPost("/verify", VerifyPost);
        auth.MapPost("/invite", Invite);

        auth.MapPost("/factors", EnrollFactor);
        auth.MapPost("/factors/{factorId}/challenge", ChallengeFactor);
        auth.MapPost("/factors/{factorId}/verify", VerifyFactor);
        auth.MapDelete("/factors/{factorId}", UnenrollFactor);
        MapExternalRoutes(auth);
        MapIdentityRoutes(auth);
        MapPasskeyRoutes(auth);
        MapUnsupportedRoutes(auth);

        var admin = auth.MapGroup("/admin");
        admin.MapGet("/users", ListUsers);
        admin.MapPost("/users", CreateUser);
        admin.MapGet("/users/{id}", GetUserById);
        admin.MapPut("/users/{id}", UpdateUserById);
        admin.MapDelete("/users/{id}", DeleteUser);
        admin.MapPost("/generate_link", GenerateLink);
        admin.MapGet("/users/{id}/factors", ListUserFactors);
        admin.MapPut("/users/{id}/factors/{factorId}", UpdateUserFactor);
        admin.MapDelete("/users/{id}/factors/{factorId}", DeleteUserFactor);
        return routes;
    }

    private static IResult GetHealth() => TypedResults.Json(new Dictionary<string, string>
    {
        ["version"] = "madbase",
        ["name"] = "GoTrue",
        ["description"] = "GoTrue is a user registration and authentication API",
    });

    private static IResult GetSettings(Tenant tenant)
    {
        var auth = tenant.Project.Settings.Auth;
        return TypedResults.Json(new Dictionary<string, object>
        {
            // As GoTrue: every provider it knows, true where the project enabled it.
            ["external"] = new Dictionary<string, bool>(OAuthProviders.Select(
                name => KeyValuePair.Create(name, auth.External.TryGetValue(name, out var provider) && provider.Enabled)))
            {
                ["anonymous_users"] = auth.AnonymousSignIns,
                ["email"] = true,
                ["phone"] = auth.PhoneEnabled,
            },
            ["disable_signup"] = auth.DisableSignup,
            ["mailer_autoconfirm"] = auth.Autoconfirm,
            ["phone_autoconfirm"] = auth.Sms.Autoconfirm,
            // No SMS provider of GoTrue's is built in: messages go to the Send SMS hook, or are captured ("").
            ["sms_provider"] = auth.Hooks.SendSms.Enabled ? "hook" : string.Empty,
            ["saml_enabled"] = auth.Saml.Enabled,
            ["passkeys_enabled"] = auth.Passkey.Enabled,
        });
    }

    /// <summary>
    /// The public halves of the project's RS256/ES256 keys that still verify, current and retired, as GoTrue
    /// serves them (and with its cache header). The HS256 secret is never published, so a project that only
    /// signs with it has an empty set, as GoTrue with only a JWT secret.
    /// </summary>
    private static IResult GetJwks(Tenant tenant, TimeProvider clock)
    {
        var project = tenant.Project;
        var now = clock.GetUtcNow();
        tenant.Http.Response.Headers.CacheControl = "public, max-age=600";
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["keys"] = project.SigningKeys.Where(k => k.CanVerify(now)).Select(k => k.PublicJwk()).ToArray(),
        });
    }

    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

    private static IResult Json(string json) => Results.Text(json, "application/json", System.Text.Encoding.UTF8);

    private static IResult Empty() => Json("{}");

    /// <summary>auth-js sends the redirect as <c>?redirect_to=</c>; GoTrue also reads it from the body.</summary>
    private static string? RedirectOf(AuthServices s, MailRequestParams input) => RedirectQuery(s) ?? input.RedirectTo;

    /// <summary>The <c>?redirect_to=</c> of auth-js's emailRedirectTo (signUp, updateUser, inviteUserByEmail).</summary>
    private static string? RedirectQuery(AuthServices s) =>
        s.Context.Request.Query["redirect_to"].ToString() is { Length: > 0 } query ? query : null;
}

/// <summary>What every Auth handler needs, as one [AsParameters] record.</summary>
internal sealed record AuthServices(
    HttpContext Context,
    Tenant Tenant,
    AccessTokens Tokens,
    RefreshTokenRotation Rotation,
    PasswordHasher Passwords,
    AuthMailer Mailer,
    SmsSender Sms,
    AuthRateLimiter Limiter,
    ExternalProviders Providers,
    TimeProvider Clock)
{
    public CancellationToken Aborted => Context.RequestAborted;

    public Project Project => Tenant.Project;

    /// <summary>
    /// The Auth module's own transaction: as service_role, our equivalent of GoTrue's supabase_auth_admin,
    /// and always writable (GET /verify confirms a user).
    /// </summary>
    public Task<RlsTransaction> BeginAsync(RlsMode mode = RlsMode.Interactive) =>
        Tenant.BeginAsync(Caller.ServiceRole, Tenant.Request with { ReadOnly = false }, mode);
}
