using Microsoft.Extensions.Logging;

namespace MadBase.Cli.Commands;

internal static class StartCommand
{
    public static async Task<int> RunAsync(LocalStackOptions options)
    {
        using var shutdown = new ShutdownSignal();
        // One timestamped line per event: restarts are read in a terminal or a captured log.
        using ILoggerFactory loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        }));
        RunningStack stack;
        try
        {
            stack = await new LocalStack(options, Console.Out, loggers.CreateLogger("madbase")).StartAsync(shutdown.Token);
        }
        catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
        {
            Console.WriteLine("Interrupted; everything started has been stopped.");
            return 130;
        }
        catch (LocalStackException e)
        {
            Console.Error.WriteLine($"madbase: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever was started is stopped by now; the trace is for a bug report.
            Console.Error.WriteLine($"madbase: unexpected error while starting: {e}");
            return 1;
        }

        int exitCode = 0;
        try
        {
            Console.WriteLine();
            Console.WriteLine("MadBase is running.");
            stack.Summary.WriteTable(Console.Out);
            Console.WriteLine();
            Console.WriteLine($"Saved as {StackEnvFile.PathIn(stack.DataDirectory)}. Press Ctrl+C to stop.");
            Console.WriteLine("A server that exits on its own is restarted; `madbase status` counts the restarts.");
            await stack.RunAsync(shutdown.Token);
        }
        catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
        {
            // Asked to stop: the only way the stack stops.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"madbase: supervision failed, stopping the stack: {e}");
            exitCode = 1;
        }

        Console.WriteLine("Stopping...");
        await stack.DisposeAsync();
        Console.WriteLine("Stopped.");
        return exitCode;
    }
}
