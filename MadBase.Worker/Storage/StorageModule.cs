using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Storage;
using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Storage.Migrations;
using MadBase.Worker.Storage.Resumable;
using MadBase.Worker.Storage.S3;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Storage;

internal static class StorageModule
{
    public static IHostApplicationBuilder AddStorageModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration("Storage")
            .PostConfigure<IConfiguration>((options, configuration) =>
                options.Endpoint ??= configuration["services:minio:api:0"])
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();

        builder.Services.AddSingleton<ITenantMigrationSource, StorageMigrations>();
        builder.Services.AddSingleton<ITenantMigrationSource, S3AccessKeyMigrations>();
        builder.Services.AddSingleton<StorageErrorRenderer>();
        builder.Services.AddSingleton<S3ErrorRenderer>();
        builder.Services.AddSingleton<TusErrorRenderer>();
        builder.Services.AddSingleton<StorageProjects>();
        builder.Services.AddHostedService<OrphanSweeper>();
        builder.Services.AddSingleton<IBlobStore>(services =>
        {
            var options = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            return options.Backend == StorageOptions.S3Backend
                ? new S3BlobStore(options)
                : new FileSystemBlobStore(options.FileRoot);
        });
        return builder;
    }
}

/// <summary>Reports every bad setting by its environment variable name, so a misconfigured worker stops with a clear message.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var errors = options.Validate().ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
