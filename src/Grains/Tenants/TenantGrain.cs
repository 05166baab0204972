using System.Data.Common;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantChat.Grains.Accounts;
using TenantChat.Grains.Alerts;
using TenantChat.Grains.Governance;
using TenantChat.Grains.Conversations;
using TenantChat.Grains.Knowledge;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Tokens;
using TenantChat.Grains.Upstreams;
using TenantChat.Telemetry;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// One tenant: its settings, budget and rate limits live here, and every change to them happens in this grain's
/// turns. Chat calls interleave (<see cref="TenantChatCalls"/>): a call is admitted and reserves tokens in one turn,
/// awaits the upstream without holding the grain, and commits its message and real usage through the
/// <see cref="TenantWriteQueue"/>. Each piece of the tenant's state has one owner, built at activation: the grain
/// holds the settings (<see cref="TenantRecord"/>), <see cref="TenantAdmission"/> the rate limits, response cache,
/// waiting calls and assembled system parameter, <see cref="TenantWriteQueue"/> the pending writes, and
/// <see cref="TenantBudget"/> the token accounting.
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
    ISentenceEmbedder embedder,
    PasswordHashing passwords,
    IOptions<TenantLimitsOptions> limits,
    IOptions<ChatAdmissionOptions> admissionOptions,
    WebhookOutboxStore outbox,
    IOptions<AlertOptions> alertOptions,
    IOptions<ChatTimeoutOptions> timeouts,
    TimeProvider clock,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private TenantRecord? _tenant;
    private TenantBudget _budget = null!;
    private TenantWriteQueue _writes = null!;
    private TenantAdmission _admission = null!;
    private TenantChatCalls _calls = null!;
    private ChatGrounding _grounding = null!;
    private UsageAlerts _alerts = null!;

    private Guid TenantId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        TenantChatMetrics.TenantActivationChanged(1);
        _budget = new TenantBudget();
        _writes = new TenantWriteQueue(TenantId, tenants, writer, _budget, clock);
        _admission = new TenantAdmission(TenantId, tokens, _budget, limits.Value.MaxConcurrentCalls);
        _alerts = new UsageAlerts(TenantId, outbox, logger);
        var answers = new AnswerRecorder(TenantId, _writes, _admission, _alerts, () => _tenant!.Settings, messages, conversationEvents, tokens, clock, logger);
        _grounding = new ChatGrounding(TenantId, GrainFactory, embedder, tokens, logger);
        _calls = new TenantChatCalls(TenantId, () => _tenant, _admission, _writes, answers, _grounding, new ChatAttempts(timeouts.Value.RetryGrace), conversations,
            upstreams, limits.Value, admissionOptions.Value, clock, logger);
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
            _budget.Load(_tenant.Usage);
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
        var tenant = new TenantRecord(TenantId, settings, new TenantUsage(0, 0, BudgetPeriod.MonthStart(now)), now, 1);
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
        _budget.Load(tenant.Usage);
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
        _admission.SettingsChanged();
        _calls.AdmitWaiting(); // a new token_limit or max_output_tokens may let waiting calls in, or show they never fit
        logger.LogInformation("Tenant {TenantId} settings changed to version {Version}", TenantId, version);
        return View() with { NewWebhookSecret = secret };
    }

    public async Task<SystemPreview?> PreviewSystemAsync(string prompt)
    {
        if (_tenant is null)
        {
            return null;
        }
        var assembled = _admission.SystemFor(_tenant);
        // The knowledge a call with this prompt would get, retrieved the same way (no semantic cache: nothing is answered).
        var grounded = prompt.Trim().Length > 0
            ? await _grounding.PrepareAsync(_tenant.Settings with { SemanticCache = SemanticCacheSettings.Default }, assembled, prompt, hasContext: true)
            : CallGrounding.None;
        var system = grounded.System ?? assembled;
        return new SystemPreview(system.Text, system.Tokens) { Sources = grounded.Sources };
    }

    public async Task<Outcome<TenantView>> ResetUsageAsync()
    {
        if (_tenant is null)
        {
            return TenantErrors.NotFound;
        }
        await _writes.ResetAsync(AuditEntry.ByCaller(TenantId, AuditActions.TenantUsageReset, AuditActions.TenantTarget(TenantId),
            new JsonObject { ["tokens_used"] = new JsonObject { ["from"] = _budget.Committed.TokensUsed, ["to"] = 0 } }));
        _calls.AdmitWaiting();
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
        _admission.SettingsChanged();
        DeactivateOnIdle();
        logger.LogInformation("Tenant {TenantId} deleted", TenantId);
        return true;
    }

    public Task<Outcome<ChatReply>> ChatAsync(string host, ChatRequest request) => _calls.ChatAsync(host, request);

    public Task<Outcome<StreamTicket>> BeginStreamAsync(string host, ChatRequest request) => _calls.BeginStreamAsync(host, request);

    public Task<Outcome<ChatReply>> CompleteStreamAsync(StreamTicket ticket, StreamResult result) => _calls.CompleteStreamAsync(ticket, result);

    public Task AbandonStreamAsync(Guid requestId) => _calls.AbandonStreamAsync(requestId);

    public Task StopWaitingAsync(Guid requestId) => _calls.StopWaitingAsync(requestId);

    private ServiceError? AlertTargetRefusal(TenantSettings settings) =>
        settings.Alerts is { } alerts && AlertTargets.Refusal(alerts.WebhookUrl, alertOptions.Value.AllowPrivateTargets) is { } refusal
            ? new ServiceError(ProblemCode.ValidationFailed, refusal)
            : null;

    private ServiceError? AccessError(string host) => TenantErrors.ForHost(_tenant, host);

    private TenantView View() => (_tenant! with { Usage = _budget.Committed }).ToView(clock.GetUtcNow());
}
