using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Calls the grain of the tenant a host belongs to. The host's mapping is cached (<see cref="HostTenantResolver"/>);
/// when the grain answers that the host is not its own, the mapping was stale (the domain moved): it is forgotten,
/// the host resolved once more, and the call made again to the tenant that has the host now. The one place this is
/// decided, for the middleware's access check and for the chat routes that leave that check to their grain call.
/// </summary>
public sealed class TenantGrainCalls(HostTenantResolver resolver)
{
    /// <summary>The tenant of <paramref name="domain"/>, from the cache when it is there; null when no tenant has it.</summary>
    public ValueTask<Guid?> ResolveAsync(string domain) => resolver.ResolveAsync(domain);

    /// <summary>
    /// Makes <paramref name="call"/> for <paramref name="tenant"/>, and once more for the host's tenant when
    /// <paramref name="refusal"/> says its answer refused the host as unknown and a tenant still has the host.
    /// A refused answer that is replaced is <paramref name="discard"/>ed. Returns the answer that stands and the
    /// tenant that gave it.
    /// </summary>
    public async Task<(TenantContext Tenant, T Answer)> CallAsync<T>(TenantContext tenant, Func<TenantContext, Task<T>> call,
        Func<T, ServiceError?> refusal, Func<T, ValueTask>? discard = null)
    {
        var answer = await call(tenant);
        if (refusal(answer)?.Code != ProblemCode.UnknownTenant)
        {
            return (tenant, answer);
        }
        resolver.Forget(tenant.Domain);
        if (await resolver.ResolveAsync(tenant.Domain) is not { } tenantId)
        {
            return (tenant, answer);
        }
        if (discard is not null)
        {
            await discard(answer);
        }
        var resolved = tenant with { TenantId = tenantId };
        return (resolved, await call(resolved));
    }

    /// <summary><see cref="CallAsync{T}(TenantContext, Func{TenantContext, Task{T}}, Func{T, ServiceError?}, Func{T, ValueTask}?)"/> for the request's tenant, which then follows the host.</summary>
    public async Task<T> CallAsync<T>(HttpContext httpContext, Func<TenantContext, Task<T>> call, Func<T, ServiceError?> refusal,
        Func<T, ValueTask>? discard = null)
    {
        var (tenant, answer) = await CallAsync(httpContext.Tenant(), call, refusal, discard);
        httpContext.Features.Set(tenant);
        return answer;
    }
}
