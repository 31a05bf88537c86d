using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// The seam between the realtime socket (channels, joins, tokens) and the Postgres changes behind a
/// channel's <c>postgres_changes</c> bindings. The socket parses and validates the bindings, gives each its
/// id, and hands the joined channel here; the feed decides what rows each subscriber may see.
/// </summary>
/// <remarks>
/// Until an implementation is registered in DI, a join that asks for postgres_changes is refused with an
/// error reply rather than acknowledged with nothing behind it.
/// </remarks>
internal interface IChangeFeed
{
    /// <summary>
    /// Starts delivering the changes that match <paramref name="subscriber"/>'s bindings; completes when the
    /// subscription is live, and the join is answered ok only after that. A <see cref="ChangeFeedException"/>
    /// is a refusal the client sees as the join's error reply (its message verbatim); any other exception is
    /// logged and answered with a generic error. Cancelled when the socket goes away while joining.
    /// </summary>
    Task AddAsync(IChangeSubscriber subscriber, CancellationToken cancellationToken);

    /// <summary>
    /// Stops delivering to <paramref name="subscriber"/>: on leave, on socket close or loss, on an expired
    /// token, and after an <see cref="AddAsync"/> that threw. Idempotent and never throws.
    /// </summary>
    void Remove(IChangeSubscriber subscriber);
}

/// <summary>One joined channel with postgres_changes bindings, as the feed sees it.</summary>
internal interface IChangeSubscriber
{
    /// <summary>The project the socket's apikey resolved; never changes.</summary>
    Project Project { get; }

    /// <summary>The channel's topic, <c>realtime:&lt;name&gt;</c>; for logs.</summary>
    string Topic { get; }

    /// <summary>
    /// Who is listening now: role (from the allow-list) and claims of the latest verified access token,
    /// replaced when the client sends <c>access_token</c>; read it at each check, never cache it.
    /// </summary>
    Caller Caller { get; }

    /// <summary>The bindings in the order the client sent them, each with its id.</summary>
    IReadOnlyList<ChangeBinding> Bindings { get; }

    /// <summary>
    /// Queues a <c>postgres_changes</c> frame <c>{"ids":[…],"data":…}</c> to the socket without blocking.
    /// <paramref name="data"/> is the UTF-8 JSON object Supabase's server sends as <c>data</c>
    /// (<c>schema, table, commit_timestamp, type, columns, record, old_record, errors</c>); the same bytes
    /// may be handed to many subscribers. False when the socket is gone or its send queue is full (the
    /// frame is dropped; the socket deals with a client that cannot keep up).
    /// </summary>
    bool Deliver(IReadOnlyList<int> ids, ReadOnlyMemory<byte> data);
}

/// <summary>Which row changes a binding asks for.</summary>
internal enum ChangeEvent
{
    /// <summary><c>*</c>: inserts, updates and deletes.</summary>
    All,
    Insert,
    Update,
    Delete,
}

/// <summary>The operators realtime filters allow (<c>column=op.value</c>).</summary>
internal enum FilterOperator
{
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    In,
}

/// <summary>
/// A parsed <c>filter</c>: <paramref name="Values"/> holds one value, or for <c>in.(a,b,c)</c> each listed
/// value; values are text as the client wrote them, to be compared as the column's type.
/// </summary>
internal sealed record ChangeFilter(string Column, FilterOperator Operator, IReadOnlyList<string> Values);

/// <summary>
/// One validated <c>postgres_changes</c> binding. <paramref name="Schema"/> is a schema name or <c>*</c>
/// (every schema); <paramref name="Table"/> is null for every table of the schema (the client sent none or
/// <c>*</c>). <paramref name="Id"/> is what the socket put in the join reply and what <c>ids</c> must carry.
/// </summary>
internal sealed record ChangeBinding(int Id, ChangeEvent Event, string Schema, string? Table, ChangeFilter? Filter)
{
    public bool Wants(ChangeEvent change) => Event == ChangeEvent.All || Event == change;
}

/// <summary>A subscription the feed refuses; <see cref="Exception.Message"/> is sent to the client as the join's error reply.</summary>
internal sealed class ChangeFeedException(string message) : Exception(message);
