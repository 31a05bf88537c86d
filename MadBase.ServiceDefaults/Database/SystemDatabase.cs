using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace MadBase.ServiceDefaults.Database;

/// <summary>The system database (projects, keys): <c>ConnectionStrings__madbase</c>, required by every service.</summary>
public sealed class SystemDatabase(NpgsqlDataSource dataSource, string connectionString) : IAsyncDisposable
{
    public const string ConnectionName = "madbase";

    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>The configured connection string; tenant connections in the same cluster are derived from it.</summary>
    public string ConnectionString { get; } = connectionString;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    internal static void Register(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ =>
        {
            var connectionString = configuration.GetConnectionString(ConnectionName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException(
                    "ConnectionStrings__madbase is not set: give the Npgsql connection string of the system database.");
            }

            var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = "madbase-system" };
            return new SystemDatabase(builder.Build(), connectionString);
        });
    }
}
