using System.Collections.Immutable;
using TenantChat.Grains.Knowledge;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Tokens;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// The synchronous core of a tenant's accounting: admitting a call (response cache, budget reservation, rate
/// limits), keeping the calls that wait for room, and releasing a call. Every method runs within one turn of the tenant's grain, with no await, which is what
/// keeps the budget exact under any interleaving. Not thread-safe: the grain's turns are its only callers.
/// </summary>
internal sealed class TenantAdmission(Guid tenantId, TokenCounter tokens, int maxConcurrentCalls)
{
    private readonly TenantRateLimits _rateLimits = new(maxConcurrentCalls);
    private (int SettingsVersion, int Tokens)? _systemPromptTokens;

    /// <summary>Longer answers are not cached: it keeps both caches' memory bounded (see <see cref="SemanticCache"/>).</summary>
    public const int MaxCachedAnswerChars = 8_000;

    public ResponseCache Cache { get; } = new();

    public SemanticCache SimilarPrompts { get; } = new();

    /// <summary>Calls that would fit once calls in flight settle, waiting in arrival order.</summary>
    public AdmissionQueue Waiting { get; } = new();

    /// <summary>
    /// Checks a call for <paramref name="model"/> with <paramref name="context"/>, sending the system parameter
    /// <paramref name="grounding"/> assembled (the tenant's own when it has none), against the response cache and,
    /// when <paramref name="promptVector"/> is given (a call without context), the semantic cache, and counts its
    /// prompt tokens: everything admission needs, done once even if the call then waits.
    /// </summary>
    public PendingCall Prepare(TenantRecord tenant, ChatRequest request, string model, IReadOnlyList<ConversationTurn> context,
        Grounding grounding, float[]? promptVector, DateTimeOffset now)
    {
        var settings = tenant.Settings;
        var upstream = new UpstreamRequest(grounding.System ?? settings.SystemPrompt, context, request.Prompt, model, request.Seed ?? settings.Seed, 0);
        var routes = settings.RoutesFor(model).ToImmutableArray();
        var conversation = request.ConversationId ?? Guid.CreateVersion7();
        var cacheKey = settings.ResponseCacheSeconds > 0 ? ResponseCache.KeyOf(tenantId, upstream) : null;
        var similarKey = promptVector is null ? null : SimilarKeyOf(upstream);
        var cached = cacheKey is null ? null : Cache.Find(cacheKey, now);
        if (cached is null && similarKey is not null)
        {
            cached = SimilarPrompts.Find(similarKey, promptVector, settings.SemanticCache.Threshold, now);
        }
        if (cached is not null)
        {
            return new PendingCall(upstream, request.RequestId, conversation, routes, 0, 0)
            {
                CacheKey = cacheKey, CachedAnswer = cached, Sources = grounding.Sources, SimilarKey = similarKey, PromptVector = promptVector,
            };
        }
        var systemTokens = grounding.System is null ? SystemPromptTokens(tenant) : grounding.SystemTokens;
        var promptTokens = systemTokens
            + context.Sum(turn => tokens.Count(turn.Prompt) + tokens.Count(turn.Response))
            + tokens.Count(request.Prompt);
        var maxOutput = Math.Min(settings.MaxOutputTokens, request.MaxOutputTokens ?? int.MaxValue);
        return new PendingCall(upstream, request.RequestId, conversation, routes, promptTokens, maxOutput)
        {
            CacheKey = cacheKey, Sources = grounding.Sources, SimilarKey = similarKey, PromptVector = promptVector,
        };
    }

    /// <summary>
    /// Admits <paramref name="call"/> if it fits now: from the cache when it has the answer (no tokens reserved; it
    /// counts only as a request), else by reserving its tokens in <paramref name="budget"/> and taking its place in
    /// the rate limits. A refusal when it could never fit or a rate limit is reached; null when it would fit once
    /// calls in flight settle. An admitted call must be <see cref="Release"/>d on every path.
    /// </summary>
    public Outcome<AdmittedCall>? TryAdmit(TenantSettings settings, TenantBudget budget, PendingCall call, DateTimeOffset now)
    {
        if (call.CachedAnswer is { } cached)
        {
            return _rateLimits.TryAdmit(settings, 0, now, out var wait)
                ? new AdmittedCall(call.Upstream, default, call.RequestId, call.ConversationId, call.Routes)
                {
                    CacheKey = call.CacheKey, CachedAnswer = cached, Sources = call.Sources,
                }
                : TenantErrors.RateLimited(wait);
        }
        if (budget.CanNeverFit(settings.TokenLimit, call.PromptTokens, call.MaxOutputTokens, now))
        {
            return TenantErrors.BudgetSpent(TenantUsage.RetryAfterSeconds(now));
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
        var upstream = call.Upstream with { MaxOutputTokens = reservation.CompletionAllowance };
        return new AdmittedCall(upstream, reservation, call.RequestId, call.ConversationId, call.Routes)
        {
            CacheKey = call.CacheKey, Sources = call.Sources, SimilarKey = call.SimilarKey, PromptVector = call.PromptVector,
        };
    }

    /// <summary>Admits the waiting calls that fit now, in arrival order (see <see cref="AdmissionQueue"/>).</summary>
    public void AdmitWaiting(TenantSettings settings, TenantBudget budget, DateTimeOffset now)
    {
        if (!budget.IsStale)
        {
            Waiting.AdmitFitting(call => TryAdmit(settings, budget, call, now));
        }
    }

    /// <summary>
    /// Admits again a stream whose reservation died with an earlier activation of the grain: its whole allowance
    /// must fit the budget now, or storing what it generated could break the limit (then null).
    /// </summary>
    public static AdmittedCall? Readmit(TenantRecord? tenant, TenantBudget budget, StreamTicket ticket, DateTimeOffset now)
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
            Sources = ticket.Sources,
        };
    }

    /// <summary>Ends an admitted call: its reservation is freed and the rate limit keeps only what it used.</summary>
    public void Release(TenantBudget budget, AdmittedCall call, long chargedTokens)
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
            Cache.Add(key, new ResponseCache.Entry(text, answeredBy, now.AddSeconds(settings.ResponseCacheSeconds), usage.TotalTokens));
        }
        if (call is { SimilarKey: { } similarKey, PromptVector: { } vector } && settings.SemanticCache.Enabled)
        {
            SimilarPrompts.Add(similarKey, vector, new ResponseCache.Entry(text, answeredBy, now.AddSeconds(settings.SemanticCache.TtlSeconds), usage.TotalTokens));
        }
    }

    /// <summary>The semantic cache's key: the exact cache's, of everything but the prompt (and the context, which is empty).</summary>
    private string SimilarKeyOf(UpstreamRequest request) => ResponseCache.KeyOf(tenantId, request with { Prompt = "", Context = [] });

    /// <summary>The system parameter's tokens, counted once per settings version rather than on every call.</summary>
    private int SystemPromptTokens(TenantRecord tenant)
    {
        if (_systemPromptTokens is not { } counted || counted.SettingsVersion != tenant.Version)
        {
            counted = (tenant.Version, tokens.Count(tenant.Settings.SystemPrompt));
            _systemPromptTokens = counted;
        }
        return counted.Tokens;
    }
}
