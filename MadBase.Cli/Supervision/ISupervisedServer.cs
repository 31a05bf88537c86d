namespace MadBase.Cli.Supervision;

/// <summary>A server of the local stack that the <see cref="StackSupervisor"/> keeps running.</summary>
internal interface ISupervisedServer
{
    /// <summary>Its name in logs and `madbase status` (postgres, redis, control, worker-1, gateway).</summary>
    string Name { get; }

    /// <summary>The process serving now; it changes with every restart.</summary>
    IServerProcess? Process { get; }

    /// <summary>
    /// Brings the server back after its process exited without being asked to; completes once it serves
    /// again, throws when this attempt failed (the supervisor tries again later).
    /// </summary>
    Task RecoverAsync(CancellationToken cancellationToken);
}
