using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>
/// Sign-up and sign-in for a tenant's users. Stateless: slow password hashing spreads over every silo's cores.
/// The tenant id always comes from the frontend's host resolution, never from a caller.
/// </summary>
public interface IAccountsGrain : IGrainWithIntegerKey
{
    Task<Outcome<AccountView>> SignUpAsync(Guid tenantId, NewAccount account);

    /// <summary>The account, or <see cref="ProblemCode.Unauthorized"/> alike for an unknown email and a wrong password.</summary>
    Task<Outcome<AccountView>> SignInAsync(Guid tenantId, string email, string password);

    Task<AccountView?> FindAsync(Guid tenantId, Guid accountId);
}
