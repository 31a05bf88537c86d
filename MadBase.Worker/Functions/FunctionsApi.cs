namespace MadBase.Worker.Functions;

/// <summary>/functions/v1: Supabase Edge Functions as functions-js invokes them (the methods Supabase allows).</summary>
internal static class FunctionsApi
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    public static IEndpointRouteBuilder MapFunctionsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/functions/v1/{name}/{**rest}", Methods, FunctionInvocation.InvokeAsync);
        return routes;
    }
}
