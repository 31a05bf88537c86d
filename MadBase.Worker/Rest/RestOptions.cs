namespace MadBase.Worker.Rest;

/// <summary>The REST module's per-deployment settings (<c>Rest__*</c>); per-project ones are the project's settings.</summary>
internal sealed class RestOptions
{
    /// <summary>
    /// A project whose REST API has not been used for this long gives up its schema cache and the LISTEN
    /// connection that keeps it fresh (its next request loads the cache again): a worker's connections follow
    /// the projects in use, not every project it ever served.
    /// </summary>
    public int SchemaCacheIdleSeconds { get; set; } = 600;

    /// <summary>
    /// The LISTEN connections a worker keeps for schema changes, one per project: beyond this many projects in use,
    /// a project's cache is checked against its DDL log every <see cref="SchemaPollSeconds"/> instead, so that the
    /// connections a worker holds do not grow with the number of projects.
    /// </summary>
    public int MaxSchemaListeners { get; set; } = 100;

    /// <summary>How often, at most, a project without a listener checks its DDL log (on its requests, in the background).</summary>
    public int SchemaPollSeconds { get; set; } = 2;
}
