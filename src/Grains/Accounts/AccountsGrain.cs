using Orleans.Concurrency;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Accounts;

[StatelessWorker]
public sealed class AccountsGrain(AccountStore accounts, PasswordHashing passwords, TimeProvider clock) : Grain, IAccountsGrain
{
    public async Task<Outcome<AccountView>> SignUpAsync(Guid tenantId, NewAccount account)
    {
        var view = new AccountView(Guid.CreateVersion7(), tenantId, account.Email, account.DisplayName, account.Role, clock.GetUtcNow());
        if (!await accounts.TryInsertAsync(view, passwords.Hash(account.Password)))
        {
            return new ServiceError(ProblemCode.Conflict, "An account with this email already exists.");
        }
        return view;
    }

    public async Task<Outcome<AccountView>> SignInAsync(Guid tenantId, string email, string password)
    {
        var (account, hash) = await accounts.FindByEmailAsync(tenantId, email);
        // Verify even when the email is unknown (against a decoy), so both refusals take the same time.
        if (!passwords.Verify(hash, password) || account is null)
        {
            return new ServiceError(ProblemCode.Unauthorized, "The email or the password is wrong.");
        }
        return account;
    }

    public Task<AccountView?> FindAsync(Guid tenantId, Guid accountId) => accounts.FindAsync(tenantId, accountId);
}
