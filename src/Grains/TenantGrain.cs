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
    IChatUpstream upstream,
    TokenCounter tokens,
    PasswordHashing passwords,
    IOptions<TenantLimitsOptions> limits,
    TimeProvider clock,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private readonly TenantRateLimits _rateLimits = new(limits.Value.MaxConcurrentCalls);
    private readonly Dictionary<Guid, AdmittedCall> _streams = [];
    private TenantLedger? _ledger;
    private TenantRecord? _tenant;
    private (int SettingsVersion, int Tokens)? _systemPromptTokens;

    private Guid TenantId => this.GetPrimaryKey();

    private TenantLedger Ledger => _ledger ??= new TenantLedger(TenantId, tenants, writer, clock);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _tenant = await tenants.FindAsync(TenantId, cancellationToken);
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
        var version = _tenant.Version + 1;
        if (!await tenants.TryUpdateSettingsAsync(TenantId, settings, version))
        {
            return DomainTaken(settings.Domain);
        }
        _tenant = _tenant with { Settings = settings, Version = version };
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
                UpstreamReply reply;
                try
                {
                    reply = await upstream.CompleteAsync(call.Upstream);
                }
                catch (UpstreamException e)
                {
                    return UpstreamFailed(e);
                }
                var outcome = await CommitAsync(call, reply);
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
            _streams[request.RequestId] = call;
            var u = call.Upstream;
            return new StreamTicket(request.RequestId, call.ConversationId, u.SystemPrompt, [.. u.Context], u.Prompt, u.Model, u.Seed,
                call.Reservation.PromptTokens, call.Reservation.CompletionAllowance);
        }
        catch (DbException e)
        {
            return StorageUnavailable(e);
        }
    }

    public async Task<Outcome<ChatReply>> CompleteStreamAsync(StreamTicket ticket, string text, TokenUsage? reportedUsage)
    {
        if (!_streams.Remove(ticket.RequestId, out var call))
        {
            // The reservation died with an earlier activation of this grain: without it the budget cannot be kept exact.
            logger.LogWarning("Tenant {TenantId}: a stream ended after its reservation was lost; not stored", TenantId);
            return new ServiceError(ProblemCode.Unavailable, "The service moved while answering; nothing was stored.", 1);
        }
        long charged = 0;
        try
        {
            var outcome = await CommitAsync(call, new UpstreamReply(text, reportedUsage));
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
    /// Everything before the upstream call: host, model and conversation checks, then, in one turn, the budget
    /// reservation and the rate limits. An admitted call must be <see cref="Release"/>d on every path.
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
            return new ServiceError(ProblemCode.RateLimited, "The tenant's rate limit is reached; retry later.", retryAfter);
        }
        var upstreamRequest = new UpstreamRequest(settings.SystemPrompt, context, request.Prompt, model,
            request.Seed ?? settings.Seed, reservation.CompletionAllowance);
        return new AdmittedCall(upstreamRequest, reservation, request.RequestId, request.ConversationId ?? Guid.CreateVersion7());
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
        _rateLimits.Complete(call.Reservation.Tokens, chargedTokens);
    }

    private async Task<Outcome<ChatReply>> CommitAsync(AdmittedCall call, UpstreamReply reply)
    {
        var request = call.Upstream;
        var (text, usage, overReported) = AnswerSettlement.Settle(reply, request.SystemPrompt, call.Reservation, tokens);
        if (overReported)
        {
            logger.LogWarning("Tenant {TenantId}: upstream reported more tokens than reserved; charging the reservation", TenantId);
        }
        var message = new StoredMessage(call.RequestId, call.ConversationId, request.Prompt, text, request.Model, request.Seed, usage);
        if (await Ledger.CommitAsync(message) is { } createdAt)
        {
            return new ChatReply(message.Id, call.ConversationId, text, request.Model, request.Seed, usage, createdAt);
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
        new(stored.Id, stored.ConversationId, stored.Response, stored.Model, stored.Seed, stored.Usage, stored.CreatedAt);

    private TenantView View() => (_tenant! with { Usage = Ledger.Budget.Committed }).ToView(clock.GetUtcNow());

    private static ServiceError TenantNotFound() => new(ProblemCode.NotFound, "No tenant has this id.");

    private static ServiceError DomainTaken(string domain) => new(ProblemCode.Conflict, $"The domain '{domain}' is already taken.");

    /// <summary>An admitted call: what goes upstream and the tokens held for it.</summary>
    private sealed record class AdmittedCall(UpstreamRequest Upstream, Reservation Reservation, Guid RequestId, Guid ConversationId);
}
