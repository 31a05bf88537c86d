using MadBase.ServiceDefaults.Database;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Realtime;

/// <summary>
/// Realtime's answers to what <see cref="TenantFilter{TRenderer}"/> catches, in Supabase Realtime's HTTP error
/// shape (<c>{"message": …}</c>, which realtime-js shows). Errors inside an open socket never reach it: the
/// session answers those on the channel they concern.
/// </summary>
internal sealed class RealtimeErrorRenderer : IModuleErrorRenderer
{
    public IResult TenantFailed(TenantRequest failed) =>
        new RealtimeErrorResult(StatusCodes.Status401Unauthorized, failed.FailureMessage ?? "unauthorized");

    public IResult? QueryNotStorable() => new RealtimeErrorResult(StatusCodes.Status400BadRequest, PostgresText.Refusal);

    public IResult TextNotStorable(PostgresException refused) =>
        new RealtimeErrorResult(StatusCodes.Status400BadRequest, "invalid input");

    public IResult DatabaseUnavailable(Exception error) =>
        new RealtimeErrorResult(StatusCodes.Status503ServiceUnavailable, "Realtime was unable to connect to the project database");

    public IResult? Render(Exception error, TenantRequest tenant) => null;
}
