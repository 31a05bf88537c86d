namespace MadBase.ServiceDefaults.RequestIds;

/// <summary>
/// The log scope of a request: <c>RequestId</c>, <c>Route</c> (the matched route template) and, once known,
/// <c>ProjectRef</c>. The JSON console and OTLP log exporters read a scope when they write a line, so a project
/// identified halfway through the request appears on every line written after that. (ASP.NET's hosting scope
/// beside it carries the trace and span ids.)
/// </summary>
public sealed class RequestLogScope(string requestId, string? route) : IReadOnlyList<KeyValuePair<string, object>>
{
    public string RequestId { get; } = requestId;

    public string? Route { get; } = route;

    public string? ProjectRef { get; internal set; }

    public int Count => Items().Count();

    public KeyValuePair<string, object> this[int index] => Items().ElementAt(index);

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => Items().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(' ', Items().Select(item => $"{item.Key}:{item.Value}"));

    private IEnumerable<KeyValuePair<string, object>> Items()
    {
        yield return new(nameof(RequestId), RequestId);
        if (Route is not null)
        {
            yield return new(nameof(Route), Route);
        }

        if (ProjectRef is not null)
        {
            yield return new(nameof(ProjectRef), ProjectRef);
        }
    }
}
