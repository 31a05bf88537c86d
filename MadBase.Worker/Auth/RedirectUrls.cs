using System.Text.RegularExpressions;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Auth;

/// <summary>
/// GoTrue's redirect allow-list (utilities.GetReferrer / IsRedirectURLValid): a requested redirect is kept
/// when it is on the site URL's host or matches an additional redirect URL (with * and ** globs); otherwise
/// the site URL is used.
/// </summary>
internal static class RedirectUrls
{
    public static string Resolve(AuthSettings settings, string? requested) =>
        requested is not null && IsAllowed(settings, requested) ? requested : settings.SiteUrl;

    /// <summary>GoTrue's IsRedirectURLValid: on the site URL's host and scheme, or matching an additional redirect URL.</summary>
    public static bool IsAllowed(AuthSettings settings, string requested)
    {
        if (string.IsNullOrWhiteSpace(requested) || !Uri.TryCreate(requested, UriKind.Absolute, out var target))
        {
            return false;
        }

        if (Uri.TryCreate(settings.SiteUrl, UriKind.Absolute, out var site)
            && string.Equals(site.Host, target.Host, StringComparison.OrdinalIgnoreCase)
            && string.Equals(site.Scheme, target.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var pattern in settings.AdditionalRedirectUrls)
        {
            var regex = "^" + Regex.Escape(pattern).Replace(@"\*\*", ".*", StringComparison.Ordinal)
                .Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$";
            if (Regex.IsMatch(requested, regex, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50)))
            {
                return true;
            }
        }

        return false;
    }
}
