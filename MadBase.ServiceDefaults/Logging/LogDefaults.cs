using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Hosting;

namespace MadBase.ServiceDefaults.Logging;

/// <summary>
/// Default log levels, added as the lowest-priority configuration source so that
/// <c>Logging__LogLevel__*</c> (environment, appsettings, command line) still overrides every one. ASP.NET's
/// per-request hosting and routing lines would otherwise cost several JSON lines per request.
/// </summary>
internal static class LogDefaults
{
    private static readonly Dictionary<string, string?> Levels = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        // Control's EF Core would log every command it runs; its migrations log their own lines.
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
        // Npgsql logs through the host's loggers since Aspire.Npgsql registers the system database: one Information
        // line per executed command (its text included) is a trace's job, not the log's.
        ["Logging:LogLevel:Npgsql"] = "Warning",
        // The resilience handler's two Information lines per outgoing call; its retries are Warnings and still show.
        ["Logging:LogLevel:Polly"] = "Warning",
        // StackExchange.Redis logs each (re)connection's handshake at Information, a dozen lines per connect.
        ["Logging:LogLevel:StackExchange.Redis"] = "Warning",
    };

    public static IHostApplicationBuilder AddLogDefaults(this IHostApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Levels });
        return builder;
    }
}
