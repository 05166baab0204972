using System.Collections.Immutable;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantChat.Grains.Accounts;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Providers;
using TenantChat.Grains.Tokens;

namespace TenantChat.Grains;

/// <summary>
/// One tenant: its settings, budget and rate limits live here, and every change to them happens in this grain's
/// turns. Chat calls interleave: a call is admitted and reserves tokens in one turn, awaits the upstream without
/// holding the grain, and commits its message and real usage through the <see cref="TenantLedger"/>.
/// </summary>
public sealed class TenantGrain(
    TenantStore tenants,
    ChatMessageStore messages,
    ChatMessageWriter writer,
    ChatUpstreams upstreams,
    TokenCounter tokens,
    PasswordHashing passwords,
    IOptions<TenantLimitsOptions> limits,
    TimeProvider clock,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private readonly TenantRateLimits _rateLimits = new(limits.Value.MaxConcurrentCalls);
    private readonly Dictionary<Guid, AdmittedCall> _streams = [];
    private readonly ResponseCache _cache = new();
    private readonly Dictionary<Guid, Task<Outcome<ChatReply>>> _running = [];
    private TenantLedger? _ledger;
    private TenantRecord? _tenant;
    private (int SettingsVersion, int Tokens)? _systemPromptTokens;

    private Guid TenantId => this.GetPrimaryKey();

    private TenantLedger Ledger => _ledger ??= new TenantLedger(TenantId, tenants, writer, clock);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        try
        {
            _tenant = await tenants.FindAsync(TenantId, cancellationToken);
        }
        catch (DbException e)
        {
            // A failed activation reaches the caller without passing the grain call filters (StorageFailureFilter).
            logger.LogWarning("Tenant {TenantId}: database unavailable while activating ({Failure})", TenantId, e.GetType().Name);
            throw new StorageUnavailableException("The database is unavailable; try again shortly.");
        }
        if (_tenant is not null)
        {
            Ledger.Budget.Load(_tenant.Usage);
        }
    }

    public async Task<Outcome<TenantView>> CreateAsync(TenantSettings settings, NewAccount? admin = null)
    {
        if (_tenant is not null)
        {
            return new ServiceError(ProblemCode.Conflict, "A tenant with this id already exists.");
        }
        if (UnknownProvider(settings) is { } unknown)
        {
            return unknown;
        }
        var now = clock.GetUtcNow();
        var tenant = new TenantRecord(TenantId, settings, new TenantUsage(0, 0, TenantUsage.MonthStart(now)), now, 1);
        var adminAccount = admin is null
            ? ((AccountView, string)?)null
            : (new AccountView(Guid.CreateVersion7(), TenantId, admin.Email, admin.DisplayName, AccountRole.Admin, now), passwords.Hash(admin.Password));
        if (!await tenants.TryInsertAsync(tenant, adminAccount))
        {
            return DomainTaken(settings.Domain);
        }
        _tenant = tenant;
        Ledger.Budget.Load(tenant.Usage);
        logger.LogInformation("Tenant {TenantId} created", TenantId);
        return View();
    }

    public Task<TenantView?> GetAsync() => Task.FromResult(_tenant is null ? null : View());

    public Task<ServiceError?> CheckAccessAsync(string host) => Task.FromResult(AccessError(host));

    public async Task<Outcome<TenantView>> UpdateSettingsAsync(TenantSettings settings, int expectedVersion)
    {
        if (_tenant is null)
        {
            return TenantNotFound();
        }
        if (_tenant.Version != expectedVersion)
        {
            return new ServiceError(ProblemCode.Conflict, "The tenant was changed concurrently; read it again.");
        }
        if (UnknownProvider(settings) is { } unknown)
        {
            return unknown;
        }
        var version = _tenant.Version + 1;
        if (!await tenants.TryUpdateSettingsAsync(TenantId, settings, version))
        {
            return DomainTaken(settings.Domain);
        }
        _tenant = _tenant with { Settings = settings, Version = version };
        _cache.Clear();
        logger.LogInformation("Tenant {TenantId} settings changed to version {Version}", TenantId, version);
        return View();
    }

    public async Task<Outcome<TenantView>> ResetUsageAsync()
    {
        if (_tenant is null)
        {
            return TenantNotFound();
        }
        await Ledger.ResetAsync();
        logger.LogInformation("Tenant {TenantId} usage reset", TenantId);
        return View();
    }

    public async Task<Outcome<ChatReply>> ChatAsync(string host, ChatRequest request)
    {
        // A retry whose first attempt is still running here (its caller only timed out) waits for that attempt
        // instead of asking the upstream again.
        if (request.IsRetry && _running.TryGetValue(request.RequestId, out var running))
        {
            return await running;
        }
        var attempt = RunChatAsync(host, request);
        _running[request.RequestId] = attempt;
        try
        {
            return await attempt;
        }
        finally
        {
            _running.Remove(request.RequestId);
        }
    }

    private async Task<Outcome<ChatReply>> RunChatAsync(string host, ChatRequest request)
    {
        try
        {
            if (request.IsRetry && AccessError(host) is null && await messages.FindAsync(TenantId, request.RequestId) is { } stored)
            {
                return Reply(stored);
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
                if (call.CachedAnswer is { } cached)
                {
                    return await StoreCachedAsync(call, cached);
                }
                UpstreamReply reply;
                UpstreamRoute route;
                try
                {
                    (reply, route) = await CompleteAsync(call);
                }
                catch (UpstreamException e)
                {
                    return UpstreamFailed(e);
                }
                var outcome = await CommitAsync(call, reply, route, complete: true);
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
            var u = call.Upstream;
            var ticket = new StreamTicket(request.RequestId, call.ConversationId, u.SystemPrompt, [.. u.Context], u.Prompt, u.Model, u.Seed,
                call.Reservation.PromptTokens, call.Reservation.CompletionAllowance, call.Routes);
            if (call.CachedAnswer is { } cached)
            {
                try
                {
                    var stored = await StoreCachedAsync(call, cached);
                    return stored.Succeeded ? ticket with { Cached = stored.Value } : stored.Error;
                }
                finally
                {
                    Release(call, 0);
                }
            }
            _streams[request.RequestId] = call;
            return ticket;
        }
        catch (DbException e)
        {
            return StorageUnavailable(e);
        }
    }

    public async Task<Outcome<ChatReply>> CompleteStreamAsync(StreamTicket ticket, StreamResult result)
    {
        if (!_streams.Remove(ticket.RequestId, out var call))
        {
            // The reservation died with an earlier activation of this grain: reserve again what the stream may
            // have used. If the budget has no room for it now, storing it would break the limit, so it is not.
            var reservation = Ledger.Budget.TryReserve(_tenant?.Settings.TokenLimit ?? 0, ticket.PromptTokens, ticket.CompletionAllowance,
                clock.GetUtcNow());
            if (reservation is { } partial && partial.CompletionAllowance < ticket.CompletionAllowance)
            {
                Ledger.Budget.Release(partial);
                reservation = null;
            }
            if (reservation is not { } held)
            {
                logger.LogWarning("Tenant {TenantId}: a stream ended after its reservation was lost and no longer fits the budget; not stored", TenantId);
                return new ServiceError(ProblemCode.Unavailable, "The service moved while answering; nothing was stored.", 1);
            }
            call = new AdmittedCall(ToUpstream(ticket, held), held, ticket.RequestId, ticket.ConversationId, ticket.Routes)
            {
                HoldsRateLimitSlot = false,
            };
        }
        long charged = 0;
        try
        {
            var outcome = await CommitAsync(call, new UpstreamReply(result.Text, result.ReportedUsage), result.AnsweredBy, result.Complete);
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
        if (_streams.Remove(requestId, out var call))
        {
            Release(call, 0);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Everything before the upstream call: host, model and conversation checks, then, in one turn, the cache
    /// lookup, the budget reservation and the rate limits. An admitted call must be <see cref="Release"/>d on every
    /// path. A call the tenant's response cache can answer reserves no tokens and counts only as a request.
    /// </summary>
    private async Task<Outcome<AdmittedCall>> AdmitAsync(string host, ChatRequest request)
    {
        if (AccessError(host) is { } refused)
        {
            return refused;
        }
        var settings = _tenant!.Settings;
        var model = request.Model ?? settings.Model;
        if (!settings.AllowedModels.Contains(model))
        {
            return new ServiceError(ProblemCode.ValidationFailed, $"Model '{model}' is not available for this tenant.");
        }
        IReadOnlyList<ConversationTurn> context = request.Context is { } given ? given : [];
        if (request.ConversationId is { } conversationId)
        {
            if (await messages.GetRecentTurnsAsync(TenantId, conversationId, settings.MaxContextTurns) is not { } turns)
            {
                return new ServiceError(ProblemCode.NotFound, "No such conversation.");
            }
            context = turns;
        }
        await Ledger.RefreshIfStaleAsync();

        // From here to the end of this method there is no await: admission is one turn.
        settings = _tenant.Settings;
        var now = clock.GetUtcNow();
        var conversation = request.ConversationId ?? Guid.CreateVersion7();
        var routes = settings.RoutesFor(model).ToImmutableArray();
        var unreserved = new UpstreamRequest(settings.SystemPrompt, context, request.Prompt, model, request.Seed ?? settings.Seed, 0);
        var cacheKey = settings.ResponseCacheSeconds > 0 ? ResponseCache.KeyOf(TenantId, unreserved) : null;
        if (cacheKey is not null && _cache.Find(cacheKey, now) is { } cached)
        {
            return _rateLimits.TryAdmit(settings, 0, now, out var wait)
                ? new AdmittedCall(unreserved, default, request.RequestId, conversation, routes) { CacheKey = cacheKey, CachedAnswer = cached }
                : RateLimited(wait);
        }
        var promptTokens = SystemPromptTokens()
            + context.Sum(turn => tokens.Count(turn.Prompt) + tokens.Count(turn.Response))
            + tokens.Count(request.Prompt);
        var maxOutput = Math.Min(settings.MaxOutputTokens, request.MaxOutputTokens ?? int.MaxValue);
        if (Ledger.Budget.TryReserve(settings.TokenLimit, promptTokens, maxOutput, now) is not { } reservation)
        {
            return new ServiceError(ProblemCode.TokenLimitExceeded, "The tenant's token budget for this period is spent.",
                TenantUsage.RetryAfterSeconds(now));
        }
        if (!_rateLimits.TryAdmit(settings, reservation.Tokens, now, out var retryAfter))
        {
            Ledger.Budget.Release(reservation);
            return RateLimited(retryAfter);
        }
        return new AdmittedCall(unreserved with { MaxOutputTokens = reservation.CompletionAllowance }, reservation, request.RequestId, conversation, routes)
        {
            CacheKey = cacheKey,
        };
    }

    /// <summary>The system parameter's tokens, counted once per settings version rather than on every call.</summary>
    private int SystemPromptTokens()
    {
        if (_systemPromptTokens is not { } counted || counted.SettingsVersion != _tenant!.Version)
        {
            counted = (_tenant!.Version, tokens.Count(_tenant.Settings.SystemPrompt));
            _systemPromptTokens = counted;
        }
        return counted.Tokens;
    }

    private void Release(AdmittedCall call, long chargedTokens)
    {
        Ledger.Budget.Release(call.Reservation);
        if (call.HoldsRateLimitSlot)
        {
            _rateLimits.Complete(call.Reservation.Tokens, chargedTokens);
        }
    }

    /// <summary>
    /// Asks the call's routes in order: the tenant's provider, then its fallbacks. A route that fails (after its
    /// own retries) or whose circuit is open passes the call to the next; the last failure is the call's.
    /// </summary>
    private async Task<(UpstreamReply Reply, UpstreamRoute Route)> CompleteAsync(AdmittedCall call)
    {
        for (var i = 0; ; i++)
        {
            var route = call.Routes[i];
            try
            {
                return (await upstreams.Get(route.Provider).CompleteAsync(call.Upstream with { Model = route.Model! }), route);
            }
            catch (UpstreamException e) when (i < call.Routes.Length - 1)
            {
                logger.LogWarning("Tenant {TenantId}: upstream {Provider} failed ({Failure}); falling back to {Fallback}",
                    TenantId, route.Provider, e.Failure, call.Routes[i + 1].Provider);
            }
        }
    }

    /// <summary>
    /// Stores the answer and charges what it used. A <paramref name="complete"/> answer that was not cut short
    /// by the call's allowance goes into the tenant's response cache, when the tenant has one.
    /// </summary>
    private async Task<Outcome<ChatReply>> CommitAsync(AdmittedCall call, UpstreamReply reply, UpstreamRoute answeredBy, bool complete)
    {
        var request = call.Upstream;
        var (text, usage, overReported) = AnswerSettlement.Settle(reply, request.SystemPrompt, call.Reservation, tokens);
        if (overReported)
        {
            logger.LogWarning("Tenant {TenantId}: upstream reported more tokens than reserved; charging the reservation", TenantId);
        }
        var outcome = await StoreAsync(call, new StoredMessage(call.RequestId, call.ConversationId, request.Prompt, text,
            answeredBy.Model!, request.Seed, usage, answeredBy.Provider));
        if (complete && outcome.Succeeded && call.CacheKey is { } key && usage.CompletionTokens < call.Reservation.CompletionAllowance
            && _tenant!.Settings.ResponseCacheSeconds is > 0 and var seconds)
        {
            _cache.Add(key, new ResponseCache.Entry(text, answeredBy, clock.GetUtcNow().AddSeconds(seconds)));
        }
        return outcome;
    }

    /// <summary>A cache hit is stored like any answer, marked as cached and charged nothing.</summary>
    private Task<Outcome<ChatReply>> StoreCachedAsync(AdmittedCall call, ResponseCache.Entry cached) =>
        StoreAsync(call, new StoredMessage(call.RequestId, call.ConversationId, call.Upstream.Prompt, cached.Text,
            cached.AnsweredBy.Model!, call.Upstream.Seed, new TokenUsage(0, 0), cached.AnsweredBy.Provider, Cached: true));

    private async Task<Outcome<ChatReply>> StoreAsync(AdmittedCall call, StoredMessage message)
    {
        if (await Ledger.CommitAsync(message) is { } createdAt)
        {
            return new ChatReply(message.Id, message.ConversationId, message.Response, message.Model, message.Seed, message.Usage, createdAt,
                message.Cached);
        }
        // An earlier attempt of this request committed first: answer with what it stored, charged once.
        var stored = await messages.FindAsync(TenantId, call.RequestId);
        return stored is null ? new ServiceError(ProblemCode.Unavailable, "Try again shortly.", 1) : Reply(stored);
    }

    private Outcome<ChatReply> UpstreamFailed(UpstreamException e)
    {
        logger.LogWarning("Tenant {TenantId}: upstream call failed ({Failure})", TenantId, e.Failure);
        return UpstreamErrors.ToServiceError(e);
    }

    private static ServiceError RateLimited(int retryAfterSeconds) =>
        new(ProblemCode.RateLimited, "The tenant's rate limit is reached; retry later.", retryAfterSeconds);

    /// <summary>Settings may only name upstreams this silo has configured (every silo runs the same configuration).</summary>
    private ServiceError? UnknownProvider(TenantSettings settings)
    {
        var (field, unknown) = upstreams.Contains(settings.Provider)
            ? ("fallbacks", settings.Fallbacks.FirstOrDefault(route => !upstreams.Contains(route.Provider))?.Provider)
            : ("provider", settings.Provider);
        return unknown is null
            ? null
            : new ServiceError(ProblemCode.ValidationFailed,
                $"{field}: no upstream is configured as '{unknown}'; configured: {string.Join(", ", upstreams.Names.Order(StringComparer.Ordinal))}.");
    }

    private ServiceError StorageUnavailable(DbException e)
    {
        logger.LogWarning(e, "Tenant {TenantId}: database unavailable during a chat call", TenantId);
        return new ServiceError(ProblemCode.Unavailable, "Storage is unavailable; nothing was charged. Try again shortly.", 2);
    }

    private ServiceError? AccessError(string host)
    {
        if (_tenant is null || !string.Equals(_tenant.Settings.Domain, host, StringComparison.Ordinal))
        {
            return new ServiceError(ProblemCode.UnknownTenant, "No tenant is served on this host.");
        }
        return _tenant.Settings.Status == TenantStatus.Suspended
            ? new ServiceError(ProblemCode.TenantSuspended, "This tenant is suspended.")
            : null;
    }

    private static ChatReply Reply(ChatMessageView stored) =>
        new(stored.Id, stored.ConversationId, stored.Response, stored.Model, stored.Seed, stored.Usage, stored.CreatedAt, stored.Cached);

    private static UpstreamRequest ToUpstream(StreamTicket ticket, Reservation reservation) =>
        new(ticket.SystemPrompt, ticket.Context, ticket.Prompt, ticket.Model, ticket.Seed, reservation.CompletionAllowance);

    private TenantView View() => (_tenant! with { Usage = Ledger.Budget.Committed }).ToView(clock.GetUtcNow());

    private static ServiceError TenantNotFound() => new(ProblemCode.NotFound, "No tenant has this id.");

    private static ServiceError DomainTaken(string domain) => new(ProblemCode.Conflict, $"The domain '{domain}' is already taken.");

    /// <summary>
    /// An admitted call: what goes upstream, where (<see cref="Routes"/>, in order), and the tokens held for it.
    /// <see cref="CacheKey"/> is set when the tenant caches answers; <see cref="CachedAnswer"/> when the cache answers.
    /// </summary>
    private sealed record class AdmittedCall(
        UpstreamRequest Upstream, Reservation Reservation, Guid RequestId, Guid ConversationId, ImmutableArray<UpstreamRoute> Routes)
    {
        public string? CacheKey { get; init; }

        public ResponseCache.Entry? CachedAnswer { get; init; }

        /// <summary>False for a stream settled by a later activation of the grain, which never counted it as in flight.</summary>
        public bool HoldsRateLimitSlot { get; init; } = true;
    }
}
