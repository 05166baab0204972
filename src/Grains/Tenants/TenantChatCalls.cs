using System.Data.Common;
using Microsoft.Extensions.Logging;
using TenantChat.Grains.Conversations;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Upstreams;
using TenantChat.Telemetry;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// A tenant's chat calls, whole or streamed: admitted in one turn of the tenant's grain, run against the upstream
/// without holding it, then settled through <see cref="AnswerRecorder"/>. It owns the streams admitted and not yet
/// settled, each holding its reservation until it is completed or abandoned. Used only in the grain's turns.
/// </summary>
internal sealed class TenantChatCalls(
    Guid tenantId,
    Func<TenantRecord?> tenant,
    TenantAdmission admission,
    TenantWriteQueue writes,
    AnswerRecorder answers,
    ChatAttempts attempts,
    ConversationStore conversations,
    ChatUpstreams upstreams,
    TenantLimitsOptions limits,
    ChatAdmissionOptions admissionOptions,
    TimeProvider clock,
    ILogger logger)
{
    private readonly Dictionary<Guid, AdmittedCall> _held = [];

    public Task<Outcome<ChatReply>> ChatAsync(string host, ChatRequest request) =>
        attempts.RunOrJoinAsync(request, () => RunChatAsync(host, request));

    private async Task<Outcome<ChatReply>> RunChatAsync(string host, ChatRequest request)
    {
        try
        {
            if (request.IsRetry && AccessError(host) is null && await answers.FindAsync(request.RequestId) is { } stored)
            {
                return stored;
            }
            var admission = await AdmitAsync(host, request);
            if (!admission.Succeeded)
            {
                return admission.Error;
            }
            var call = admission.Value;
            long charged = 0;
            try
            {
                if (call.Handoff != Handoff.None)
                {
                    return await answers.StoreHandoffAsync(call);
                }
                if (call.CachedAnswer is { } cached)
                {
                    return await answers.StoreCachedAsync(call, cached);
                }
                UpstreamReply reply;
                UpstreamRoute route;
                try
                {
                    (reply, route) = await upstreams.CompleteAsync(call.Routes, call.Upstream, (failed, e) => logger.LogWarning(
                        "Tenant {TenantId}: upstream {Upstream} failed ({Failure}); falling back", tenantId, failed.Upstream, e.Failure));
                }
                catch (UpstreamException e)
                {
                    return UpstreamFailed(e);
                }
                var outcome = await answers.CommitAsync(call, reply, route, complete: true);
                charged = outcome.Value?.Usage.TotalTokens ?? 0;
                return outcome;
            }
            finally
            {
                Release(call, charged);
            }
        }
        catch (DbException e)
        {
            return StorageUnavailable(e);
        }
    }

    public async Task<Outcome<StreamTicket>> BeginStreamAsync(string host, ChatRequest request)
    {
        try
        {
            var admission = await AdmitAsync(host, request);
            if (!admission.Succeeded)
            {
                return admission.Error;
            }
            var call = admission.Value;
            var ticket = call.ToTicket() with { Secrets = [.. SystemAssembly.Secrets(tenant()!.Settings, call.Upstream.SystemPrompt)] };
            if (call.Handoff != Handoff.None || call.CachedAnswer is not null)
            {
                try
                {
                    var stored = call.Handoff != Handoff.None ? await answers.StoreHandoffAsync(call) : await answers.StoreCachedAsync(call, call.CachedAnswer!);
                    return stored.Succeeded ? ticket with { Answered = stored.Value } : stored.Error;
                }
                finally
                {
                    Release(call, 0);
                }
            }
            _held[request.RequestId] = call;
            return ticket;
        }
        catch (DbException e)
        {
            return StorageUnavailable(e);
        }
    }

    public async Task<Outcome<ChatReply>> CompleteStreamAsync(StreamTicket ticket, StreamResult result)
    {
        if (!_held.Remove(ticket.RequestId, out var call))
        {
            // The reservation died with an earlier activation of this grain: reserve its allowance again, if it fits.
            call = admission.Readmit(tenant(), ticket, clock.GetUtcNow());
            if (call is null)
            {
                logger.LogWarning("Tenant {TenantId}: a stream ended after its reservation was lost and no longer fits the budget; not stored", tenantId);
                return TenantErrors.StreamLost;
            }
        }
        long charged = 0;
        try
        {
            var outcome = await answers.CommitAsync(call, new UpstreamReply(result.Text, result.ReportedUsage), result.AnsweredBy, result.Complete);
            charged = outcome.Value?.Usage.TotalTokens ?? 0;
            return outcome;
        }
        catch (DbException e)
        {
            return StorageUnavailable(e);
        }
        finally
        {
            Release(call, charged);
        }
    }

    public Task AbandonStreamAsync(Guid requestId)
    {
        if (_held.Remove(requestId, out var call))
        {
            Release(call, 0);
        }
        return Task.CompletedTask;
    }

    public Task StopWaitingAsync(Guid requestId)
    {
        admission.Waiting.Leave(requestId, TenantErrors.CallerLeft);
        return Task.CompletedTask;
    }

    /// <summary>Freed tokens, a new limit or a fresh budget: the calls waiting for room that now fit are admitted.</summary>
    public void AdmitWaiting()
    {
        if (tenant() is { } current)
        {
            admission.AdmitWaiting(current.Settings, clock.GetUtcNow());
        }
    }

    /// <summary>
    /// Everything before the upstream call: host, model and conversation checks, then, in one turn, the cache
    /// lookup, the budget reservation and the rate limits. A call that would fit once calls in flight settle waits
    /// for them, without holding the grain, for at most <see cref="ChatAdmissionOptions.AdmissionWaitSeconds"/>.
    /// An admitted call must be <see cref="Release"/>d on every path. A call the tenant's response cache can answer
    /// reserves no tokens and counts only as a request.
    /// </summary>
    private async Task<Outcome<AdmittedCall>> AdmitAsync(string host, ChatRequest request)
    {
        using var span = TenantChatTracing.StartTenantStep("tenant.admission", tenantId);
        return TenantTelemetry.Admitted(tenantId, await TryAdmitAsync(host, request), span);
    }

    private async Task<Outcome<AdmittedCall>> TryAdmitAsync(string host, ChatRequest request)
    {
        if (AccessError(host) is { } refused)
        {
            return refused;
        }
        var current = tenant()!;
        var settings = current.Settings;
        var model = request.Model ?? settings.Model;
        if (!settings.AllowedModels.Contains(model))
        {
            return TenantErrors.ModelNotAllowed(model);
        }
        // A caller's own context (/v1) is held to the tenant's limit like a stored conversation: its latest turns.
        IReadOnlyList<ConversationTurn> context = request.Context is { } given ? given[Math.Max(0, given.Length - settings.MaxContextTurns)..] : [];
        ConversationStatus? status = null;
        if (request.ConversationId is { } conversationId)
        {
            if (await conversations.FindForCallAsync(tenantId, conversationId, settings.MaxContextTurns) is not { } found)
            {
                return TenantErrors.NoSuchConversation;
            }
            (status, context) = found;
        }
        var handoff = HandoffRule.For(request, settings.HandoffPhrase, status);
        if (writes.Budget.IsStale)
        {
            await writes.RefreshIfStaleAsync();
            AdmitWaiting(); // no call was admitted while the budget was stale: those waiting go first
        }

        // No await from here until the call is admitted, refused or waiting: admission is one turn.
        var now = clock.GetUtcNow();
        var call = admission.Prepare(current, request, model, context, handoff, now);
        if (admission.TryAdmit(current.Settings, call, now) is { } decided)
        {
            return decided;
        }
        if (admission.Waiting.Count >= limits.MaxConcurrentCalls)
        {
            return TenantErrors.RateLimited(1); // waiting calls are capped like calls in flight: a burst cannot pile up without end
        }
        var wait = TimeSpan.FromSeconds(admissionOptions.AdmissionWaitSeconds);
        return await admission.Waiting.WaitAsync(call, wait, clock) ?? TenantErrors.BudgetSpent(BudgetPeriod.RetryAfterSeconds(clock.GetUtcNow()));
    }

    private void Release(AdmittedCall call, long chargedTokens)
    {
        admission.Release(call, chargedTokens);
        AdmitWaiting();
    }

    private Outcome<ChatReply> UpstreamFailed(UpstreamException e)
    {
        logger.LogWarning("Tenant {TenantId}: upstream call failed ({Failure})", tenantId, e.Failure);
        return UpstreamErrors.ToServiceError(e);
    }

    private ServiceError StorageUnavailable(DbException e)
    {
        logger.LogWarning(e, "Tenant {TenantId}: database unavailable during a chat call", tenantId);
        return TenantErrors.StorageUnavailable;
    }

    private ServiceError? AccessError(string host) => TenantErrors.ForHost(tenant(), host);
}
