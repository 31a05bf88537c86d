using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MadBase.ServiceDefaults.Metrics;

/// <summary>
/// The <c>madbase.project</c> tag on a request's <c>http.server.request.duration</c>. Every label value is a series
/// per route, method and status in Prometheus, so a process names at most <see cref="MaxProjects"/> projects (the
/// first it serves) and counts the rest as <c>other</c>: a deployment with thousands of projects cannot blow up the
/// scrape, and the small deployments this is built for see every project by name.
/// </summary>
public static class ProjectLabel
{
    public const string TagName = "madbase.project";

    public const string Other = "other";

    internal const int MaxProjects = 100;

    private static readonly ConcurrentDictionary<string, string> Named = new(StringComparer.Ordinal);

    /// <summary>Call once the project is known to exist (never with unchecked client text).</summary>
    public static void Tag(HttpContext context, string projectRef)
    {
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.Tags.Add(new(TagName, Of(projectRef)));
        }
    }

    internal static string Of(string projectRef)
    {
        if (Named.TryGetValue(projectRef, out var known))
        {
            return known;
        }

        // Racing adds may overshoot by a few; the bound is about orders of magnitude, not an exact count.
        return Named.Count < MaxProjects ? Named.GetOrAdd(projectRef, projectRef) : Other;
    }
}
