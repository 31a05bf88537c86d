using MadBase.Cli.Commands;

CliArguments arguments;
try
{
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
