namespace MadBase.Cli.Commands;

internal static class HelpText
{
    public static int Print()
    {
        Console.WriteLine($"""
            madbase: the MadBase stack on this machine, without Docker.

            Usage:
              madbase start [options]    Start Postgres, Redis (if installed), Control, the workers and the
                                         Gateway; print the API URL and keys; restart any of them that
                                         exits on its own; Ctrl+C stops everything.
              madbase status [options]   Show the running stack's URLs and keys, and each server's state and
                                         restarts (exit code 1 if not running).
              madbase functions deploy <name> [--project <ref>] [--no-verify-jwt] [--functions-dir <dir>]
                                         Deploy <dir>/<name> (default supabase/functions/<name>) as an Edge
                                         Function of the project (default: the stack's default project).
              madbase functions list | delete <name>    The project's functions.
              madbase functions logs <name>  The function's latest console output (needs Redis).
              madbase secrets set NAME=VALUE... | list | unset NAME...
                                         The project's secrets, its functions' environment (list shows digests).
              madbase --help             This text.

            Options:
              --data-dir <dir>       Cluster, secrets, logs and stack.env (default: .madbase)
              --port <port>          Gateway, the API URL (default: {LocalStackOptions.DefaultGatewayPort})
              --control-port <port>  Control (default: {LocalStackOptions.DefaultControlPort})
              --metrics-port <port>  The gateway's /metrics (default: {LocalStackOptions.DefaultGatewayMetricsPort}); the
                                     workers and Control serve /metrics on their own ports
              --workers <n>          Number of workers (default: 2)
              --co-located           No worker processes: the gateway serves the APIs itself (one process, no
                                     proxy hop; the fastest shape on one small machine)
              --worker-port <port>   First worker's port; the others follow (default: {LocalStackOptions.DefaultFirstWorkerPort})
              --db-port <port>       Private Postgres cluster (default: {LocalStackOptions.DefaultPostgresPort})
              --redis-port <port>    Redis (default: {LocalStackOptions.DefaultRedisPort})
              --no-redis             Run without Redis even when it is installed

            Environment:
              MADBASE_JWT_SECRET     JWT secret of the default project (otherwise Control generates one)
              MADBASE_BIN_DIR        Folder holding the service builds (default: this repository's bin folders)
            """);
        return 0;
    }
}
