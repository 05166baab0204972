using System.Data.Common;
using Microsoft.Extensions.Logging;
using TenantChat.Grains.Accounts;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Providers;
using TenantChat.Grains.Tokens;

namespace TenantChat.Grains;

/// <summary>
/// One tenant: its settings and budget live here, and every change to them happens in this grain's turns.
/// Chat calls interleave: a call reserves tokens in one turn, awaits the upstream without holding the grain,
/// and commits its message and real usage in a later turn. Messages from concurrent calls are written in
/// batches, one round trip each, together with the tenant's new totals.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim needs disposal only once its wait handle is used, which it never is.")]
public sealed class TenantGrain(
    TenantStore tenants,
    ChatMessageStore messages,
    IChatUpstream upstream,
    TokenCounter tokens,
    PasswordHashing passwords,
    TimeProvider clock,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private const int MaxBatchSize = 256;

    private readonly TenantBudget _budget = new();

    // Serializes every write to this tenant's row, so totals in memory and in the database move together.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private List<(StoredMessage Message, TaskCompletionSource<DateTimeOffset> Done)> _pending = [];
    private bool _flushing;
    private TenantRecord? _tenant;

    private Guid TenantId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _tenant = await tenants.FindAsync(TenantId, cancellationToken);
        if (_tenant is not null)
        {
            _budget.Load(_tenant.Usage);
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
        _budget.Load(tenant.Usage);
        logger.LogInformation("Tenant {TenantId} created", TenantId);
        return View();
    }

    public Task<TenantView?> GetAsync() => Task.FromResult(_tenant is null ? null : View());

    public Task<ServiceError?> CheckAccessAsync(string host) => Task.FromResult(AccessError(host));

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

    public async Task<Outcome<TenantView>> UpdateSettingsAsync(TenantSettings settings, int expectedVersion)
    {
        if (_tenant is null)
        {
            return TenantNotFound();
        }
        await _writeGate.WaitAsync();
        try
        {
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
        }
        finally
        {
            _writeGate.Release();
        }
        logger.LogInformation("Tenant {TenantId} settings changed to version {Version}", TenantId, _tenant.Version);
        return View();
    }

    public async Task<Outcome<TenantView>> ResetUsageAsync()
    {
        if (_tenant is null)
        {
            return TenantNotFound();
        }
        await _writeGate.WaitAsync();
        try
        {
            var usage = new TenantUsage(0, 0, clock.GetUtcNow());
            await tenants.WriteUsageAsync(TenantId, usage);
            _budget.Load(usage);
        }
        finally
        {
            _writeGate.Release();
        }
        logger.LogInformation("Tenant {TenantId} usage reset", TenantId);
        return View();
    }

    public async Task<Outcome<ChatReply>> ChatAsync(string host, ChatRequest request)
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

        try
        {
            IReadOnlyList<ConversationTurn> context = [];
            if (request.ConversationId is { } conversationId)
            {
                var turns = await messages.GetRecentTurnsAsync(TenantId, conversationId, settings.MaxContextTurns);
                if (turns is null)
                {
                    return new ServiceError(ProblemCode.NotFound, "No such conversation.");
                }
                context = turns;
            }
            if (_budget.IsStale)
            {
                await ReloadUsageAsync();
            }

            var promptTokens = tokens.Count(settings.SystemPrompt)
                + context.Sum(turn => tokens.Count(turn.Prompt) + tokens.Count(turn.Response))
                + tokens.Count(request.Prompt);
            if (_budget.TryReserve(settings.TokenLimit, promptTokens, settings.MaxOutputTokens, clock.GetUtcNow()) is not { } reservation)
            {
                return new ServiceError(ProblemCode.TokenLimitExceeded, "The tenant's token budget for this period is spent.");
            }
            try
            {
                var upstreamRequest = new UpstreamRequest(settings.SystemPrompt, context, request.Prompt, model,
                    request.Seed ?? settings.Seed, reservation.CompletionAllowance);
                return await CallAndCommitAsync(upstreamRequest, request.ConversationId ?? Guid.CreateVersion7(), reservation);
            }
            finally
            {
                _budget.Release(reservation);
            }
        }
        catch (DbException e)
        {
            logger.LogWarning(e, "Tenant {TenantId}: database unavailable during a chat call", TenantId);
            return new ServiceError(ProblemCode.Unavailable, "Storage is unavailable; nothing was charged. Try again shortly.", 2);
        }
    }

    private async Task<Outcome<ChatReply>> CallAndCommitAsync(UpstreamRequest request, Guid conversationId, Reservation reservation)
    {
        UpstreamReply reply;
        try
        {
            reply = await upstream.CompleteAsync(request);
        }
        catch (UpstreamException e)
        {
            logger.LogWarning("Tenant {TenantId}: upstream call failed ({Failure})", TenantId, e.Failure);
            return e.Failure switch
            {
                UpstreamFailure.Timeout => new ServiceError(ProblemCode.UpstreamTimeout, "The AI provider did not answer in time; nothing was charged."),
                UpstreamFailure.Unavailable => new ServiceError(ProblemCode.Unavailable, "The AI provider is failing; calls are paused briefly.", 5),
                _ => new ServiceError(ProblemCode.UpstreamError, "The AI provider returned an error; nothing was charged."),
            };
        }

        var (text, usage) = Settle(reply, request.SystemPrompt, reservation);
        var message = new StoredMessage(Guid.CreateVersion7(), conversationId, request.Prompt, text, request.Model, request.Seed, usage);
        var createdAt = await CommitAsync(message);
        return new ChatReply(message.Id, conversationId, text, request.Model, request.Seed, usage, createdAt);
    }

    /// <summary>The answer as stored and its usage, never more than the reservation allows.</summary>
    private (string Text, TokenUsage Usage) Settle(UpstreamReply reply, string systemPrompt, Reservation reservation)
    {
        var text = RedactSystemPrompt(reply.Text, systemPrompt);
        if (reply.ReportedUsage is { } reported)
        {
            if (reported.TotalTokens <= reservation.Tokens)
            {
                return (text, reported);
            }
            logger.LogWarning("Tenant {TenantId}: upstream reported more tokens than reserved; charging the reservation", TenantId);
            var prompt = (int)Math.Min(reported.PromptTokens, reservation.Tokens);
            return (text, new TokenUsage(prompt, (int)(reservation.Tokens - prompt)));
        }
        // An upstream that cannot be told a maximum is held to it here, like a max_tokens cut-off.
        if (tokens.Count(text) > reservation.CompletionAllowance)
        {
            text = tokens.Truncate(text, reservation.CompletionAllowance);
        }
        return (text, new TokenUsage(reservation.PromptTokens, tokens.Count(text)));
    }

    /// <summary>A model can be talked into quoting its instructions; the tenant's system parameter never leaves.</summary>
    private static string RedactSystemPrompt(string text, string systemPrompt) =>
        systemPrompt.Trim().Length >= 8 && text.Contains(systemPrompt.Trim(), StringComparison.OrdinalIgnoreCase)
            ? text.Replace(systemPrompt.Trim(), "[redacted]", StringComparison.OrdinalIgnoreCase)
            : text;

    /// <summary>Queues a message for the next batch write and completes when it is durable.</summary>
    private Task<DateTimeOffset> CommitAsync(StoredMessage message)
    {
        var done = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add((message, done));
        if (!_flushing)
        {
            _flushing = true;
            _ = FlushAsync();
        }
        return done.Task;
    }

    private async Task FlushAsync()
    {
        try
        {
            while (_pending.Count > 0)
            {
                var batch = _pending.Count <= MaxBatchSize ? _pending : _pending.GetRange(0, MaxBatchSize);
                _pending = batch == _pending ? [] : _pending.GetRange(MaxBatchSize, _pending.Count - MaxBatchSize);
                await WriteBatchAsync(batch);
            }
        }
        finally
        {
            _flushing = false;
        }
    }

    private async Task WriteBatchAsync(List<(StoredMessage Message, TaskCompletionSource<DateTimeOffset> Done)> batch)
    {
        await _writeGate.WaitAsync();
        try
        {
            var now = clock.GetUtcNow();
            var before = _budget.Committed.AsOf(now);
            var after = before with
            {
                TokensUsed = before.TokensUsed + batch.Sum(item => (long)item.Message.Usage.TotalTokens),
                Calls = before.Calls + batch.Count,
            };
            await messages.AppendAsync(TenantId, [.. batch.Select(item => item.Message)], now, after);
            _budget.Load(after);
            batch.ForEach(item => item.Done.SetResult(now));
        }
        catch (Exception e)
        {
            // The commit may or may not have happened; the database is the truth, so read it before admitting again.
            _budget.MarkStale();
            batch.ForEach(item => item.Done.SetException(e));
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task ReloadUsageAsync()
    {
        await _writeGate.WaitAsync();
        try
        {
            if (_budget.IsStale)
            {
                _budget.Load(await tenants.ReadUsageAsync(TenantId));
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private TenantView View() => (_tenant! with { Usage = _budget.Committed }).ToView(clock.GetUtcNow());

    private static ServiceError TenantNotFound() => new(ProblemCode.NotFound, "No tenant has this id.");

    private static ServiceError DomainTaken(string domain) => new(ProblemCode.Conflict, $"The domain '{domain}' is already taken.");
}
