using System.Globalization;
using System.Text.Json;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// /admin/users (GoTrue's admin.go), for service_role callers only.
internal static partial class AuthApi
{
    private static Project RequireAdmin(AuthServices s) =>
        s.Tenant.Caller.Role == ApiRoles.ServiceRole ? s.Project : throw new AuthException(AuthErrors.NotAdmin());

    private static async Task<IResult> ListUsers([AsParameters] AuthServices s)
    {
        var project = RequireAdmin(s);
        var query = s.Context.Request.Query;
        var page = (int)Math.Min(PageParameter(query["page"], 1), int.MaxValue);
        var perPage = (int)Math.Min(PageParameter(query["per_page"], 50), 1000);

        var filter = query["filter"].ToString();
        if (!PostgresText.IsStorable(filter))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("filter: " + PostgresText.Refusal));
        }

        await using var tx = await s.BeginAsync();
        var (users, total) = await User.ListAsync(tx, page, perPage, filter, s.Aborted);

        // Link and X-Total-Count as GoTrue's addPaginationHeaders; auth-js reads next/last from Link.
        var path = project.Settings.Auth.ApiExternalUrl.TrimEnd('/') + "/admin/users";
        var lastPage = (int)Math.Max(1, (total + perPage - 1) / perPage);
        var links = new List<string>();
        if (page < lastPage)
        {
            links.Add($"<{path}?page={page + 1}&per_page={perPage}>; rel=\"next\"");
        }

        links.Add($"<{path}?page={lastPage}&per_page={perPage}>; rel=\"last\"");
        s.Context.Response.Headers["Link"] = string.Join(", ", links);
        s.Context.Response.Headers["X-Total-Count"] = total.ToString(CultureInfo.InvariantCulture);
        return Json("{\"users\":[" + string.Join(",", users.Select(u => u.Json)) + "],\"aud\":\"" + User.DefaultAud + "\"}");
    }

    /// <summary>
    /// GoTrue's paginate: an unsigned integer (strconv.ParseUint), anything else is 400 "Bad Pagination Parameters";
    /// 0 takes the default (GoTrue would divide by it).
    /// </summary>
    private static ulong PageParameter(string? text, ulong fallback)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value == 0 ? fallback : value;
        }

        var reason = text.All(char.IsAsciiDigit) ? "value out of range" : "invalid syntax";
        throw new AuthException(AuthErrors.BadRequestValidation($"Bad Pagination Parameters: strconv.ParseUint: parsing {GoQuoted(text)}: {reason}"));
    }

    private static async Task<IResult> GetUserById([AsParameters] AuthServices s, string id)
    {
        var project = RequireAdmin(s);
        await using var tx = await s.BeginAsync();
        var user = await FindAdminTargetAsync(tx, id, s.Aborted);
        return Json(user.Json);
    }

    private static async Task<IResult> CreateUser([AsParameters] AuthServices s)
    {
        var project = RequireAdmin(s);
        var input = await AuthBody.ReadAsync<AdminUserParams>(s.Context);
        if (string.IsNullOrEmpty(input.Email) && string.IsNullOrEmpty(input.Phone))
        {
            return AuthErrors.BadRequestValidation("Cannot create a user without either an email or phone").ToResult();
        }

        var email = string.IsNullOrEmpty(input.Email) ? null : Credentials.ValidEmail(input.Email);
        var phone = string.IsNullOrEmpty(input.Phone) ? null : Credentials.ValidPhone(input.Phone);
        string? hash = null;
        if (!string.IsNullOrEmpty(input.Password))
        {
            Credentials.CheckPassword(project.Settings.Auth, input.Password);
            hash = await s.Passwords.HashAsync(input.Password, s.Aborted);
        }

        var userMetadata = AuthBody.ObjectJson(input.UserMetadata, "user_metadata") ?? AuthBody.ObjectJson(input.Data, "data") ?? "{}";
        // As GoTrue's adminUserCreate: the email's provider first, then the phone's.
        string[] providers = [.. email is null ? [] : new[] { "email" }, .. phone is null ? [] : new[] { "phone" }];
        var appMetadata = MergedAppMetadata(AuthBody.ObjectJson(input.AppMetadata, "app_metadata"), providers);
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        if (email is not null && await User.FindByEmailAsync(tx, email, s.Aborted) is not null)
        {
            return AuthErrors.EmailExists().ToResult();
        }

        if (phone is not null && await User.FindByPhoneAsync(tx, phone, s.Aborted) is not null)
        {
            return AuthErrors.PhoneTakenByAnother().ToResult();
        }

        var user = await User.CreateAsync(
            tx,
            new NewUser(email, phone, hash, appMetadata, userMetadata, providers[0], input.EmailConfirm == true, PhoneConfirmed: input.PhoneConfirm == true),
            now,
            s.Aborted);
        if (email is not null && phone is not null)
        {
            await Identity.CreateAsync(tx, user.Id, "phone", user.Id.ToString(), System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["sub"] = user.Id.ToString(),
                ["phone"] = phone,
                ["email_verified"] = false,
                ["phone_verified"] = input.PhoneConfirm == true,
            }), now.AddTicks(10), s.Aborted); // a microsecond after the email identity, so app_metadata.providers lists email first
        }

        await SetRoleAndBanAsync(tx, user, input, now, s.Aborted);

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.SignedUp, now, new Dictionary<string, object>
        {
            ["user_id"] = user.Id,
            ["user_email"] = email ?? string.Empty,
            ["user_phone"] = phone ?? string.Empty,
            ["provider"] = providers[0],
        }, s.Aborted);
        user = await user.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(user.Json);
    }

    private static async Task<IResult> UpdateUserById([AsParameters] AuthServices s, string id)
    {
        var project = RequireAdmin(s);
        var input = await AuthBody.ReadAsync<AdminUserParams>(s.Context);
        string? hash = null;
        if (input.Password is not null)
        {
            Credentials.CheckPassword(project.Settings.Auth, input.Password);
            hash = await s.Passwords.HashAsync(input.Password, s.Aborted);
        }

        var email = string.IsNullOrEmpty(input.Email) ? null : Credentials.ValidEmail(input.Email);
        var phone = string.IsNullOrEmpty(input.Phone) ? null : Credentials.ValidPhone(input.Phone);
        var userMetadata = AuthBody.ObjectJson(input.UserMetadata, "user_metadata");
        var appMetadata = AuthBody.ObjectJson(input.AppMetadata, "app_metadata");
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var user = await FindAdminTargetAsync(tx, id, s.Aborted);
        if (hash is not null)
        {
            await user.SetPasswordAsync(tx, hash, now, s.Aborted);
        }

        if (email is not null && !string.Equals(email, user.Email, StringComparison.OrdinalIgnoreCase))
        {
            if (await User.FindByEmailAsync(tx, email, s.Aborted) is not null)
            {
                return AuthErrors.EmailExists().ToResult();
            }

            await user.SetEmailAsync(tx, email, input.EmailConfirm == true, now, s.Aborted);
        }

        if (input.EmailConfirm == true)
        {
            await user.ConfirmEmailAsync(tx, now, s.Aborted);
        }

        if (phone is not null && phone != user.Phone)
        {
            if (await User.FindByPhoneAsync(tx, phone, s.Aborted) is not null)
            {
                return AuthErrors.PhoneTakenByAnother().ToResult();
            }

            await user.SetPhoneAsync(tx, phone, input.PhoneConfirm == true, now, s.Aborted);
        }
        else if (input.PhoneConfirm == true)
        {
            await user.ConfirmPhoneAsync(tx, now, s.Aborted);
        }

        await MergeMetadataAsync(tx, user, userMetadata, appMetadata, now, s.Aborted);
        await SetRoleAndBanAsync(tx, user, input, now, s.Aborted);

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.UserModified, now, new Dictionary<string, object> { ["user_id"] = user.Id }, s.Aborted);
        user = await user.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(user.Json);
    }

    /// <summary>An admin's <c>role</c> and <c>ban_duration</c>, on a new user as on an updated one.</summary>
    private static async Task SetRoleAndBanAsync(RlsTransaction tx, User user, AdminUserParams input, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (input.Role is { Length: > 0 } role)
        {
            await user.SetRoleAsync(tx, role, now, cancellationToken);
        }

        if (input.BanDuration is { Length: > 0 } ban)
        {
            await user.SetBannedUntilAsync(tx, BannedUntil(ban, now), now, cancellationToken);
        }
    }

    /// <summary>The metadata an admin sends is merged into the user's, each object only if given.</summary>
    private static async Task MergeMetadataAsync(
        RlsTransaction tx, User user, string? userMetadata, string? appMetadata, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (userMetadata is not null)
        {
            await user.MergeUserMetadataAsync(tx, userMetadata, now, cancellationToken);
        }

        if (appMetadata is not null)
        {
            await user.MergeAppMetadataAsync(tx, appMetadata, now, cancellationToken);
        }
    }

    private static async Task<IResult> DeleteUser([AsParameters] AuthServices s, string id)
    {
        var project = RequireAdmin(s);
        await using var tx = await s.BeginAsync();
        var user = await FindAdminTargetAsync(tx, id, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.UserDeleted, s.Clock.GetUtcNow(),
            new Dictionary<string, object> { ["user_id"] = user.Id, ["user_email"] = user.Email ?? string.Empty }, s.Aborted);
        await user.DeleteAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json("{}");
    }

    private static async Task<User> FindAdminTargetAsync(RlsTransaction tx, string id, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var userId))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("user_id must be an UUID"));
        }

        return await User.FindByIdAsync(tx, userId, cancellationToken) ?? throw new AuthException(AuthErrors.UserNotFound());
    }

    private static string MergedAppMetadata(string? given, string[] providers)
    {
        var merged = given is null ? new System.Text.Json.Nodes.JsonObject() : System.Text.Json.Nodes.JsonNode.Parse(given)!.AsObject();
        merged["provider"] = providers[0];
        merged["providers"] = new System.Text.Json.Nodes.JsonArray([.. providers.Select(p => (System.Text.Json.Nodes.JsonNode?)p)]);
        return merged.ToJsonString();
    }

    /// <summary>ban_duration as Go durations ("24h", "1h30m", "100s") or "none" to lift a ban.</summary>
    private static DateTimeOffset? BannedUntil(string duration, DateTimeOffset now)
    {
        if (duration == "none")
        {
            return null;
        }

        var total = TimeSpan.Zero;
        var matches = System.Text.RegularExpressions.Regex.Matches(duration, @"(\d+(?:\.\d+)?)(ms|h|m|s)");
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != duration)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("invalid format for ban duration: " + duration));
        }

        foreach (System.Text.RegularExpressions.Match match in matches)
        {
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            total += match.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => TimeSpan.FromSeconds(value),
            };
        }

        return now + total;
    }
}
