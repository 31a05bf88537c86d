namespace MadBase.Cli.Commands;

internal static class StartCommand
{
    public static async Task<int> RunAsync(LocalStackOptions options)
    {
        using var shutdown = new ShutdownSignal();
        RunningStack stack;
        try
        {
            stack = await new LocalStack(options, Console.Out).StartAsync(shutdown.Token);
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
            string crash = await stack.WaitForCrashAsync(shutdown.Token);
            Console.Error.WriteLine($"madbase: {crash}");
            exitCode = 1;
        }
        catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
        {
            // Asked to stop.
        }

        Console.WriteLine("Stopping...");
        await stack.DisposeAsync();
        Console.WriteLine("Stopped.");
        return exitCode;
    }
}
