namespace MadBase.Cli;

/// <summary>What a person needs to use a running stack: printed by `start` and `status`, saved as stack.env.</summary>
internal sealed record StackSummary(
    string ApiUrl,
    string AdminUrl,
    string DbUrl,
    string AnonKey,
    string ServiceRoleKey,
    string PublishableKey,
    string SecretKey,
    string AdminPassword,
    string Redis,
    string LogDirectory)
{
    public void WriteTable(TextWriter output)
    {
        (string Label, string Value)[] rows =
        [
            ("API URL", ApiUrl),
            ("Studio", ApiUrl + "/studio/ (sign in with the admin password)"),
            ("Admin URL", AdminUrl),
            ("DB URL", DbUrl),
            ("anon key", AnonKey),
            ("service_role key", ServiceRoleKey),
            ("Publishable key", PublishableKey),
            ("Secret key", SecretKey),
            ("Admin password", AdminPassword),
            ("Redis", Redis),
            ("Logs", LogDirectory),
        ];
        int width = rows.Max(row => row.Label.Length);
        foreach ((string label, string value) in rows)
        {
            output.WriteLine($"  {label.PadRight(width)}  {value}");
        }
    }
}
