using TenantChat.Grains.Alerts;
using Microsoft.Extensions.Logging;
using TenantChat.Grains.Conversations;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Tokens;
using TenantChat.Grains.Upstreams;
using TenantChat.Telemetry;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// Stores an admitted call's answer and charges what it used, through the tenant's write queue. A second attempt
/// of the same request gets what the first one stored, charged once. Used only in the tenant grain's turns.
/// </summary>
internal sealed class AnswerRecorder(
    Guid tenantId,
    TenantWriteQueue writes,
    TenantAdmission admission,
    UsageAlerts alerts,
    Func<TenantSettings> currentSettings,
    ChatMessageStore messages,
    IConversationEvents conversationEvents,
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
        using var span = TenantChatTracing.StartTenantStep("tenant.settlement", tenantId);
        var request = call.Upstream;
        var secrets = SystemAssembly.Secrets(currentSettings(), request.SystemPrompt);
        var (text, usage, overReported) = AnswerSettlement.Settle(reply, secrets, call.Reservation, tokens);
        if (overReported)
        {
            logger.LogWarning("Tenant {TenantId}: upstream reported more tokens than reserved; charging the reservation", tenantId);
        }
        var outcome = await StoreAsync(call, Message(call, text, answeredBy.Model!, usage, answeredBy.Upstream));
        TenantTelemetry.Settled(tenantId, outcome, usage, span, writes.Budget.Committed.AsOf(clock.GetUtcNow()).TokensUsed, currentSettings().TokenLimit);
        if (complete && outcome.Succeeded)
        {
            admission.Remember(call, currentSettings(), text, usage, answeredBy, clock.GetUtcNow());
        }
        return outcome;
    }

    /// <summary>A cache hit is stored like any answer, marked as cached and charged nothing.</summary>
    public Task<Outcome<ChatReply>> StoreCachedAsync(AdmittedCall call, ResponseCache.Entry cached) =>
        StoreAsync(call, Message(call, cached.Text, cached.AnsweredBy.Model!, new TokenUsage(0, 0), cached.AnsweredBy.Upstream) with { Cached = true, TokensSaved = cached.Tokens });

    /// <summary>
    /// A call for a person: stored with no answer and charged nothing. The call that hands the conversation over
    /// raises the handoff event once it is durable.
    /// </summary>
    public async Task<Outcome<ChatReply>> StoreHandoffAsync(AdmittedCall call)
    {
        var outcome = await StoreAsync(call, Message(call, "", call.Upstream.Model, new TokenUsage(0, 0), upstream: null) with { Handoff = true });
        if (outcome.Succeeded && call.Handoff == Handoff.Requested)
        {
            try
            {
                await conversationEvents.HandoffAsync(tenantId, call.ConversationId, outcome.Value.CreatedAt);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Tenant {TenantId}: the handoff event of a conversation failed", tenantId);
            }
            logger.LogInformation("Tenant {TenantId}: a conversation was handed to a person", tenantId);
        }
        return outcome;
    }

    /// <summary>The answer an earlier attempt of <paramref name="requestId"/> stored, if one did.</summary>
    public async Task<ChatReply?> FindAsync(Guid requestId) =>
        await messages.FindAsync(tenantId, requestId) is { } stored ? Reply(stored) : null;

    private static StoredMessage Message(AdmittedCall call, string response, string model, TokenUsage usage, string? upstream) =>
        new(call.RequestId, call.ConversationId, call.Upstream.Prompt, response, model, call.Upstream.Seed, usage, upstream,
            Channel: call.Channel, StartsConversation: call.StartsConversation) { Sources = call.Sources };

    private async Task<Outcome<ChatReply>> StoreAsync(AdmittedCall call, StoredMessage message)
    {
        if (await writes.CommitAsync(message) is { } createdAt)
        {
            await alerts.CheckAsync(currentSettings(), writes.Budget.Committed, createdAt);
            return new ChatReply(message.Id, message.ConversationId, message.Response, message.Model, message.Seed, message.Usage, createdAt,
                message.Cached, message.Handoff) { Sources = message.Sources };
        }
        // An earlier attempt of this request committed first: answer with what it stored, charged once.
        return await FindAsync(call.RequestId) is { } stored ? stored : TenantErrors.TryAgain;
    }

    private static ChatReply Reply(ChatMessageView stored) =>
        new(stored.Id, stored.ConversationId, stored.Response, stored.Model, stored.Seed, stored.Usage, stored.CreatedAt, stored.Cached, stored.Handoff) { Sources = stored.Sources };
}
