using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Apis;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Admin;

/// <summary>Applies a partial JSON change to a tenant's settings, for the operator's PATCH and the tenant admin's PUT.</summary>
public static class TenantSettingsUpdate
{
    private const int Attempts = 4;
    private const string SystemBudgetField = "max_system_tokens";

    /// <summary>The fields that make up the assembled system parameter (with the persona's and modules' own).</summary>
    private static readonly string[] AssemblyFields = ["persona", "system_prompt", "modules"];

    public static async Task<Results<Ok<TenantResponse>, ApiProblem>> ApplyAsync(ITenantGrain grain, JsonObject body, IReadOnlySet<string> writable)
    {
        // Optimistic concurrency: a change racing another one reads again and applies its fields again.
        for (var attempt = 1; ; attempt++)
        {
            if (await grain.GetAsync() is not { } current)
            {
                return new ApiProblem(ProblemCode.NotFound, "No tenant has this id.");
            }
            var reader = new TenantSettingsReader();
            if (reader.ReadChanges(body, current.Settings, writable) is not { } settings)
            {
                return ApiProblem.Validation(reader.Errors);
            }
            var outcome = await grain.UpdateSettingsAsync(settings, current.Version);
            if (outcome.Succeeded)
            {
                return TypedResults.Ok(TenantResponse.From(outcome.Value));
            }
            if (outcome.Error.Field == SystemBudgetField)
            {
                return OverSystemBudget(outcome.Error, body);
            }
            var versionConflict = outcome.Error.Code == ProblemCode.Conflict && settings.Domain == current.Settings.Domain;
            if (!versionConflict || attempt == Attempts)
            {
                return ApiProblem.From(outcome.Error);
            }
        }
    }

    /// <summary>An assembly over budget names the budget and every field of the change that makes up the assembly.</summary>
    private static ApiProblem OverSystemBudget(ServiceError error, JsonObject body)
    {
        var errors = new Dictionary<string, string[]> { [SystemBudgetField] = [error.Detail] };
        foreach (var field in AssemblyFields.Where(body.ContainsKey))
        {
            errors[field] = [error.Detail];
        }
        return ApiProblem.Validation(errors);
    }
}
