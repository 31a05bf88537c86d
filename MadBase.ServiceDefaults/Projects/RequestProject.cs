using System.Collections.Concurrent;
using MadBase.ServiceDefaults.RequestIds;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// Marks the project a request belongs to, once that is known to exist (never unchecked client text): the
/// request's log scope gets its <c>ProjectRef</c>, and its <c>http.server.request.duration</c> the
/// <c>madbase.project</c> tag. Every label value is a series per route, method and status in Prometheus, so a
/// process names at most <see cref="MaxProjectLabels"/> projects there (the first it serves) and counts the rest as
/// <c>other</c>: thousands of projects cannot blow up a scrape, and the deployments this is built for see every
/// project by name. The log scope always has the exact ref.
/// </summary>
public static class RequestProject
{
    public const string MetricTag = "madbase.project";

    public const string OtherProjects = "other";

    internal const int MaxProjectLabels = 100;

    private static readonly ConcurrentDictionary<string, string> Labelled = new(StringComparer.Ordinal);

    public static void Identify(HttpContext context, string projectRef)
    {
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.Tags.Add(new(MetricTag, Label(projectRef)));
        }

        if (context.Features.Get<RequestLogScope>() is { } scope)
        {
            scope.ProjectRef = projectRef;
        }
    }

    internal static string Label(string projectRef)
    {
        if (Labelled.TryGetValue(projectRef, out var known))
        {
            return known;
        }

        // Racing adds may overshoot by a few; the bound is about orders of magnitude, not an exact count.
        return Labelled.Count < MaxProjectLabels ? Labelled.GetOrAdd(projectRef, projectRef) : OtherProjects;
    }
}
