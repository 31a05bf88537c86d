using MadBase.Worker.Functions.Runtime;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Functions;

internal static class FunctionsModule
{
    /// <summary>Edge Functions: the catalog of what Control stored, the Deno runtime, and YARP's forwarder to reach it.</summary>
    public static IHostApplicationBuilder AddFunctionsModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FunctionsOptions>().BindConfiguration(FunctionsOptions.Section)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                // A function has the network, and a Redis on it would take any client's publish or flush.
                if (configuration.GetConnectionString("redis")?.Split(',')[0].Trim() is { Length: > 0 } redis)
                {
                    options.DenyNet.Add(redis);
                }
            })
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<FunctionsOptions>, FunctionsOptionsValidator>();
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<FunctionCatalog>();
        builder.Services.AddSingleton<FunctionsFolders>();
        builder.Services.AddSingleton<FunctionCode>();
        builder.Services.AddSingleton<FunctionEnvironment>();
        builder.Services.AddSingleton<DenoBinary>();
        builder.Services.AddSingleton<FunctionConsole>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FunctionConsole>());
        builder.Services.AddSingleton<FunctionRuntime>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FunctionRuntime>());
        return builder;
    }
}

/// <summary>Reports every bad setting by its environment variable name.</summary>
internal sealed class FunctionsOptionsValidator : IValidateOptions<FunctionsOptions>
{
    public ValidateOptionsResult Validate(string? name, FunctionsOptions options)
    {
        var errors = options.Validate().ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
