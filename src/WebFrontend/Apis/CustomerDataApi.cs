using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis;

/// <summary>Customer data of the signed-in user's tenant. Another tenant's id is 404, never 403: its existence is not revealed.</summary>
public static class CustomerDataApi
{
    private const int MaxContentChars = 100_000;
    private const int MaxMetadataBytes = 16_384;

    public static IEndpointRouteBuilder MapCustomerDataApi(this IEndpointRouteBuilder app)
    {
        var data = app.MapGroup("api/customer-data").ForTenantHost().WithTags("Customer data").RequireAuthorization(TenantAuthentication.UserPolicy);
        data.MapPost("", CreateAsync);
        data.MapGet("", ListAsync);
        data.MapGet("{id:guid}", GetAsync);
        data.MapPut("{id:guid}", UpdateAsync);
        data.MapDelete("{id:guid}", DeleteAsync);
        return app;
    }

    public static async Task<Results<Created<CustomerDataResponse>, ApiProblem>> CreateAsync(CustomerDataBody body, HttpContext httpContext, IClusterClient orleans)
    {
        if (Validate(body, out var input) is { } invalid)
        {
            return invalid;
        }
        var item = await Grain(orleans).CreateAsync(httpContext.Tenant().TenantId, input);
        return TypedResults.Created($"/api/customer-data/{item.Id}", CustomerDataResponse.From(item));
    }

    public static async Task<Results<Ok<PageResponse<CustomerDataResponse>>, ApiProblem>> ListAsync(
        int? limit, string? cursor, HttpContext httpContext, IClusterClient orleans)
    {
        if (Cursors.TryReadPaging(limit, cursor, out var pageSize, out var after) is { } invalid)
        {
            return invalid;
        }
        var page = await Grain(orleans).ListAsync(httpContext.Tenant().TenantId, pageSize, after);
        return TypedResults.Ok(new PageResponse<CustomerDataResponse>([.. page.Items.Select(CustomerDataResponse.From)], Cursors.Encode(page.Next)));
    }

    public static async Task<Results<Ok<CustomerDataResponse>, ApiProblem>> GetAsync(Guid id, HttpContext httpContext, IClusterClient orleans) =>
        await Grain(orleans).GetAsync(httpContext.Tenant().TenantId, id) is { } item
            ? TypedResults.Ok(CustomerDataResponse.From(item))
            : NotFound();

    public static async Task<Results<Ok<CustomerDataResponse>, ApiProblem>> UpdateAsync(
        Guid id, CustomerDataBody body, HttpContext httpContext, IClusterClient orleans)
    {
        if (Validate(body, out var input) is { } invalid)
        {
            return invalid;
        }
        return await Grain(orleans).UpdateAsync(httpContext.Tenant().TenantId, id, input) is { } item
            ? TypedResults.Ok(CustomerDataResponse.From(item))
            : NotFound();
    }

    public static async Task<Results<NoContent, ApiProblem>> DeleteAsync(Guid id, HttpContext httpContext, IClusterClient orleans) =>
        await Grain(orleans).DeleteAsync(httpContext.Tenant().TenantId, id) ? TypedResults.NoContent() : NotFound();

    private static ICustomerDataGrain Grain(IClusterClient orleans) => orleans.GetGrain<ICustomerDataGrain>(0);

    private static ApiProblem NotFound() => new(ProblemCode.NotFound, "No customer data with this id.");

    private static ApiProblem? Validate(CustomerDataBody body, out CustomerDataInput input)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Title is not { } title || title.Trim().Length == 0 || title.Length > 200 || StoredText.HasNul(title))
        {
            errors["title"] = ["title is required, 1 to 200 characters, and " + StoredText.NulProblem];
        }
        if (body.Content is not { } content || content.Length > MaxContentChars || StoredText.HasNul(content))
        {
            errors["content"] = [$"content is required, at most {MaxContentChars} characters, and " + StoredText.NulProblem];
        }
        var metadata = body.Metadata is { ValueKind: not JsonValueKind.Null } given ? given.GetRawText() : "{}";
        if (body.Metadata is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) } || metadata.Length > MaxMetadataBytes)
        {
            errors["metadata"] = [$"metadata, when given, must be a JSON object of at most {MaxMetadataBytes} bytes."];
        }
        else if (body.Metadata is { } json && StoredText.HasNul(json))
        {
            errors["metadata"] = ["metadata " + StoredText.NulProblem];
        }
        input = new CustomerDataInput(body.Title?.Trim() ?? "", body.Content ?? "", metadata);
        return errors.Count == 0 ? null : ApiProblem.Validation(errors);
    }
}
