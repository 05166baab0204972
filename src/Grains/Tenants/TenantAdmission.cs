using System.Collections.Immutable;
using TenantChat.Grains.Conversations;
using TenantChat.Grains.Knowledge;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Tokens;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// The synchronous core of a tenant's accounting: admitting a call (response cache, budget reservation, rate
/// limits), keeping the calls that wait for room, and releasing a call. Every method runs within one turn of the
/// tenant's grain, with no await, which is what keeps the budget exact under any interleaving. Not thread-safe: the
/// grain's turns are its only callers. It owns the rate limits, the response cache, the waiting calls and the
/// assembled system parameter; in <paramref name="budget"/> it only reserves and releases.
/// </summary>
internal sealed class TenantAdmission(Guid tenantId, TokenCounter tokens, TenantBudget budget, int maxConcurrentCalls)
{
    private readonly TenantRateLimits _rateLimits = new(maxConcurrentCalls);
    private readonly ResponseCache _cache = new();
    private (int SettingsVersion, AssembledSystem System)? _system;

    private readonly SemanticCache _similarPrompts = new();

    /// <summary>Longer answers are not cached: it keeps both caches' memory bounded (see <see cref="SemanticCache"/>).</summary>
    public const int MaxCachedAnswerChars = 8_000;

    /// <summary>Calls that would fit once calls in flight settle, waiting in arrival order.</summary>
    public AdmissionQueue Waiting { get; } = new();

    /// <summary>
    /// Checks a call for <paramref name="model"/> with <paramref name="context"/> against the response cache and
    /// counts its prompt tokens: everything admission needs, done once even if the call then waits. A
    /// <paramref name="handoff"/> needs neither: it goes to a person. <paramref name="grounding"/> brings the system
    /// parameter with knowledge (when any was retrieved) and the prompt's embedding for the semantic cache (when the
    /// tenant has one and the call no context).
    /// </summary>
    public PendingCall Prepare(TenantRecord tenant, ChatRequest request, string model, IReadOnlyList<ConversationTurn> context, Handoff handoff,
        CallGrounding grounding, DateTimeOffset now)
    {
        var settings = tenant.Settings;
        var system = grounding.System ?? SystemFor(tenant);
        var upstream = new UpstreamRequest(system.Text, context, request.Prompt, model, request.Seed ?? settings.Seed, 0);
        var routes = settings.RoutesFor(model).ToImmutableArray();
        var conversation = request.ConversationId ?? Guid.CreateVersion7();
        var unpriced = new PendingCall(upstream, request.RequestId, conversation, routes, 0, 0)
        {
            Channel = request.Channel,
            StartsConversation = request.ConversationId is null,
            Sources = grounding.Sources,
        };
        if (handoff != Handoff.None)
        {
            return unpriced with { Handoff = handoff };
        }
        var cacheKey = settings.ResponseCacheSeconds > 0 ? ResponseCache.KeyOf(tenantId, upstream) : null;
        var similarKey = grounding.PromptVector is null ? null : SimilarKeyOf(upstream);
        var cached = cacheKey is null ? null : _cache.Find(cacheKey, now);
        var similar = false;
        if (cached is null && similarKey is not null)
        {
            cached = _similarPrompts.Find(similarKey, grounding.PromptVector, settings.SemanticCache.Threshold, now);
            similar = cached is not null;
        }
        unpriced = unpriced with { CacheKey = cacheKey, SimilarKey = similarKey, PromptVector = grounding.PromptVector };
        if (cached is not null)
        {
            return unpriced with { CachedAnswer = cached, AnsweredBySimilarPrompt = similar };
        }
        var promptTokens = system.Tokens
            + context.Sum(turn => tokens.Count(turn.Prompt) + tokens.Count(turn.Response))
            + tokens.Count(request.Prompt);
        var maxOutput = Math.Min(settings.MaxOutputTokens, request.MaxOutputTokens ?? int.MaxValue);
        return unpriced with { PromptTokens = promptTokens, MaxOutputTokens = maxOutput };
    }

    /// <summary>
    /// Admits <paramref name="call"/> if it fits now: as a handoff to a person, or from the cache when it has the
    /// answer (neither reserves tokens; each counts only as a request), else by reserving its tokens in the budget and
    /// taking its place in the rate limits. A refusal when it could never fit or a rate limit is reached; null when it would fit once
    /// calls in flight settle. An admitted call must be <see cref="Release"/>d on every path.
    /// </summary>
    public Outcome<AdmittedCall>? TryAdmit(TenantSettings settings, PendingCall call, DateTimeOffset now)
    {
        if (call.Handoff != Handoff.None || call.CachedAnswer is not null)
        {
            return _rateLimits.TryAdmit(settings, 0, now, out var wait) ? Admitted(call, call.Upstream, default) : TenantErrors.RateLimited(wait);
        }
        if (budget.CanNeverFit(settings.TokenLimit, call.PromptTokens, call.MaxOutputTokens, now))
        {
            return TenantErrors.BudgetSpent(BudgetPeriod.RetryAfterSeconds(now));
        }
        if (budget.TryReserve(settings.TokenLimit, call.PromptTokens, call.MaxOutputTokens, now) is not { } reservation)
        {
            return null;
        }
        if (!_rateLimits.TryAdmit(settings, reservation.Tokens, now, out var retryAfter))
        {
            budget.Release(reservation);
            return TenantErrors.RateLimited(retryAfter);
        }
        return Admitted(call, call.Upstream with { MaxOutputTokens = reservation.CompletionAllowance }, reservation);
    }

    private static AdmittedCall Admitted(PendingCall call, UpstreamRequest upstream, Reservation reservation) =>
        new(upstream, reservation, call.RequestId, call.ConversationId, call.Routes)
        {
            CacheKey = call.CacheKey,
            CachedAnswer = call.CachedAnswer,
            AnsweredBySimilarPrompt = call.AnsweredBySimilarPrompt,
            Handoff = call.Handoff,
            Channel = call.Channel,
            StartsConversation = call.StartsConversation,
            Sources = call.Sources,
            SimilarKey = call.SimilarKey,
            PromptVector = call.PromptVector,
        };

    /// <summary>Admits the waiting calls that fit now, in arrival order (see <see cref="AdmissionQueue"/>).</summary>
    public void AdmitWaiting(TenantSettings settings, DateTimeOffset now)
    {
        if (!budget.IsStale)
        {
            Waiting.AdmitFitting(call => TryAdmit(settings, call, now));
        }
    }

    /// <summary>
    /// Admits again a stream whose reservation died with an earlier activation of the grain: its whole allowance
    /// must fit the budget now, or storing what it generated could break the limit (then null).
    /// </summary>
    public AdmittedCall? Readmit(TenantRecord? tenant, StreamTicket ticket, DateTimeOffset now)
    {
        if (tenant is null || budget.TryReserve(tenant.Settings.TokenLimit, ticket.PromptTokens, ticket.CompletionAllowance, now) is not { } held)
        {
            return null;
        }
        if (held.CompletionAllowance < ticket.CompletionAllowance)
        {
            budget.Release(held);
            return null;
        }
        var upstream = new UpstreamRequest(ticket.SystemPrompt, ticket.Context, ticket.Prompt, ticket.Model, ticket.Seed, held.CompletionAllowance);
        return new AdmittedCall(upstream, held, ticket.RequestId, ticket.ConversationId, ticket.Routes)
        {
            HoldsRateLimitSlot = false,
            Channel = ticket.Channel,
            StartsConversation = ticket.StartsConversation,
            Sources = ticket.Sources,
        };
    }

    /// <summary>Ends an admitted call: its reservation is freed and the rate limit keeps only what it used.</summary>
    public void Release(AdmittedCall call, long chargedTokens)
    {
        budget.Release(call.Reservation);
        if (call.HoldsRateLimitSlot)
        {
            _rateLimits.Complete(call.Reservation.Tokens, chargedTokens);
        }
    }

    /// <summary>
    /// Keeps a stored answer for the tenant's caches, if it has them: only whole answers, not cut at the allowance,
    /// and not longer than <see cref="MaxCachedAnswerChars"/>.
    /// </summary>
    public void Remember(AdmittedCall call, TenantSettings settings, string text, TokenUsage usage, UpstreamRoute answeredBy, DateTimeOffset now)
    {
        if (usage.CompletionTokens >= call.Reservation.CompletionAllowance || text.Length > MaxCachedAnswerChars)
        {
            return;
        }
        if (call.CacheKey is { } key && settings.ResponseCacheSeconds > 0)
        {
            _cache.Add(key, new ResponseCache.Entry(text, answeredBy, now.AddSeconds(settings.ResponseCacheSeconds), usage.TotalTokens));
        }
        if (call is { SimilarKey: { } similarKey, PromptVector: { } vector } && settings.SemanticCache.Enabled)
        {
            _similarPrompts.Add(similarKey, vector, new ResponseCache.Entry(text, answeredBy, now.AddSeconds(settings.SemanticCache.TtlSeconds), usage.TotalTokens));
        }
    }

    /// <summary>New settings may change any answer: the cached ones, exact and similar, are forgotten.</summary>
    public void SettingsChanged()
    {
        _cache.Clear();
        _similarPrompts.Clear();
    }

    /// <summary>The semantic cache's key: the exact cache's, of everything but the prompt (and the context, which is empty).</summary>
    private string SimilarKeyOf(UpstreamRequest request) => ResponseCache.KeyOf(tenantId, request with { Prompt = "", Context = [] });

    /// <summary>
    /// The tenant's assembled system parameter (<see cref="SystemAssembly"/>) and its tokens, built and counted once
    /// per settings version rather than on every call.
    /// </summary>
    public AssembledSystem SystemFor(TenantRecord tenant)
    {
        if (_system is not { } built || built.SettingsVersion != tenant.Version)
        {
            built = (tenant.Version, SystemAssembly.Assemble(tenant.Settings, tokens));
            _system = built;
        }
        return built.System;
    }
}
