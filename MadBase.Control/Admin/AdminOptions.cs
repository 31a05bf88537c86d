namespace MadBase.Control.Admin;

/// <summary>The admin API's one credential: <c>Admin__Password</c>, required.</summary>
internal sealed class AdminOptions
{
    public const string Section = "Admin";

    public string Password { get; set; } = "";

    public static void Register(IServiceCollection services) =>
        services.AddOptions<AdminOptions>()
            .BindConfiguration(Section)
            .Validate(
                o => !string.IsNullOrWhiteSpace(o.Password),
                "Admin__Password is not set: give the password the admin API (/admin/v1) accepts as a bearer token.")
            .ValidateOnStart();
}
