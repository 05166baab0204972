using Orleans.Concurrency;
using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>
/// One tenant, keyed by its stable id. Holds the tenant's settings and token budget in memory; every change to
/// either is serialized here, so the budget is exact without database locks.
/// </summary>
public interface ITenantGrain : IGrainWithGuidKey
{
    /// <summary>Creates the tenant, and its first admin account in the same transaction when one is given.</summary>
    Task<Outcome<TenantView>> CreateAsync(TenantSettings settings, NewAccount? admin = null);

    /// <summary>The tenant, or null when no tenant has this id.</summary>
    [AlwaysInterleave]
    Task<TenantView?> GetAsync();

    /// <summary>Null when a request on <paramref name="host"/> may be served; else why not (unknown, suspended).</summary>
    [AlwaysInterleave]
    Task<ServiceError?> CheckAccessAsync(string host);

    /// <summary>Replaces the settings when <paramref name="expectedVersion"/> is still current (else <see cref="ProblemCode.Conflict"/>).</summary>
    Task<Outcome<TenantView>> UpdateSettingsAsync(TenantSettings settings, int expectedVersion);

    Task<Outcome<TenantView>> ResetUsageAsync();

    /// <summary>The system parameter a call with <paramref name="prompt"/> would send upstream now; null when no tenant has this id.</summary>
    [AlwaysInterleave]
    Task<SystemPreview?> PreviewSystemAsync(string prompt);

    /// <summary>
    /// Erases every row of the tenant in every application table, in one transaction, leaving one tombstone in the
    /// audit log; this activation forgets the tenant and deactivates. False when there is no such tenant.
    /// </summary>
    Task<bool> DeleteAsync();

    /// <summary>
    /// Runs one chat exchange for a caller on <paramref name="host"/>. Interleaves with other calls: only the
    /// accounting steps take the grain's turn, never the upstream I/O.
    /// </summary>
    /// <remarks>
    /// The caller waits <see cref="ChatTimeoutOptions.AttemptTimeout"/> for an answer, not Orleans' 30 s: a call lost
    /// with a silo that died without a word is retried sooner. A call that is only slow is not harmed: its retry
    /// (<see cref="ChatRequest.IsRetry"/>) joins the attempt still running in this activation instead of starting another.
    /// A call waiting for room in the budget (up to <c>Chat:AdmissionWaitSeconds</c>, then its upstream call) is such
    /// a slow call: its retry joins the wait rather than queueing again.
    /// </remarks>
    [AlwaysInterleave]
    [ResponseTimeout(ChatTimeoutOptions.AttemptTimeoutText)]
    Task<Outcome<ChatReply>> ChatAsync(string host, ChatRequest request);

    /// <summary>
    /// Admits a streamed call like <see cref="ChatAsync"/>, waiting for room in the budget as it does (within
    /// Orleans' default 30 s, hence the 25 s cap on that wait): its tokens stay reserved until it is completed or abandoned.
    /// </summary>
    [AlwaysInterleave]
    Task<Outcome<StreamTicket>> BeginStreamAsync(string host, ChatRequest request);

    /// <summary>Stores and charges what the stream generated (possibly cut short), and releases the reservation.</summary>
    [AlwaysInterleave]
    Task<Outcome<ChatReply>> CompleteStreamAsync(StreamTicket ticket, StreamResult result);

    /// <summary>Releases the reservation of a stream that generated nothing; nothing is charged.</summary>
    [AlwaysInterleave]
    Task AbandonStreamAsync(Guid requestId);

    /// <summary>
    /// The caller of <paramref name="requestId"/> went away: if its call is still waiting for room in the budget,
    /// it leaves the queue without running. A call already admitted runs on, as any call whose caller left.
    /// </summary>
    /// <remarks>
    /// A call of its own rather than a cancellation token on <see cref="ChatAsync"/>: Orleans cancels a call's token
    /// when the call times out, and a chat call that timed out is only slow; its retry joins it.
    /// </remarks>
    [AlwaysInterleave]
    [OneWay]
    Task StopWaitingAsync(Guid requestId);
}
