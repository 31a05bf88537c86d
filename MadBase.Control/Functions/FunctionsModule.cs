namespace MadBase.Control.Functions;

internal static class FunctionsModule
{
    /// <summary>Edge Functions' bundles and secrets in the system database (workers run them).</summary>
    public static IHostApplicationBuilder AddFunctionsModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<FunctionStore>();
        builder.Services.AddSingleton<FunctionSyntaxCheck>();
        builder.Services.AddSingleton<FunctionLogs>();
        return builder;
    }
}
