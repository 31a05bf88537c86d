// Collections run side by side (the two shared stacks, the Postgres-only classes, the AppHost, each class
// without a collection). Most of a test's time is waiting on processes, sockets and timers, not CPU, so on
// CI's two cores four at a time finish sooner than xunit's default of one per core.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
