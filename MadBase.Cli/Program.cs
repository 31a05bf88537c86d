using MadBase.Cli.Commands;

CliArguments arguments;
try
{
    switch (args)
    {
        case ["functions", .. var rest]:
            return await FunctionsCommand.RunAsync(AdminArguments.Parse(rest));
        case ["secrets", .. var rest]:
            return await SecretsCommand.RunAsync(AdminArguments.Parse(rest));
    }

    arguments = CliArguments.Parse(args);
}
catch (CliUsageException e)
{
    Console.Error.WriteLine($"madbase: {e.Message} See `madbase --help`.");
    return 2;
}

return arguments.Command switch
{
    "start" => await StartCommand.RunAsync(arguments.Options),
    "status" => await StatusCommand.RunAsync(arguments.Options),
    _ => HelpText.Print(),
};
