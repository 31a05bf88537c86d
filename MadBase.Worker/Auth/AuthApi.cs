using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>/auth/v1: GoTrue-compatible. The foundation serves health and settings; the rest is the Auth module's.</summary>
internal static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/auth/v1").AddEndpointFilter<AuthTenantFilter>();
        auth.MapGet("/health", GetHealth);
        auth.MapGet("/settings", GetSettings);
        return routes;
    }

    private static IResult GetHealth() => TypedResults.Json(new Dictionary<string, string>
    {
        ["version"] = "madbase",
        ["name"] = "GoTrue",
        ["description"] = "GoTrue is a user registration and authentication API",
    });

    private static async Task<IResult> GetSettings(HttpContext context, TenantScope scope)
    {
        var tenant = await scope.ResolveAsync(context);
        var auth = tenant.Project!.Settings.Auth;
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["external"] = new Dictionary<string, bool>
            {
                ["anonymous_users"] = auth.AnonymousSignIns,
                ["email"] = true,
                ["phone"] = false,
            },
            ["disable_signup"] = auth.DisableSignup,
            ["mailer_autoconfirm"] = auth.Autoconfirm,
            ["phone_autoconfirm"] = false,
            ["sms_provider"] = string.Empty,
            ["saml_enabled"] = false,
        });
    }
}
