using TenantChat.Grains.Models;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// The chat calls running in one tenant's activation, by request id. A retry whose first attempt is running here,
/// or ended a moment ago, gets that attempt's outcome instead of asking the upstream again: its caller only timed
/// out waiting (see <see cref="ITenantGrain.ChatAsync"/>). A joined attempt's outcome is kept for
/// <see cref="ChatTimeoutOptions.RetryGrace"/> after it ends, for a retry that arrives just after. Used only in the
/// grain's turns.
/// </summary>
internal sealed class ChatAttempts(TimeSpan retryGrace)
{
    private readonly Dictionary<Guid, Attempt> _running = [];

    public async Task<Outcome<ChatReply>> RunOrJoinAsync(ChatRequest request, Func<Task<Outcome<ChatReply>>> run)
    {
        if (request.IsRetry && _running.TryGetValue(request.RequestId, out var running))
        {
            running.Joined = true;
            return await running.Outcome;
        }
        var attempt = new Attempt(run());
        _running[request.RequestId] = attempt;
        try
        {
            return await attempt.Outcome;
        }
        finally
        {
            if (attempt.Joined)
            {
                // Its caller is retrying, and the next retry may arrive just after the end: keep the outcome a while.
                _ = ForgetLaterAsync(request.RequestId, attempt);
            }
            else
            {
                _running.Remove(request.RequestId);
            }
        }
    }

    /// <summary>Runs on the activation's scheduler, like any continuation started in a grain turn.</summary>
    private async Task ForgetLaterAsync(Guid requestId, Attempt attempt)
    {
        await Task.Delay(retryGrace);
        if (_running.TryGetValue(requestId, out var current) && current == attempt)
        {
            _running.Remove(requestId);
        }
    }

    /// <summary>A chat call in progress, and whether a retry of it has come (so more may follow).</summary>
    private sealed class Attempt(Task<Outcome<ChatReply>> outcome)
    {
        public Task<Outcome<ChatReply>> Outcome { get; } = outcome;

        public bool Joined { get; set; }
    }
}
