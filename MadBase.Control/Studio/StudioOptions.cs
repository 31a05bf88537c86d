namespace MadBase.Control.Studio;

/// <summary>MadBase Studio's settings (<c>Studio__*</c>); the password is the admin API's own.</summary>
internal sealed class StudioOptions
{
    public const string Section = "Studio";

    /// <summary>How long a sign-in lasts; it does not slide, so an open tab cannot keep a session alive forever.</summary>
    public int SessionMinutes { get; set; } = 480;

    /// <summary>The Aspire dashboard's URL when running under the AppHost (set by it); Studio links to it.</summary>
    public string? DashboardUrl { get; set; }
}
