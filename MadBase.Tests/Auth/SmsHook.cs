using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MadBase.Tests.Auth;

/// <summary>
/// A Send SMS hook on loopback, as a project's SMS service would run it: it records each call (headers and raw
/// body) and answers 200 {} — or, for <see cref="RefusedPhone"/>, GoTrue's hook error shape.
/// </summary>
internal sealed class SmsHook : IAsyncDisposable
{
    public const string RefusedPhone = "14155550000";

    private readonly WebApplication app;

    private SmsHook(WebApplication app) => this.app = app;

    public ConcurrentQueue<Call> Calls { get; } = new();

    public string Url { get; private set; } = string.Empty;

    public static async Task<SmsHook> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var hook = new SmsHook(builder.Build());
        hook.app.MapPost("/hook", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var bytes = body.ToArray();
            hook.Calls.Enqueue(new Call(
                context.Request.Headers["webhook-id"].ToString(),
                context.Request.Headers["webhook-timestamp"].ToString(),
                context.Request.Headers["webhook-signature"].ToString(),
                bytes));
            return System.Text.Encoding.UTF8.GetString(bytes).Contains(RefusedPhone, StringComparison.Ordinal)
                ? Results.Json(new { error = new { http_code = 400, message = "no carrier for this number" } })
                : Results.Json(new { });
        });
        await hook.app.StartAsync();
        hook.Url = hook.app.Urls.First() + "/hook";
        return hook;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    public sealed record Call(string Id, string Timestamp, string Signature, byte[] Body);
}
