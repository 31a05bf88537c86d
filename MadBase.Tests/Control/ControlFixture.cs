using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Control;

/// <summary>One Control process shared by the tests of a class (starting one takes a few seconds).</summary>
public sealed class ControlFixture(PostgresFixture postgres) : IAsyncLifetime
{
    private ControlProcess? control;

    internal ControlProcess Control => control ?? throw new InvalidOperationException("Control is not started.");

    public async Task InitializeAsync() => control = await ControlProcess.StartAsync(postgres);

    public async Task DisposeAsync()
    {
        if (control is not null)
        {
            await control.DisposeAsync();
        }
    }
}
