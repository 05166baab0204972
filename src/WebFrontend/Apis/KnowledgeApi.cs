using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis;

/// <summary>Search over the signed-in user's tenant's knowledge (its customer data), best first.</summary>
public static class KnowledgeApi
{
    public const int DefaultResults = 5;
    public const int MaxResults = 50;
    public const int MaxQueryChars = 1000;

    public static IEndpointRouteBuilder MapKnowledgeApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("api/knowledge").ForTenantHost().WithTags("Knowledge").RequireAuthorization(TenantAuthentication.UserPolicy)
            .MapGet("search", SearchAsync);
        return app;
    }

    public static async Task<Results<Ok<KnowledgeSearchResponse>, ApiProblem>> SearchAsync(string? q, string? k, HttpContext httpContext, IClusterClient orleans)
    {
        var errors = new Dictionary<string, string[]>();
        var query = q?.Trim() ?? "";
        if (query.Length == 0 || query.Length > MaxQueryChars || StoredText.HasNul(query))
        {
            errors["q"] = [$"q is required: 1 to {MaxQueryChars} characters."];
        }
        var limit = DefaultResults;
        if (k is not null && (!int.TryParse(k, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit)
            || limit is < 1 or > MaxResults))
        {
            errors["k"] = [$"k must be an integer from 1 to {MaxResults}."];
        }
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        var hits = await orleans.GetGrain<IKnowledgeGrain>(httpContext.Tenant().TenantId).SearchAsync(query, limit);
        return TypedResults.Ok(new KnowledgeSearchResponse([.. hits.Select(hit => new KnowledgeHitResponse(hit.Id, hit.Title, hit.Snippet, hit.Score))]));
    }
}
