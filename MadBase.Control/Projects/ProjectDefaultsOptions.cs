using System.Text.Json.Nodes;

namespace MadBase.Control.Projects;

/// <summary>
/// <c>Projects__PublicUrl</c>: where clients reach the gateway, e.g. <c>https://api.example.com</c> or, with
/// host-named projects, <c>https://{ref}.example.com</c>. A new project's <c>auth.api_external_url</c> (its
/// JWT issuer and the base of mailed links) is made from it unless the creation request sets one.
/// </summary>
internal sealed class ProjectDefaultsOptions
{
    public string? PublicUrl { get; set; }

    /// <summary>The creation request's settings with the URL-derived defaults filled in where it is silent.</summary>
    public JsonObject Apply(string projectRef, JsonObject settings)
    {
        if (PublicUrl is null)
        {
            return settings;
        }

        var result = (JsonObject)settings.DeepClone();
        if (result["auth"] is not JsonObject auth)
        {
            if (result["auth"] is not null)
            {
                return result; // not an object: the settings validation reports it
            }

            auth = [];
            result["auth"] = auth;
        }

        if (!auth.ContainsKey("api_external_url"))
        {
            auth["api_external_url"] = PublicUrl.Replace("{ref}", projectRef, StringComparison.Ordinal) + "/auth/v1";
        }

        return result;
    }
}
