using System.Runtime.InteropServices;

namespace MadBase.Cli.Commands;

/// <summary>Turns Ctrl+C, SIGTERM, SIGHUP and SIGQUIT into a cancellation, so we stop the stack in order.</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly PosixSignalRegistration[] registrations;

    public ShutdownSignal()
    {
        registrations =
        [
            Register(PosixSignal.SIGINT),
            Register(PosixSignal.SIGTERM),
            Register(PosixSignal.SIGHUP),
            Register(PosixSignal.SIGQUIT),
        ];
    }

    public CancellationToken Token => source.Token;

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in registrations)
        {
            registration.Dispose();
        }

        source.Dispose();
    }

    private PosixSignalRegistration Register(PosixSignal signal)
    {
        return PosixSignalRegistration.Create(signal, context =>
        {
            // Not the default (immediate exit): we exit once everything we started has stopped.
            context.Cancel = true;
            if (source.IsCancellationRequested)
            {
                Console.Error.WriteLine("Already stopping; waiting for the servers to exit.");
                return;
            }

            source.Cancel();
        });
    }
}
