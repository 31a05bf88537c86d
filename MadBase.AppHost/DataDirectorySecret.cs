using System.Text.Json;
using Aspire.Hosting.Publishing;
using MadBase.Cli;

namespace MadBase.AppHost;

/// <summary>
/// A parameter's generated default, kept in &lt;data-dir&gt;/parameters.json (mode 600) beside the data it
/// guards: a cluster is created with its superuser's password, so the two must live and go together (user
/// secrets would outlive a deleted data directory, or vanish while the cluster stays). A value given as
/// <c>Parameters__name</c> (or user secrets, or the dashboard) still wins. Published, it is a generated input.
/// </summary>
internal sealed class DataDirectorySecret(string dataDirectory, string name) : ParameterDefault
{
    public const string FileName = "parameters.json";

    private static readonly Lock Gate = new();

    public override string GetDefaultValue()
    {
        lock (Gate)
        {
            string path = Path.Combine(dataDirectory, FileName);
            Dictionary<string, string> values = File.Exists(path)
                ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))
                    ?? throw new DistributedApplicationException($"{path} is not valid; restore it, or delete {dataDirectory} to start fresh.")
                : [];
            if (values.TryGetValue(name, out string? value) && value.Length > 0)
            {
                return value;
            }

            Directory.CreateDirectory(dataDirectory);
            // Hex only: no escaping in connection strings, URLs or env files; 128 bits.
            values[name] = StackSecrets.NewPassword();
            PrivateFile.WriteAtomically(path, JsonSerializer.Serialize(values));
            return values[name];
        }
    }

    public override void WriteToManifest(ManifestPublishingContext context)
    {
        new GenerateParameterDefault { MinLength = 32, Special = false }.WriteToManifest(context);
    }
}
