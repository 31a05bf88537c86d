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
}
