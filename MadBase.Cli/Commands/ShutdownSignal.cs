using System.Runtime.InteropServices;

namespace MadBase.Cli.Commands;

/// <summary>Turns Ctrl+C, SIGTERM, SIGHUP and SIGQUIT into a cancellation, so we stop the stack in order.</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignal()
    {
        _registrations =
        [
            Register(PosixSignal.SIGINT),
            Register(PosixSignal.SIGTERM),
            Register(PosixSignal.SIGHUP),
            Register(PosixSignal.SIGQUIT),
        ];
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private PosixSignalRegistration Register(PosixSignal signal)
    {
        return PosixSignalRegistration.Create(signal, context =>
        {
            // Not the default (immediate exit): we exit once everything we started has stopped.
            context.Cancel = true;
            if (_source.IsCancellationRequested)
            {
                Console.Error.WriteLine("Already stopping; waiting for the servers to exit.");
                return;
            }

            _source.Cancel();
        });
    }
}
