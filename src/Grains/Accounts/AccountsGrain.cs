using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Accounts;

/// <summary>
/// One tenant's accounts (see <see cref="IAccountsGrain"/>). Reentrant: a sign-in waiting for its hash, or a query
/// waiting for the database, never holds up a token check. The state touched between awaits is kept consistent on
/// its own, and changes to accounts are serialized by <see cref="_changes"/>.
/// </summary>
[Reentrant]
public sealed class AccountsGrain(AccountStore accounts, PasswordHashing passwords, IOptions<SignInOptions> options, TimeProvider clock)
    : Grain, IAccountsGrain, IDisposable
{
    private readonly SignInOptions _options = options.Value;
    private readonly SignInThrottle _throttle = new(options.Value, clock);
    private readonly SemaphoreSlim _hashing = new(options.Value.MaxConcurrentHashes);
    private readonly SemaphoreSlim _changes = new(1, 1);

    // What token checks compare against: each account asked about, as last read or written (null: gone). Every
    // change goes through this grain, which writes the database first and then this map.
    private readonly Dictionary<Guid, AccountView?> _known = [];

    private int _hashesPending;

    private Guid TenantId => this.GetPrimaryKey();

    public async Task<Outcome<AccountView>> SignUpAsync(NewAccount account)
    {
        var hash = await HashingAsync(() => passwords.Hash(account.Password));
        if (!hash.Succeeded)
        {
            return hash.Error;
        }
        var view = new AccountView(Guid.CreateVersion7(), TenantId, account.Email, account.DisplayName, account.Role, clock.GetUtcNow());
        if (!await accounts.TryInsertAsync(view, hash.Value))
        {
            return new ServiceError(ProblemCode.Conflict, "An account with this email already exists.");
        }
        return view;
    }

    public async Task<Outcome<AccountView>> SignInAsync(string email, string password, string clientAddress)
    {
        if (_throttle.TryBegin(email, clientAddress) is { } waitSeconds)
        {
            return new ServiceError(ProblemCode.RateLimited, "Too many sign-in attempts; try again later.", waitSeconds);
        }
        var (account, hash) = await accounts.FindByEmailAsync(TenantId, email);
        // Verify even when the email is unknown (against a decoy), so both refusals take the same time.
        var verified = await HashingAsync(() => passwords.Verify(hash, password));
        if (!verified.Succeeded)
        {
            return verified.Error;
        }
        if (!verified.Value || account is null)
        {
            return new ServiceError(ProblemCode.Unauthorized, "The email or the password is wrong.");
        }
        _throttle.Succeeded(email);
        if (account.Status != AccountStatus.Active)
        {
            return new ServiceError(ProblemCode.Forbidden, "This account is disabled.");
        }
        return account;
    }

    public async Task<bool> IsTokenCurrentAsync(Guid accountId, long securityStamp)
    {
        if (!_known.TryGetValue(accountId, out var account))
        {
            var stored = await accounts.FindAsync(TenantId, accountId);
            // A change that landed while this read was out is newer than what it read.
            _known.TryAdd(accountId, stored);
            account = _known[accountId];
        }
        return account is { Status: AccountStatus.Active } && account.SecurityStamp == securityStamp;
    }

    public Task<AccountView?> FindAsync(Guid accountId) => accounts.FindAsync(TenantId, accountId);

    public Task<Page<AccountView>> ListAsync(int limit, PageKey? after) => accounts.ListAsync(TenantId, limit, after?.Id);

    public async Task<Outcome<AccountView>> ChangeAsync(Guid accountId, AccountChange change)
    {
        var write = await WriteAsync(accountId, change);
        if (!write.Succeeded)
        {
            return write.Error;
        }
        return write.Value.Account!;
    }

    public async Task<ServiceError?> DeleteAsync(Guid accountId)
    {
        var write = await WriteAsync(accountId, change: null);
        return write.Error;
    }

    /// <summary>One change at a time, so the map of known accounts is updated in the order the database was.</summary>
    private async Task<Outcome<AccountWrite>> WriteAsync(Guid accountId, AccountChange? change)
    {
        await _changes.WaitAsync();
        try
        {
            var write = await accounts.WriteAsync(TenantId, accountId, change);
            switch (write.Result)
            {
                case AccountWriteResult.NotFound:
                    return new ServiceError(ProblemCode.NotFound, "No such account in this tenant.");
                case AccountWriteResult.LastAdmin:
                    return new ServiceError(ProblemCode.Conflict, "This is the tenant's last active admin; make another admin first.");
                default:
                    _known[accountId] = write.Account;
                    return write;
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    public void Dispose()
    {
        _hashing.Dispose();
        _changes.Dispose();
    }

    /// <summary>
    /// Slow password hashing on the thread pool, off this grain's turn, at most
    /// <see cref="SignInOptions.MaxConcurrentHashes"/> at once for this tenant: however hard one tenant is hammered,
    /// it holds only that many cores, and the others' sign-ins go on. Past the queue's bound the attempt is refused.
    /// </summary>
    private async Task<Outcome<T>> HashingAsync<T>(Func<T> work)
    {
        if (_hashesPending >= _options.MaxConcurrentHashes + _options.MaxQueuedHashes)
        {
            return new ServiceError(ProblemCode.RateLimited, "Too many sign-ins on this tenant at once; try again shortly.", 1);
        }
        _hashesPending++;
        try
        {
            await _hashing.WaitAsync();
            try
            {
                return await Task.Run(work);
            }
            finally
            {
                _hashing.Release();
            }
        }
        finally
        {
            _hashesPending--;
        }
    }
}
