using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// The mail templates' language: GoTrue's variables, written as in GoTrue (<c>{{ .ConfirmationURL }}</c>,
/// <c>{{ .Data.name }}</c>), replaced by their values. It is deliberately not Go's template engine — no
/// conditionals, pipelines or functions — so a template cannot run logic or reach anything but these values.
/// Control refuses any other <c>{{ … }}</c> when the template is saved, so a template that saves also renders.
/// </summary>
public static partial class MailTemplateText
{
    public static IReadOnlyList<string> Variables { get; } =
        ["ConfirmationURL", "Token", "TokenHash", "SiteURL", "Email", "NewEmail", "RedirectTo"];

    /// <summary>Why the template cannot be used, or null when it can.</summary>
    public static string? Problem(string template)
    {
        foreach (Match action in Action().Matches(template))
        {
            var variable = Variable().Match(action.Groups[1].Value);
            var known = variable.Success && (variable.Groups[2].Success
                ? variable.Groups[1].Value == "Data"
                : Variables.Contains(variable.Groups[1].Value));
            if (!known)
            {
                return $"{action.Value} is not supported: only {{{{ .Name }}}} with Name one of "
                    + string.Join(", ", Variables) + ", or {{ .Data.key }} for user metadata";
            }
        }

        // An opening brace pair left after the actions is an action that never closes.
        return Action().Replace(template, string.Empty).Contains("{{", StringComparison.Ordinal)
            ? "has a {{ without its closing }}"
            : null;
    }

    /// <summary>
    /// Replaces each variable by its value: HTML-escaped for a body, with line breaks flattened for a
    /// subject (a mail header). <c>.Data.key</c> reads the user's metadata: strings as they are, other
    /// JSON values as JSON, missing keys as nothing.
    /// </summary>
    public static string Render(string template, IReadOnlyDictionary<string, string?> values, JsonElement userMetadata, bool html) =>
        Action().Replace(template, action =>
        {
            var variable = Variable().Match(action.Groups[1].Value);
            if (!variable.Success)
            {
                return action.Value;
            }

            string? value;
            if (variable.Groups[2].Success && variable.Groups[1].Value == "Data")
            {
                value = userMetadata.ValueKind == JsonValueKind.Object && userMetadata.TryGetProperty(variable.Groups[2].Value, out var data)
                    ? data.ValueKind switch
                    {
                        JsonValueKind.String => data.GetString(),
                        JsonValueKind.Null => null,
                        _ => data.GetRawText(),
                    }
                    : null;
            }
            else if (variable.Groups[2].Success || !values.TryGetValue(variable.Groups[1].Value, out value))
            {
                return action.Value;
            }

            value ??= string.Empty;
            return html ? WebUtility.HtmlEncode(value) : value.ReplaceLineEndings(" ");
        });

    [GeneratedRegex(@"\{\{(.*?)\}\}", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Action();

    [GeneratedRegex(@"^\s*\.([A-Za-z]+)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Variable();
}
