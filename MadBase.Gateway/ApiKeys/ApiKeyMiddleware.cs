using MadBase.Gateway.Routing;
using MadBase.ServiceDefaults.Errors;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using MadBase.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Model;

namespace MadBase.Gateway.ApiKeys;

/// <summary>
/// Decides which project a request belongs to and tells the upstream in <see cref="ProjectHeaders.ProjectRef"/>.
/// The project comes from the apikey (header, or query string for WebSockets, which cannot set headers
/// in browsers), else the host's first label (<c>&lt;ref&gt;.api.example.com</c>), else, on key-optional
/// routes only, the default project. An S3 request (<c>/storage/v1/s3</c>) names it in its SigV4 access key id.
/// A project whose <c>api.keyless</c> setting is on also takes requests without an apikey, as anon, or as the
/// bearer project JWT says, which then names the project (its <c>ref</c> claim) once its signature verifies there.
/// </summary>
internal sealed partial class ApiKeyMiddleware(
    RequestDelegate next, ProjectDirectory projects, JwtVerifier verifier, IOptions<GatewayOptions> options, ILogger<ApiKeyMiddleware> logger)
{
    private const string ApiKeyName = "apikey";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;

        // First, always: the upstream trusts this header to name the project, so only we may set it.
        request.Headers.Remove(ProjectHeaders.ProjectRef);

        // Only YARP's routes carry metadata; a co-located worker's paths (CoLocation/LocalWorker.cs) always need a project.
        if (context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata?.GetValueOrDefault(ProxyConfig.ApiKeyMetadata) == ProxyConfig.NoProject)
        {
            await next(context);
            return;
        }

        var apiKey = ReadApiKey(request);
        var hostRef = HostLabel(request.Host);
        string projectRef;
        if (apiKey is null && request.Path.StartsWithSegments(S3AccessKeyIds.ProtocolPath, StringComparison.Ordinal))
        {
            // S3 clients sign with SigV4 and send no apikey: the access key id names the project, and the
            // worker checks the signature against that project's own keys.
            var s3Project = S3AccessKeyIds.FromRequest(request) is { } keyId && S3AccessKeyIds.ProjectRef(keyId) is { } keyRef
                ? await projects.FindAsync(keyRef, context.RequestAborted)
                : null;
            if (s3Project is null)
            {
                await ErrorResponse.WriteAsync(context, StatusCodes.Status403Forbidden, "the S3 access key id names no project");
                return;
            }

            projectRef = s3Project.Ref;
        }
        else if (apiKey is null && KeyOptionalRoutes.Matches(request))
        {
            var hostProject = hostRef is null ? null : await projects.FindAsync(hostRef, context.RequestAborted);
            projectRef = hostProject?.Ref ?? options.Value.DefaultProject;
        }
        else if (apiKey is null)
        {
            switch (await FindKeylessProjectAsync(request, hostRef, context.RequestAborted))
            {
                case (null, _):
                    await ErrorResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, "no API key found in request");
                    return;
                case (_, false):
                    await ErrorResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, "invalid JWT");
                    return;
                case ({ } keyless, _):
                    projectRef = keyless.Ref;
                    if (StringValues.IsNullOrEmpty(request.Headers.Authorization))
                    {
                        request.Headers.Authorization = "Bearer " + keyless.AnonKey;
                    }

                    break;
            }
        }
        else
        {
            if (await FindProjectAsync(apiKey, hostRef, context.RequestAborted) is not var (project, newKey))
            {
                await ErrorResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, "invalid API key");
                return;
            }

            projectRef = project.Ref;
            if (newKey is null)
            {
                // As Supabase's Kong does: a request with only the apikey runs as the key's role upstream.
                if (StringValues.IsNullOrEmpty(request.Headers.Authorization))
                {
                    request.Headers.Authorization = "Bearer " + apiKey;
                }
            }
            else
            {
                if (newKey.Type == ProjectApiKey.Secret && BrowserRequests.IsBrowser(request))
                {
                    await ErrorResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, BrowserRequests.SecretKeyRefusal);
                    return;
                }

                // The new keys are not JWTs: with no user token (supabase-js then sends the key itself as the
                // bearer), the request runs upstream as the key's role through a token the services verify.
                var authorization = request.Headers.Authorization.ToString();
                if (authorization.Length == 0 || authorization == "Bearer " + apiKey)
                {
                    request.Headers.Authorization = "Bearer " + ProjectKeys.UpstreamToken(project, newKey);
                }
            }
        }

        request.Headers[ProjectHeaders.ProjectRef] = projectRef;
        RequestProject.Identify(context, projectRef);
        await next(context);
    }

    /// <summary>
    /// The project whose anon, service_role, publishable or secret key this is (with the new-style key, when it
    /// is one), or null when it is nobody's.
    /// </summary>
    private async ValueTask<(Project Project, ProjectApiKey? NewKey)?> FindProjectAsync(string apiKey, string? hostRef, CancellationToken cancellationToken)
    {
        var isNewKey = ApiKeyFormat.IsNewKey(apiKey);
        var claimedRef = isNewKey ? ApiKeyFormat.ProjectRef(apiKey) : ApiKeyClaims.ReadProjectRef(apiKey);
        var hostProject = hostRef is null || hostRef == claimedRef ? null : await projects.FindAsync(hostRef, cancellationToken);

        Project? project;
        if (claimedRef is not null)
        {
            project = await projects.FindAsync(claimedRef, cancellationToken);
            if (project is not null && hostProject is not null)
            {
                // A key of one project sent to another project's host: refuse rather than pick one.
                LogHostMismatch(logger, claimedRef, hostProject.Ref);
                return null;
            }
        }
        else
        {
            // Keys without a ref claim (e.g. the Supabase CLI's demo keys), and imported new-style keys that name no
            // ref (the CLI's local sb_ keys, a hosted project's), belong to the host's or default project.
            project = hostProject ?? await projects.FindAsync(options.Value.DefaultProject, cancellationToken);
        }

        var newKey = isNewKey && project is not null ? ProjectKeys.NewKeyOf(project, apiKey) : null;
        if (project is null || (isNewKey ? newKey is null : !ProjectKeys.IsKeyOf(project, apiKey)))
        {
            LogInvalidKey(logger, claimedRef);
            return null;
        }

        return (project, newKey);
    }

    /// <summary>
    /// A request without an apikey: the project whose keyless setting lets it in (null when none does), and whether
    /// its bearer token, if any, verifies with that project's keys. The project is the one the token's <c>ref</c>
    /// claim names, else the host's, else the default; the claim only says where to look, the signature decides.
    /// </summary>
    private async ValueTask<(Project? Project, bool Verified)> FindKeylessProjectAsync(
        HttpRequest request, string? hostRef, CancellationToken cancellationToken)
    {
        var authorization = request.Headers.Authorization.ToString();
        var bearer = BearerToken.Read(authorization);
        var claimedRef = bearer is null ? null : ApiKeyClaims.ReadProjectRef(bearer);
        var hostProject = hostRef is null ? null : await projects.FindAsync(hostRef, cancellationToken);
        var project = claimedRef is not null
            ? await projects.FindAsync(claimedRef, cancellationToken)
            : hostProject ?? await projects.FindAsync(options.Value.DefaultProject, cancellationToken);
        if (project is null || !project.Settings.Api.Keyless)
        {
            return (null, false);
        }

        if (hostProject is not null && hostProject.Ref != project.Ref)
        {
            // A token of one project sent to another project's host.
            LogHostMismatch(logger, project.Ref, hostProject.Ref);
            return (project, false);
        }

        if (authorization.Length == 0)
        {
            return (project, true);
        }

        var verification = bearer is null ? null : await verifier.VerifyAsync(bearer, project.JwtSecret, project.SigningKeys);
        return (project, verification is { IsValid: true });
    }

    private static string? ReadApiKey(HttpRequest request)
    {
        var value = request.Headers[ApiKeyName].ToString();
        if (value.Length == 0)
        {
            value = request.Query[ApiKeyName].ToString();
        }

        return value.Length == 0 ? null : value;
    }

    /// <summary>The first label of a dotted host name, when it could be a project ref.</summary>
    private static string? HostLabel(HostString host)
    {
        var name = host.Host;
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        var label = name[..dot].ToLowerInvariant();
        return ProjectRefs.IsValid(label) ? label : null;
    }

    [LoggerMessage(EventId = EventIds.ApiKeyRejected, Level = LogLevel.Debug, Message = "Rejected an apikey claiming project {ProjectRef}")]
    private static partial void LogInvalidKey(ILogger logger, string? projectRef);

    [LoggerMessage(EventId = EventIds.ApiKeyHostMismatch, Level = LogLevel.Information,
        Message = "Rejected a key of project {KeyProject} sent to the host of project {HostProject}")]
    private static partial void LogHostMismatch(ILogger logger, string keyProject, string hostProject);
}
