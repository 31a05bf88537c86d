namespace MadBase.Cli;

/// <summary>
/// The connection room of every Postgres this project starts (the local stack and the AppHost's executable
/// Postgres). Every worker keeps, per project database in use, a pool whose idle connections live 60 s and the
/// REST schema cache's LISTEN connection (given up after <c>Rest__SchemaCacheIdleSeconds</c> unused): with two
/// workers Postgres's default 100 runs out fast, and 300 ran out in the full test suite (~150 projects on one
/// stack, before idle listeners were evicted). Idle connections cost Postgres little.
/// </summary>
internal static class ConnectionLimits
{
    public const string MaxConnections = "1000";
}
