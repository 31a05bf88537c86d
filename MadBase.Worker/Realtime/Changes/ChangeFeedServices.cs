namespace MadBase.Worker.Realtime.Changes;

internal static class ChangeFeedServices
{
    /// <summary>Postgres changes behind the realtime socket's <see cref="IChangeFeed"/> seam.</summary>
    public static IHostApplicationBuilder AddRealtimeChanges(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChangeFeedOptions>().BindConfiguration("Realtime:Changes")
            .Validate(o => o.ReleaseAfterSeconds is >= 0 and <= 3600, "Realtime__Changes__ReleaseAfterSeconds must be between 0 and 3600")
            .Validate(o => o.TakeOverIntervalSeconds is > 0 and <= 60, "Realtime__Changes__TakeOverIntervalSeconds must be between 0 and 60")
            .Validate(o => o.SlotSweepSeconds is > 0 and <= 86400, "Realtime__Changes__SlotSweepSeconds must be between 0 and 86400")
            .ValidateOnStart();
        builder.Services.AddSingleton<ChangeFanOut>();
        builder.Services.AddSingleton<ChangeVisibility>();
        builder.Services.AddSingleton<ChangeFeed>();
        builder.Services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<ChangeFeed>());
        builder.Services.AddHostedService<SlotSweeper>();
        return builder;
    }
}
