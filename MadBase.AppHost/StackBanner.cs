using MadBase.Cli;
using MadBase.ServiceDefaults.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MadBase.AppHost;

/// <summary>
/// Once the gateway is healthy: the API URL, the default project's keys (from Control's admin API, as the
/// CLI's <c>madbase start</c> reads them) and the dashboard's login URL, in the AppHost's own output.
/// </summary>
internal sealed partial class StackBanner(
    IResourceBuilder<ProjectResource> control, IResourceBuilder<ParameterResource> adminPassword, StackSettings stack)
{
    public async Task WriteAsync(ProjectResource gateway, ResourceReadyEvent @event, CancellationToken cancellationToken)
    {
        ILogger logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MadBase.AppHost");
        string apiUrl = gateway.GetEndpoint("http").Url;
        try
        {
            string password = await adminPassword.Resource.GetValueAsync(cancellationToken)
                ?? throw new LocalStackException($"The parameter '{adminPassword.Resource.Name}' has no value.");
            using var http = new HttpClient();
            DefaultProject project = await DefaultProject.FetchAsync(
                http, new Uri(control.Resource.GetEndpoint("http").Url + "/"), password, cancellationToken);
            LogReady(
                logger, apiUrl, apiUrl.TrimEnd('/') + "/studio/", project.Ref, project.AnonKey, project.ServiceRoleKey,
                DashboardLoginUrl(@event.Services.GetRequiredService<IConfiguration>()),
                Path.Combine(stack.DataDirectory, DataDirectorySecret.FileName));
        }
        catch (LocalStackException e)
        {
            LogNoKeys(logger, apiUrl, e.Message);
        }
    }

    /// <summary>The Aspire dashboard's first URL, without its login token (Studio links to it).</summary>
    public static string? DashboardUrl(IConfiguration configuration) =>
        (configuration["ASPNETCORE_URLS"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();

    /// <summary>As the dashboard's own "Login to the dashboard at" line: its first URL and the browser token.</summary>
    private static string DashboardLoginUrl(IConfiguration configuration)
    {
        string url = DashboardUrl(configuration) ?? "(no dashboard)";
        return configuration["AppHost:BrowserToken"] is { Length: > 0 } token ? $"{url.TrimEnd('/')}/login?t={token}" : url;
    }

    [LoggerMessage(EventId = EventIds.StackReady, Level = LogLevel.Information, Message = """
        MadBase is ready.
          API URL:           {ApiUrl}
          Studio:            {StudioUrl} (sign in with the admin password)
          project:           {ProjectRef}
          anon key:          {AnonKey}
          service_role key:  {ServiceRoleKey}
          dashboard:         {DashboardUrl}
          secrets:           {SecretsFile} (admin-password is the admin API's bearer token)
        """)]
    private static partial void LogReady(
        ILogger logger, string apiUrl, string studioUrl, string projectRef, string anonKey, string serviceRoleKey, string dashboardUrl, string secretsFile);

    [LoggerMessage(EventId = EventIds.StackReadyWithoutKeys, Level = LogLevel.Warning, Message = "MadBase's gateway is up at {ApiUrl}, but the default project's keys could not be read: {Problem}")]
    private static partial void LogNoKeys(ILogger logger, string apiUrl, string problem);
}
