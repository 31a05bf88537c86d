namespace MadBase.ServiceDefaults.Metrics;

/// <summary>
/// The names of MadBase's own meters. The MeterProvider listens to <see cref="All"/>, so a module's instruments
/// reach /metrics and OTLP by being created on a meter named here.
/// </summary>
public static class MadBaseMeters
{
    public const string All = "MadBase.*";

    public const string ServiceDefaults = "MadBase.ServiceDefaults";

    public const string Gateway = "MadBase.Gateway";

    public const string Auth = "MadBase.Worker.Auth";

    public const string Rest = "MadBase.Worker.Rest";

    public const string Storage = "MadBase.Worker.Storage";

    public const string Functions = "MadBase.Worker.Functions";
}
