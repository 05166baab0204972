using Microsoft.Extensions.Logging;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Tokens;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// Stores an admitted call's answer and charges what it used, through the tenant's write queue. A second attempt
/// of the same request gets what the first one stored, charged once. Used only in the tenant grain's turns.
/// </summary>
internal sealed class AnswerRecorder(
    Guid tenantId,
    TenantWriteQueue writes,
    TenantAdmission admission,
    Func<TenantSettings> currentSettings,
    ChatMessageStore messages,
    TokenCounter tokens,
    TimeProvider clock,
    ILogger logger)
{
    /// <summary>
    /// Stores the answer and charges what it used. A <paramref name="complete"/> answer that was not cut short
    /// by the call's allowance goes into the tenant's response cache, when the tenant has one.
    /// </summary>
    public async Task<Outcome<ChatReply>> CommitAsync(AdmittedCall call, UpstreamReply reply, UpstreamRoute answeredBy, bool complete)
    {
        var request = call.Upstream;
        var (text, usage, overReported) = AnswerSettlement.Settle(reply, request.SystemPrompt, call.Reservation, tokens);
        if (overReported)
        {
            logger.LogWarning("Tenant {TenantId}: upstream reported more tokens than reserved; charging the reservation", tenantId);
        }
        var outcome = await StoreAsync(call, new StoredMessage(call.RequestId, call.ConversationId, request.Prompt, text,
            answeredBy.Model!, request.Seed, usage, answeredBy.Upstream));
        if (complete && outcome.Succeeded)
        {
            admission.Remember(call, currentSettings(), text, usage, answeredBy, clock.GetUtcNow());
        }
        return outcome;
    }

    /// <summary>A cache hit is stored like any answer, marked as cached and charged nothing.</summary>
    public Task<Outcome<ChatReply>> StoreCachedAsync(AdmittedCall call, ResponseCache.Entry cached) =>
        StoreAsync(call, new StoredMessage(call.RequestId, call.ConversationId, call.Upstream.Prompt, cached.Text,
            cached.AnsweredBy.Model!, call.Upstream.Seed, new TokenUsage(0, 0), cached.AnsweredBy.Upstream, Cached: true));

    /// <summary>The answer an earlier attempt of <paramref name="requestId"/> stored, if one did.</summary>
    public async Task<ChatReply?> FindAsync(Guid requestId) =>
        await messages.FindAsync(tenantId, requestId) is { } stored ? Reply(stored) : null;

    private async Task<Outcome<ChatReply>> StoreAsync(AdmittedCall call, StoredMessage message)
    {
        if (await writes.CommitAsync(message) is { } createdAt)
        {
            return new ChatReply(message.Id, message.ConversationId, message.Response, message.Model, message.Seed, message.Usage, createdAt,
                message.Cached);
        }
        // An earlier attempt of this request committed first: answer with what it stored, charged once.
        return await FindAsync(call.RequestId) is { } stored ? stored : TenantErrors.TryAgain;
    }

    private static ChatReply Reply(ChatMessageView stored) =>
        new(stored.Id, stored.ConversationId, stored.Response, stored.Model, stored.Seed, stored.Usage, stored.CreatedAt, stored.Cached);
}
