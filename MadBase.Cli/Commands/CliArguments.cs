using System.Globalization;

namespace MadBase.Cli.Commands;

/// <summary>`madbase &lt;command&gt; [options]`, parsed by hand: a handful of options needs no library.</summary>
internal sealed record CliArguments(string Command, LocalStackOptions Options)
{
    public const string Help = "help";

    public static CliArguments Parse(IReadOnlyList<string> args)
    {
        string? command = null;
        var options = new LocalStackOptions { DataDirectory = ".madbase", GatewayMetricsPort = LocalStackOptions.DefaultGatewayMetricsPort };
        int firstWorkerPort = LocalStackOptions.DefaultFirstWorkerPort;
        int workers = 2;
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

            switch (arg)
            {
                case "-h" or "--help" or "help":
                    return new CliArguments(Help, options);
                case "--data-dir":
                    options = options with { DataDirectory = Value() };
                    break;
                case "--port":
                    options = options with { GatewayPort = Port(arg, Value()) };
                    break;
                case "--metrics-port":
                    options = options with { GatewayMetricsPort = Port(arg, Value()) };
                    break;
                case "--control-port":
                    options = options with { ControlPort = Port(arg, Value()) };
                    break;
                case "--worker-port":
                    firstWorkerPort = Port(arg, Value());
                    break;
                case "--workers":
                    workers = Number(arg, Value(), 1, 64);
                    break;
                case "--db-port":
                    options = options with { PostgresPort = Port(arg, Value()) };
                    break;
                case "--redis-port":
                    options = options with { RedisPort = Port(arg, Value()) };
                    break;
                case "--no-redis":
                    options = options with { UseRedis = false };
                    break;
                case not null when arg.StartsWith('-'):
                    throw new CliUsageException($"Unknown option {arg}.");
                case "start" or "status" when command is null:
                    command = arg;
                    break;
                default:
                    throw new CliUsageException($"Unexpected argument '{arg}'.");
            }
        }

        if (firstWorkerPort + workers - 1 > 65535)
        {
            throw new CliUsageException("--worker-port plus --workers goes past port 65535.");
        }

        options = options with { WorkerPorts = LocalStackOptions.ConsecutivePorts(firstWorkerPort, workers) };
        return new CliArguments(command ?? Help, options);
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
