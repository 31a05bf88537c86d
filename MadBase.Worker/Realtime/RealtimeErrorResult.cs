namespace MadBase.Worker.Realtime;

/// <summary>Supabase Realtime's HTTP error body, <c>{"message": …}</c>, which realtime-js shows.</summary>
internal sealed class RealtimeErrorResult(int statusCode, string message) : IResult
{
    public int StatusCode => statusCode;

    public Task ExecuteAsync(HttpContext httpContext) =>
        Results.Json(new { message }, statusCode: statusCode).ExecuteAsync(httpContext);
}
