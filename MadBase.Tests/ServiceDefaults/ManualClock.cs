namespace MadBase.Tests.ServiceDefaults;

/// <summary>A clock tests move by hand (the framework's FakeTimeProvider is not on our package mirror).</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
