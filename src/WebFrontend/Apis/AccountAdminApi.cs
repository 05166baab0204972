using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis;

/// <summary>
/// A tenant admin's account lifecycle: list, change role or status, delete. Another tenant's account id is 404.
/// The tenant always keeps one active admin (409 otherwise). A change takes the account's tokens away at once, on
/// every frontend (see <see cref="TenantAuthentication"/>).
/// </summary>
public static class AccountAdminApi
{
    public static RouteGroupBuilder MapAccountAdminApi(this RouteGroupBuilder accounts)
    {
        accounts.MapGet("", ListAsync).RequireAuthorization(TenantAuthentication.AdminPolicy);
        accounts.MapPatch("{id:guid}", ChangeAsync).RequireAuthorization(TenantAuthentication.AdminPolicy);
        accounts.MapDelete("{id:guid}", DeleteAsync).RequireAuthorization(TenantAuthentication.AdminPolicy);
        return accounts;
    }

    public static async Task<Results<Ok<PageResponse<AccountResponse>>, ApiProblem>> ListAsync(
        int? limit, string? cursor, HttpContext httpContext, IClusterClient orleans)
    {
        if (Cursors.TryReadPaging(limit, cursor, out var pageSize, out var after) is { } invalid)
        {
            return invalid;
        }
        var page = await Grain(httpContext, orleans).ListAsync(pageSize, after);
        return TypedResults.Ok(new PageResponse<AccountResponse>([.. page.Items.Select(AccountResponse.From)], Cursors.Encode(page.Next)));
    }

    public static async Task<Results<Ok<AccountResponse>, ApiProblem>> ChangeAsync(
        Guid id, AccountChangeBody body, HttpContext httpContext, IClusterClient orleans)
    {
        var errors = new Dictionary<string, string[]>();
        AccountRole? role = body.Role switch
        {
            null => null,
            "admin" => AccountRole.Admin,
            "member" => AccountRole.Member,
            _ => Invalid<AccountRole>(errors, "role", "role must be \"admin\" or \"member\"."),
        };
        AccountStatus? status = body.Status switch
        {
            null => null,
            "active" => AccountStatus.Active,
            "disabled" => AccountStatus.Disabled,
            _ => Invalid<AccountStatus>(errors, "status", "status must be \"active\" or \"disabled\"."),
        };
        if (errors.Count == 0 && body.Role is null && body.Status is null)
        {
            errors["role"] = ["Give role, status or both."];
        }
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        var outcome = await Grain(httpContext, orleans).ChangeAsync(id, new AccountChange(role, status));
        return outcome.Succeeded ? TypedResults.Ok(AccountResponse.From(outcome.Value)) : ApiProblem.From(outcome.Error);
    }

    public static async Task<Results<NoContent, ApiProblem>> DeleteAsync(Guid id, HttpContext httpContext, IClusterClient orleans) =>
        await Grain(httpContext, orleans).DeleteAsync(id) is { } refused ? ApiProblem.From(refused) : TypedResults.NoContent();

    private static IAccountsGrain Grain(HttpContext httpContext, IClusterClient orleans) =>
        orleans.GetGrain<IAccountsGrain>(httpContext.Tenant().TenantId);

    private static T? Invalid<T>(Dictionary<string, string[]> errors, string field, string message) where T : struct
    {
        errors[field] = [message];
        return null;
    }
}
