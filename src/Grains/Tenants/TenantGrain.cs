using System.Data.Common;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantChat.Grains.Accounts;
using TenantChat.Grains.Alerts;
using TenantChat.Grains.Governance;
using TenantChat.Grains.Conversations;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Tokens;
using TenantChat.Grains.Upstreams;
using TenantChat.Telemetry;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// One tenant: its settings, budget and rate limits live here, and every change to them happens in this grain's
/// turns. Chat calls interleave: a call is admitted and reserves tokens in one turn, awaits the upstream without
/// holding the grain, and commits its message and real usage through the <see cref="TenantLedger"/>.
/// </summary>
public sealed class TenantGrain(
    TenantStore tenants,
    TenantDataStore tenantData,
    ChatMessageStore messages,
    ConversationStore conversations,
    IConversationEvents conversationEvents,
    ChatMessageWriter writer,
    ChatUpstreams upstreams,
    TokenCounter tokens,
    PasswordHashing passwords,
    IOptions<TenantLimitsOptions> limits,
    IOptions<ChatAdmissionOptions> admissionOptions,
    WebhookOutboxStore outbox,
    IOptions<AlertOptions> alertOptions,
    TimeProvider clock,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private readonly Dictionary<Guid, AdmittedCall> _streams = [];
    private readonly Dictionary<Guid, RunningCall> _running = [];
    private TenantLedger? _ledger;
    private TenantAdmission? _admission;
    private TenantRecord? _tenant;
    private UsageAlerts? _alerts;

    /// <summary>How long a retried call's outcome is kept after it ends: longer than the frontend waits per attempt.</summary>
    private static readonly TimeSpan RetryGrace = TimeSpan.FromSeconds(15);

    private Guid TenantId => this.GetPrimaryKey();

    private TenantLedger Ledger => _ledger ??= new TenantLedger(TenantId, tenants, writer, clock);

    private UsageAlerts Alerts => _alerts ??= new UsageAlerts(TenantId, outbox, logger);

    private TenantAdmission Admission => _admission ??= new TenantAdmission(TenantId, tokens, limits.Value.MaxConcurrentCalls);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        TenantChatMetrics.TenantActivationChanged(1);
        try
        {
            _tenant = await tenants.FindAsync(TenantId, cancellationToken);
        }
        catch (DbException e)
        {
            // A failed activation reaches the caller without passing the grain call filters (StorageFailureFilter).
            logger.LogWarning("Tenant {TenantId}: database unavailable while activating ({Failure})", TenantId, e.GetType().Name);
            throw new StorageUnavailableException();
        }
        if (_tenant is not null)
        {
            Ledger.Budget.Load(_tenant.Usage);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        TenantChatMetrics.TenantActivationChanged(-1);
        TenantChatMetrics.BudgetForgotten(TenantId);
        return Task.CompletedTask;
    }

    public async Task<Outcome<TenantView>> CreateAsync(TenantSettings settings, NewAccount? admin = null)
    {
        if (_tenant is not null)
        {
            return TenantErrors.AlreadyExists;
        }
        if (upstreams.UnknownRoute(settings) is { } unknown)
        {
            return unknown;
        }
        if (SystemAssembly.RefuseChange(before: null, settings, tokens) is { } tooLarge)
        {
            return tooLarge;
        }
        if (AlertTargetRefusal(settings) is { } refused)
        {
            return refused;
        }
        var now = clock.GetUtcNow();
        var tenant = new TenantRecord(TenantId, settings, new TenantUsage(0, 0, TenantUsage.MonthStart(now)), now, 1);
        var adminAccount = admin is null
            ? ((AccountView, string)?)null
            : (new AccountView(Guid.CreateVersion7(), TenantId, admin.Email, admin.DisplayName, AccountRole.Admin, now), passwords.Hash(admin.Password));
        var changes = TenantSettingsAudit.Created(settings);
        if (adminAccount is var (account, _))
        {
            changes["admin_account"] = new JsonObject { ["id"] = account.Id.ToString(), ["email"] = account.Email };
        }
        var secret = UsageAlerts.NewSecretIfNeeded(null, settings.Alerts);
        if (secret is not null)
        {
            changes["webhook_secret"] = new JsonObject { ["set"] = true };
        }
        var audit = AuditEntry.ByCaller(TenantId, AuditActions.TenantCreated, AuditActions.TenantTarget(TenantId), changes);
        if (!await tenants.TryInsertAsync(tenant, audit, adminAccount, secret))
        {
            return TenantErrors.DomainTaken(settings.Domain);
        }
        _tenant = tenant;
        Ledger.Budget.Load(tenant.Usage);
        logger.LogInformation("Tenant {TenantId} created", TenantId);
        return View() with { NewWebhookSecret = secret };
    }

    public Task<TenantView?> GetAsync() => Task.FromResult(_tenant is null ? null : View());

    public Task<ServiceError?> CheckAccessAsync(string host) => Task.FromResult(AccessError(host));

    public async Task<Outcome<TenantView>> UpdateSettingsAsync(TenantSettings settings, int expectedVersion)
    {
        if (_tenant is null)
        {
            return TenantErrors.NotFound;
        }
        if (_tenant.Version != expectedVersion)
        {
            return TenantErrors.ChangedConcurrently;
        }
        if (upstreams.UnknownRoute(settings) is { } unknown)
        {
            return unknown;
        }
        if (SystemAssembly.RefuseChange(_tenant.Settings, settings, tokens) is { } tooLarge)
        {
            return tooLarge;
        }
        if (AlertTargetRefusal(settings) is { } refused)
        {
            return refused;
        }
        var version = _tenant.Version + 1;
        var changes = TenantSettingsAudit.Changed(_tenant.Settings, settings);
        var secret = UsageAlerts.NewSecretIfNeeded(_tenant.Settings.Alerts, settings.Alerts);
        if (secret is not null)
        {
            changes["webhook_secret"] = new JsonObject { ["changed"] = true };
        }
        var audit = AuditEntry.ByCaller(TenantId, TenantSettingsAudit.ActionFor(_tenant.Settings, settings), AuditActions.TenantTarget(TenantId), changes);
        if (!await tenants.TryUpdateSettingsAsync(TenantId, settings, version, audit, secret))
        {
            return TenantErrors.DomainTaken(settings.Domain);
        }
        _tenant = _tenant with { Settings = settings, Version = version };
        Admission.Cache.Clear();
        AdmitWaiting(); // a new token_limit or max_output_tokens may let waiting calls in, or show they never fit
        logger.LogInformation("Tenant {TenantId} settings changed to version {Version}", TenantId, version);
        return View() with { NewWebhookSecret = secret };
    }

    public Task<SystemPreview?> PreviewSystemAsync(string prompt)
    {
        // The prompt will matter once knowledge is retrieved for it (issue 12); the settings alone decide today.
        if (_tenant is null)
        {
            return Task.FromResult<SystemPreview?>(null);
        }
        var system = Admission.SystemFor(_tenant);
        return Task.FromResult<SystemPreview?>(new SystemPreview(system.Text, system.Tokens));
    }

    public async Task<Outcome<TenantView>> ResetUsageAsync()
    {
        if (_tenant is null)
        {
            return TenantErrors.NotFound;
        }
        await Ledger.ResetAsync(AuditEntry.ByCaller(TenantId, AuditActions.TenantUsageReset, AuditActions.TenantTarget(TenantId),
            new JsonObject { ["tokens_used"] = new JsonObject { ["from"] = Ledger.Budget.Committed.TokensUsed, ["to"] = 0 } }));
        AdmitWaiting();
        logger.LogInformation("Tenant {TenantId} usage reset", TenantId);
        return View();
    }

    public async Task<bool> DeleteAsync()
    {
        if (_tenant is null || !await tenantData.EraseAsync(TenantId, _tenant.Settings.Domain))
        {
            return false;
        }
        // From now on every request on its host is refused as unknown: frontends confirm their cached mapping here.
        _tenant = null;
        Admission.Cache.Clear();
        DeactivateOnIdle();
        logger.LogInformation("Tenant {TenantId} deleted", TenantId);
        return true;
    }

    public async Task<Outcome<ChatReply>> ChatAsync(string host, ChatRequest request)
    {
        // A retry whose first attempt is running here, or ended a moment ago, gets that attempt's outcome instead
        // of asking the upstream again: its caller only timed out waiting (see ITenantGrain.ChatAsync).
        if (request.IsRetry && _running.TryGetValue(request.RequestId, out var running))
        {
            running.Joined = true;
            return await running.Outcome;
        }
        var attempt = new RunningCall(RunChatAsync(host, request));
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

    /// <summary>Runs on this activation's scheduler, like any continuation started in a grain turn.</summary>
    private async Task ForgetLaterAsync(Guid requestId, RunningCall attempt)
    {
        await Task.Delay(RetryGrace);
        if (_running.TryGetValue(requestId, out var current) && current == attempt)
        {
            _running.Remove(requestId);
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
                if (call.Handoff != Handoff.None)
                {
                    return await StoreHandoffAsync(call);
                }
                if (call.CachedAnswer is { } cached)
                {
                    return await StoreCachedAsync(call, cached);
                }
                UpstreamReply reply;
                UpstreamRoute route;
                try
                {
                    (reply, route) = await upstreams.CompleteAsync(call.Routes, call.Upstream, (failed, e) => logger.LogWarning(
                        "Tenant {TenantId}: upstream {Provider} failed ({Failure}); falling back", TenantId, failed.Provider, e.Failure));
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
                call.Reservation.PromptTokens, call.Reservation.CompletionAllowance, call.Routes)
            {
                Channel = call.Channel,
                StartsConversation = call.StartsConversation,
                Secrets = [.. SystemAssembly.Secrets(_tenant!.Settings, u.SystemPrompt)],
            };
            if (call.Handoff != Handoff.None || call.CachedAnswer is not null)
            {
                try
                {
                    var stored = call.Handoff != Handoff.None ? await StoreHandoffAsync(call) : await StoreCachedAsync(call, call.CachedAnswer!);
                    return stored.Succeeded ? ticket with { Answered = stored.Value } : stored.Error;
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
            // The reservation died with an earlier activation of this grain: reserve its allowance again, if it fits.
            call = TenantAdmission.Readmit(_tenant, Ledger.Budget, ticket, clock.GetUtcNow());
            if (call is null)
            {
                logger.LogWarning("Tenant {TenantId}: a stream ended after its reservation was lost and no longer fits the budget; not stored", TenantId);
                return TenantErrors.StreamLost;
            }
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

    public Task StopWaitingAsync(Guid requestId)
    {
        Admission.Waiting.Leave(requestId, TenantErrors.CallerLeft);
        return Task.CompletedTask;
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
        using var span = TenantChatTracing.StartTenantStep("tenant.admission", TenantId);
        return TenantTelemetry.Admitted(TenantId, await TryAdmitAsync(host, request), span);
    }

    private async Task<Outcome<AdmittedCall>> TryAdmitAsync(string host, ChatRequest request)
    {
        if (AccessError(host) is { } refused)
        {
            return refused;
        }
        var settings = _tenant!.Settings;
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
            if (await conversations.FindForCallAsync(TenantId, conversationId, settings.MaxContextTurns) is not { } found)
            {
                return TenantErrors.NoSuchConversation;
            }
            (status, context) = found;
        }
        var handoff = HandoffRule.For(request, settings.HandoffPhrase, status);
        if (Ledger.Budget.IsStale)
        {
            await Ledger.RefreshIfStaleAsync();
            AdmitWaiting(); // no call was admitted while the budget was stale: those waiting go first
        }

        // No await from here until the call is admitted, refused or waiting: admission is one turn.
        var now = clock.GetUtcNow();
        var call = Admission.Prepare(_tenant, request, model, context, handoff, now);
        if (Admission.TryAdmit(_tenant.Settings, Ledger.Budget, call, now) is { } decided)
        {
            return decided;
        }
        if (Admission.Waiting.Count >= limits.Value.MaxConcurrentCalls)
        {
            return TenantErrors.RateLimited(1); // waiting calls are capped like calls in flight: a burst cannot pile up without end
        }
        var wait = TimeSpan.FromSeconds(admissionOptions.Value.AdmissionWaitSeconds);
        return await Admission.Waiting.WaitAsync(call, wait, clock) ?? TenantErrors.BudgetSpent(TenantUsage.RetryAfterSeconds(clock.GetUtcNow()));
    }

    private void Release(AdmittedCall call, long chargedTokens)
    {
        Admission.Release(Ledger.Budget, call, chargedTokens);
        AdmitWaiting();
    }

    /// <summary>Freed tokens, a new limit or a fresh budget: the calls waiting for room that now fit are admitted.</summary>
    private void AdmitWaiting()
    {
        if (_tenant is not null)
        {
            Admission.AdmitWaiting(_tenant.Settings, Ledger.Budget, clock.GetUtcNow());
        }
    }

    /// <summary>
    /// Stores the answer and charges what it used. A <paramref name="complete"/> answer that was not cut short
    /// by the call's allowance goes into the tenant's response cache, when the tenant has one.
    /// </summary>
    private async Task<Outcome<ChatReply>> CommitAsync(AdmittedCall call, UpstreamReply reply, UpstreamRoute answeredBy, bool complete)
    {
        using var span = TenantChatTracing.StartTenantStep("tenant.settlement", TenantId);
        var request = call.Upstream;
        var secrets = SystemAssembly.Secrets(_tenant!.Settings, request.SystemPrompt);
        var (text, usage, overReported) = AnswerSettlement.Settle(reply, secrets, call.Reservation, tokens);
        if (overReported)
        {
            logger.LogWarning("Tenant {TenantId}: upstream reported more tokens than reserved; charging the reservation", TenantId);
        }
        var outcome = await StoreAsync(call, Message(call, text, answeredBy.Model!, usage, answeredBy.Provider));
        TenantTelemetry.Settled(TenantId, outcome, usage, span, Ledger.Budget.Committed.AsOf(clock.GetUtcNow()).TokensUsed, _tenant!.Settings.TokenLimit);
        if (complete && outcome.Succeeded)
        {
            Admission.Remember(call, _tenant!.Settings, text, usage, answeredBy, clock.GetUtcNow());
        }
        return outcome;
    }

    /// <summary>A cache hit is stored like any answer, marked as cached and charged nothing.</summary>
    private Task<Outcome<ChatReply>> StoreCachedAsync(AdmittedCall call, ResponseCache.Entry cached) =>
        StoreAsync(call, Message(call, cached.Text, cached.AnsweredBy.Model!, new TokenUsage(0, 0), cached.AnsweredBy.Provider) with { Cached = true });

    /// <summary>
    /// A call for a person: stored with no answer and charged nothing. The call that hands the conversation over
    /// raises the handoff event once it is durable.
    /// </summary>
    private async Task<Outcome<ChatReply>> StoreHandoffAsync(AdmittedCall call)
    {
        var outcome = await StoreAsync(call, Message(call, "", call.Upstream.Model, new TokenUsage(0, 0), provider: null) with { Handoff = true });
        if (outcome.Succeeded && call.Handoff == Handoff.Requested)
        {
            try
            {
                await conversationEvents.HandoffAsync(TenantId, call.ConversationId, outcome.Value.CreatedAt);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Tenant {TenantId}: the handoff event of a conversation failed", TenantId);
            }
            logger.LogInformation("Tenant {TenantId}: a conversation was handed to a person", TenantId);
        }
        return outcome;
    }

    private static StoredMessage Message(AdmittedCall call, string response, string model, TokenUsage usage, string? provider) =>
        new(call.RequestId, call.ConversationId, call.Upstream.Prompt, response, model, call.Upstream.Seed, usage, provider,
            Channel: call.Channel, StartsConversation: call.StartsConversation);

    private async Task<Outcome<ChatReply>> StoreAsync(AdmittedCall call, StoredMessage message)
    {
        if (await Ledger.CommitAsync(message) is { } createdAt)
        {
            if (_tenant is { } tenant)
            {
                await Alerts.CheckAsync(tenant.Settings, Ledger.Budget.Committed, createdAt);
            }
            return new ChatReply(message.Id, message.ConversationId, message.Response, message.Model, message.Seed, message.Usage, createdAt,
                message.Cached, message.Handoff);
        }
        // An earlier attempt of this request committed first: answer with what it stored, charged once.
        var stored = await messages.FindAsync(TenantId, call.RequestId);
        return stored is null ? TenantErrors.TryAgain : Reply(stored);
    }

    private Outcome<ChatReply> UpstreamFailed(UpstreamException e)
    {
        logger.LogWarning("Tenant {TenantId}: upstream call failed ({Failure})", TenantId, e.Failure);
        return UpstreamErrors.ToServiceError(e);
    }

    private ServiceError StorageUnavailable(DbException e)
    {
        logger.LogWarning(e, "Tenant {TenantId}: database unavailable during a chat call", TenantId);
        return TenantErrors.StorageUnavailable;
    }

    private ServiceError? AlertTargetRefusal(TenantSettings settings) =>
        settings.Alerts is { } alerts && AlertTargets.Refusal(alerts.WebhookUrl, alertOptions.Value.AllowPrivateTargets) is { } refusal
            ? new ServiceError(ProblemCode.ValidationFailed, refusal)
            : null;

    private ServiceError? AccessError(string host) => TenantErrors.ForHost(_tenant, host);

    private static ChatReply Reply(ChatMessageView stored) =>
        new(stored.Id, stored.ConversationId, stored.Response, stored.Model, stored.Seed, stored.Usage, stored.CreatedAt, stored.Cached, stored.Handoff);

    private TenantView View() => (_tenant! with { Usage = Ledger.Budget.Committed }).ToView(clock.GetUtcNow());

    /// <summary>A chat call in progress, and whether a retry of it has come (so more may follow).</summary>
    private sealed class RunningCall(Task<Outcome<ChatReply>> outcome)
    {
        public Task<Outcome<ChatReply>> Outcome { get; } = outcome;

        public bool Joined { get; set; }
    }
}
