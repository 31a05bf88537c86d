namespace MadBase.Worker.Realtime.Changes;

/// <summary>Realtime's Postgres changes (<c>Realtime__Changes__*</c>).</summary>
internal sealed class ChangeFeedOptions
{
    /// <summary>How long a worker keeps a project's stream after its last subscriber there left: a client
    /// that reconnects at once finds it running, and a project nobody listens to holds no slot.</summary>
    public double ReleaseAfterSeconds { get; set; } = 10;

    /// <summary>How often a worker whose subscribers need the slot tries to take it while another worker streams it;
    /// bounds how long a dead holder's changes wait.</summary>
    public double TakeOverIntervalSeconds { get; set; } = 1;

    /// <summary>How often each worker drops the slots of the projects it serves that a dead holder left
    /// unclaimed (no worker has subscribers there), so their WAL is not kept for no one.</summary>
    public double SlotSweepSeconds { get; set; } = 60;
}
