using System.Globalization;

namespace MadBase.Cli.Commands;

/// <summary>`madbase &lt;command&gt; [options]`, parsed by hand: a handful of options needs no library.</summary>
internal sealed record CliArguments(string Command, LocalStackOptions Options)
{
    public const string Help = "help";

    public static CliArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new ParsedOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? inlineValue = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is > 2 and int equals)
            {
                inlineValue = arg[(equals + 1)..];
                arg = arg[..equals];
            }

            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }

                return ++i < args.Count ? args[i] : throw new CliUsageException($"{arg} needs a value.");
            }

            if (!parsed.Apply(arg, Value))
            {
                return new CliArguments(Help, parsed.Options);
            }
        }

        return parsed.ToArguments();
    }

    /// <summary>What the arguments said so far; the worker ports are known only once both options are read.</summary>
    private sealed class ParsedOptions
    {
        private string? command;
        private int firstWorkerPort = LocalStackOptions.DefaultFirstWorkerPort;
        private int workers = 2;
        private bool workersGiven;

        public LocalStackOptions Options { get; private set; } = new() { DataDirectory = ".madbase", GatewayMetricsPort = LocalStackOptions.DefaultGatewayMetricsPort };

        /// <summary>Takes one argument (and its value from <paramref name="value"/>); false when it asks for help.</summary>
        public bool Apply(string arg, Func<string> value)
        {
            switch (arg)
            {
                case "-h" or "--help" or "help":
                    return false;
                case "--data-dir":
                    Options = Options with { DataDirectory = value() };
                    break;
                case "--port":
                    Options = Options with { GatewayPort = Port(arg, value()) };
                    break;
                case "--metrics-port":
                    Options = Options with { GatewayMetricsPort = Port(arg, value()) };
                    break;
                case "--control-port":
                    Options = Options with { ControlPort = Port(arg, value()) };
                    break;
                case "--worker-port":
                    firstWorkerPort = Port(arg, value());
                    break;
                case "--workers":
                    workers = Number(arg, value(), 1, 64);
                    workersGiven = true;
                    break;
                case "--co-located":
                    Options = Options with { CoLocated = true };
                    break;
                case "--db-port":
                    Options = Options with { PostgresPort = Port(arg, value()) };
                    break;
                case "--redis-port":
                    Options = Options with { RedisPort = Port(arg, value()) };
                    break;
                case "--no-redis":
                    Options = Options with { UseRedis = false };
                    break;
                case not null when arg.StartsWith('-'):
                    throw new CliUsageException($"Unknown option {arg}.");
                case "start" or "status" when command is null:
                    command = arg;
                    break;
                default:
                    throw new CliUsageException($"Unexpected argument '{arg}'.");
            }

            return true;
        }

        public CliArguments ToArguments()
        {
            if (firstWorkerPort + workers - 1 > 65535)
            {
                throw new CliUsageException("--worker-port plus --workers goes past port 65535.");
            }

            if (Options.CoLocated && workersGiven)
            {
                throw new CliUsageException("--co-located runs no worker processes: leave out --workers.");
            }

            var options = Options with { WorkerPorts = Options.CoLocated ? [] : LocalStackOptions.ConsecutivePorts(firstWorkerPort, workers) };
            return new CliArguments(command ?? Help, options);
        }
    }

    private static int Port(string option, string value)
    {
        return Number(option, value, 1, 65535);
    }

    private static int Number(string option, string value, int min, int max)
    {
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number >= min && number <= max
            ? number
            : throw new CliUsageException($"{option} must be a number from {min} to {max}, not '{value}'.");
    }
}
