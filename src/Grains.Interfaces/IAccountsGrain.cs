using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>
/// One tenant's accounts, keyed by the tenant id (which always comes from the frontend's host resolution, never
/// from a caller). One activation per tenant holds, in memory, what must be the same on every frontend: the sign-in
/// throttle, the bound on the tenant's password-hashing work, and the security stamps every token is checked against.
/// Hashing runs off the grain's turn, so token checks never wait behind it.
/// </summary>
public interface IAccountsGrain : IGrainWithGuidKey
{
    Task<Outcome<AccountView>> SignUpAsync(NewAccount account);

    /// <summary>
    /// The account, or <see cref="ProblemCode.Unauthorized"/> alike for an unknown email and a wrong password, or
    /// <see cref="ProblemCode.RateLimited"/> (with a retry time) while this email or this client address is throttled.
    /// </summary>
    Task<Outcome<AccountView>> SignInAsync(string email, string password, string clientAddress);

    /// <summary>True while the account exists, is active and still has the security stamp the token carries.</summary>
    Task<bool> IsTokenCurrentAsync(Guid accountId, long securityStamp);

    Task<AccountView?> FindAsync(Guid accountId);

    /// <summary>The tenant's accounts, oldest first, after <paramref name="after"/>.</summary>
    Task<Page<AccountView>> ListAsync(int limit, PageKey? after);

    /// <summary>Changes role and status; <see cref="ProblemCode.Conflict"/> when it would leave no active admin.</summary>
    Task<Outcome<AccountView>> ChangeAsync(Guid accountId, AccountChange change);

    /// <summary>Null when deleted; <see cref="ProblemCode.Conflict"/> for the last active admin.</summary>
    Task<ServiceError?> DeleteAsync(Guid accountId);
}
