using System.Net;
using System.Text;
using System.Text.Json;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// Sends an SMS OTP through the project's Send SMS hook (GoTrue's hookshttp: a JSON POST of <c>{metadata, user,
/// sms: {otp, phone}}</c> signed with the Standard Webhooks scheme) when it is enabled; otherwise captures the
/// message in auth_mail.outbox beside the mails (kind <c>sms</c>, <c>phone_change</c> or <c>mfa</c>, the number as recipient),
/// where Control's mail catcher shows it.
/// </summary>
internal sealed partial class SmsSender(IHttpClientFactory clients, TimeProvider clock, ILogger<SmsSender> logger)
{
    public const string HttpClientName = "auth-hooks";

    /// <summary>GoTrue's hook timeout.</summary>
    public static readonly TimeSpan HookTimeout = TimeSpan.FromSeconds(5);

    private const int ResponseLimit = 200 * 1024;

    /// <summary>Sends <paramref name="otp"/> to <paramref name="phone"/>; the message is <c>sms.template</c> unless another <paramref name="template"/> is given.</summary>
    public async Task SendAsync(
        RlsTransaction tx,
        HttpContext context,
        AuthSettings settings,
        User user,
        string phone,
        string otp,
        string kind,
        CancellationToken cancellationToken,
        string? template = null)
    {
        var hook = settings.Hooks.SendSms;
        if (hook.Enabled)
        {
            await CallHookAsync(context, hook, user, phone, otp, cancellationToken);
            return;
        }

        await using var command = tx.CreateCommand(
            "INSERT INTO auth_mail.outbox (recipient, subject, body, kind, link, otp) VALUES ($1, 'SMS', $2, $3, NULL, $4)");
        command.Parameters.AddWithValue(phone);
        command.Parameters.AddWithValue(Message(template ?? settings.Sms.Template, otp));
        command.Parameters.AddWithValue(kind);
        command.Parameters.AddWithValue(otp);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>GoTrue's SMS template, whose one value is the code.</summary>
    public static string Message(string template, string otp) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{\{\s*\.Code\s*\}\}", otp.Replace("$", "$$", StringComparison.Ordinal));

    private async Task CallHookAsync(
        HttpContext context, HttpHookSettings hook, User user, string phone, string otp, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var payload = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, object>
            {
                ["uuid"] = Guid.NewGuid(),
                ["time"] = now,
                ["name"] = "send-sms",
                ["ip_address"] = ClientIp.Of(context),
            },
            ["user"] = JsonDocument.Parse(user.Json).RootElement,
            ["sms"] = new Dictionary<string, string> { ["otp"] = otp, ["phone"] = phone },
        }));
        var messageId = Guid.NewGuid().ToString();
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Uri) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", messageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", HookSecrets.Sign(HookSecrets.Keys(hook.Secrets ?? string.Empty), messageId, timestamp, payload));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HookTimeout);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is OperationCanceledException or TimeoutException)
        {
            LogHookFailed(logger, e, hook.Uri!);
            throw new AuthException(new AuthError(
                422, "hook_timeout", $"Failed to reach hook within maximum time of {HookTimeout.TotalSeconds:F6} seconds"));
        }
        catch (Exception e) when (e is HttpRequestException or Polly.ExecutionRejectedException)
        {
            // Unreachable, or the resilience handler's circuit opened after earlier failures.
            LogHookFailed(logger, e, hook.Uri!);
            throw new AuthException(new AuthError(422, "hook_timeout_after_retry", "Failed to reach hook after maximum retries"));
        }

        using (response)
        {
            await CheckAnswerAsync(response, timeout.Token);
        }
    }

    /// <summary>GoTrue's reading of a hook's answer: 204, or 200/202 with JSON that may carry <c>{"error": {http_code, message}}</c>.</summary>
    private static async Task CheckAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.NoContent:
                return;
            case HttpStatusCode.OK or HttpStatusCode.Accepted:
                break;
            case HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable:
                throw HookError(500, "Service currently unavailable due to hook");
            case HttpStatusCode.BadRequest:
                throw HookError(500, "Invalid payload sent to hook");
            case HttpStatusCode.Unauthorized:
                throw HookError(500, "Hook requires authorization token");
            default:
                throw HookError(500, $"Unexpected status code returned from hook: {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentType?.MediaType is not "application/json")
        {
            throw new AuthException(new AuthError(
                400, "hook_payload_invalid_content_type", "Invalid JSON response. Received content-type: " + response.Content.Headers.ContentType));
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (body.Length > ResponseLimit)
        {
            throw new AuthException(new AuthError(422, "hook_payload_over_size_limit", $"Payload size exceeded size limit of {ResponseLimit} bytes"));
        }

        try
        {
            using var answer = JsonDocument.Parse(body);
            if (answer.RootElement.ValueKind == JsonValueKind.Object
                && answer.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                && message.GetString() is { Length: > 0 } text)
            {
                var status = error.TryGetProperty("http_code", out var code) && code.TryGetInt32(out var given) && given is >= 400 and < 600 ? given : 500;
                throw HookError(status, text);
            }
        }
        catch (JsonException)
        {
            throw HookError(500, "Error unmarshaling JSON output.");
        }
    }

    private static AuthException HookError(int status, string message) =>
        new(new AuthError(status, status >= 500 ? "unexpected_failure" : "validation_failed", message));

    [LoggerMessage(EventId = EventIds.SendSmsHookFailed, Level = LogLevel.Warning, Message = "The Send SMS hook at {Uri} could not be reached")]
    private static partial void LogHookFailed(ILogger logger, Exception error, string uri);
}
