namespace MadBase.Control.Admin;

/// <summary>The admin API's one credential: <c>Admin__Password</c>, required.</summary>
internal sealed class AdminOptions
{
    public const string Section = "Admin";

    public string Password { get; set; } = "";
}
